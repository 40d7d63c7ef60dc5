/**
 * The WeChat simulator's CPU per template send, its TEMPLATESENDJOBFINISH receipt included
 * (encrypted, signed, one POST to a webhook that answers `success`): the simulator runs in its
 * own process, the client (an undici Pool, 48 sends in flight) and the webhook in this one.
 * After `sends / 10` sends to warm up, it measures the rest until every receipt arrived.
 * Compare the µs per send, not the rate, on a loaded machine.
 *
 *   node test/dist/bench/simulator-template-send.js [sends=10000]
 *   SIMULATOR_PROFILE=<dir>: the simulator's process writes a V8 CPU profile there when it exits.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { until } from '@mpstack/testkit';
import { Pool } from 'undici';
import { processCpuSeconds } from './outbound/cpu.js';

const sends = Number(process.argv[2] ?? 10_000);
const inFlight = 48;
let receipts = 0;
const webhook = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    receipts += 1;
    res.end('success');
  });
});
await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
const profile = process.env['SIMULATOR_PROFILE'];
const child = spawn(
  process.execPath,
  [
    ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]),
    fileURLToPath(new URL('./simulator-template-child.js', import.meta.url)),
    String(sends),
    `http://127.0.0.1:${(webhook.address() as AddressInfo).port}`,
  ],
  { stdio: ['pipe', 'pipe', 'inherit'] },
);
const { url } = await new Promise<{ url: string }>((resolve, reject) => {
  child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString('utf8')) as { url: string }));
  child.once('exit', (code) => reject(new Error(`simulator exited ${code}`)));
});
const pool = new Pool(url, { connections: 8 });
const post = async (path: string, body: unknown) => {
  const response = await pool.request({
    path,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.body.json()) as Record<string, unknown>;
};
const { access_token: token } = await post('/cgi-bin/stable_token', {
  grant_type: 'client_credential',
  appid: 'wxbench0000000001',
  secret: 'bench-secret',
});
const send = async (n: number) => {
  const answer = await post(`/cgi-bin/message/template/send?access_token=${String(token)}`, {
    touser: `oBench${n}`,
    template_id: 'TPL_BENCH',
    data: { keyword1: { value: `用户${n}` }, keyword2: { value: `订单 ${1000 + n}` } },
    client_msg_id: `p1-${n}`,
  });
  if (answer['errcode'] !== 0) throw new Error(`send ${n} → ${JSON.stringify(answer)}`);
};
/** Sends `from` … `to - 1`, `inFlight` at a time, then waits for their receipts. */
const run = async (from: number, to: number) => {
  let next = from;
  const loop = async () => {
    while (next < to) await send(next++);
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  await until(() => receipts >= to, 600_000, 'every receipt', 20);
};
try {
  const warm = Math.floor(sends / 10);
  await run(0, warm);
  const load = loadavg()[0] ?? 0;
  const cpu = processCpuSeconds(child.pid ?? 0);
  const started = performance.now();
  await run(warm, sends);
  const seconds = (performance.now() - started) / 1000;
  const us = ((processCpuSeconds(child.pid ?? 0) - cpu) / (sends - warm)) * 1e6;
  console.log(`simulator: ${sends - warm} template sends and their receipts (after ${warm} to warm up)`);
  console.log(`  load average ${load.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)} (2 cores)`);
  console.log(`  ${((sends - warm) / seconds).toFixed(0)} sends/s; simulator CPU ${us.toFixed(0)} µs per send`);
} finally {
  await pool.close();
  child.stdin.end();
  webhook.close();
}
