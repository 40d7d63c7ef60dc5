/**
 * The WeChat API client's cost per template send, against a peer measured in the same run: the
 * same POST through a bare undici Pool with a token fetched once (no coordination, no quota, no
 * failover, no telemetry). The simulator runs in its own process; the figures are this
 * process's CPU per send and sends/s, at 16 sends in flight (BENCH_WECHAT_IN_FLIGHT), rate limit off.
 * The client gets the telemetry a service gets (`createTelemetry`: the SDK's meter and tracer
 * registered globally, no span exporter), so its metrics and spans cost what they cost in business.
 *
 *   make bench-wechat-client      (BENCH_WECHAT_SECONDS per phase, default 8)
 *   BENCH_WECHAT_PEER=stub        a stub answering each call at once instead of the simulator
 *                                 (wechat-stub-child.ts): the client's own cost, not the simulator's pace
 *
 * Needs the local Redis (a key prefix of its own, deleted afterwards).
 */

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RedisCoordination } from '@mpstack/common/adapters';
import { createTelemetry } from '@mpstack/common/telemetry';
import { createWeChatApiClient } from '@mpstack/common/wechat-api';
import { deleteKeys, REDIS_URL, uniqueName } from '@mpstack/testkit';
import { Pool } from 'undici';

const seconds = Number(process.env['BENCH_WECHAT_SECONDS'] ?? 8);
const inFlight = Number(process.env['BENCH_WECHAT_IN_FLIGHT'] ?? 16);
const peer = process.env['BENCH_WECHAT_PEER'] === 'stub' ? './wechat-stub-child.js' : './wechat-sim-child.js';

interface Phase {
  readonly name: string;
  readonly sends: number;
  readonly perSecond: number;
  readonly cpuMicrosPerSend: number;
}

/** Runs `send` with `inFlight` loops for `seconds`; counts successes, fails on any error. */
async function phase(name: string, send: () => Promise<void>): Promise<Phase> {
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  const endAt = startedAt + seconds * 1000;
  let sends = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < endAt) {
        await send();
        sends += 1;
      }
    }),
  );
  const elapsed = (performance.now() - startedAt) / 1000;
  const used = process.cpuUsage(cpu);
  return { name, sends, perSecond: sends / elapsed, cpuMicrosPerSend: (used.user + used.system) / sends };
}

const child = spawn(process.execPath, [fileURLToPath(new URL(peer, import.meta.url))], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const sim = await new Promise<{ url: string; appId: string; secret: string }>((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] ?? '{}'));
  });
  child.on('exit', (code) => reject(new Error(`simulator exited ${code}`)));
});
const keyPrefix = `bench:${uniqueName('wxclient')}:`;
const coordination = new RedisCoordination({ url: REDIS_URL, keyPrefix });
const telemetry = createTelemetry({ service: 'bench-wechat-client', traceSampleRatio: 0.01 });
const client = createWeChatApiClient(
  { bases: [sim.url], dailyQuotas: { sendTemplateMessage: 1e12 } },
  { coordination, secrets: { appSecret: async () => sim.secret }, telemetry },
);
const message = (i: number) => ({
  touser: 'o-bench-follower',
  template_id: 'tmpl-bench',
  data: { first: { value: `bill ${i}` }, keyword1: { value: '42.00' } },
});
try {
  const token = await client.getAccessToken(sim.appId);
  const pool = new Pool(sim.url, { connections: 64, keepAliveTimeout: 30_000 });
  let n = 0;
  const bare = await phase('bare undici POST (peer)', async () => {
    const response = await pool.request({
      method: 'POST',
      path: `/cgi-bin/message/template/send?access_token=${token}`,
      body: JSON.stringify({ ...message(n++), client_msg_id: `b${n}` }),
      headers: { 'content-type': 'application/json' },
    });
    const body = (await response.body.json()) as { errcode?: number };
    if ((body.errcode ?? 0) !== 0) throw new Error(`errcode ${body.errcode}`);
  });
  await pool.close();
  const viaClient = await phase('client.sendTemplate', async () => {
    await client.sendTemplate(sim.appId, message(n++));
  });
  for (const p of [bare, viaClient]) {
    process.stdout.write(
      `${p.name.padEnd(26)} ${p.sends} sends, ${p.perSecond.toFixed(0)} sends/s, ${p.cpuMicrosPerSend.toFixed(0)} µs CPU/send (this process)\n`,
    );
  }
  process.stdout.write(
    `client / peer: ${(viaClient.cpuMicrosPerSend / bare.cpuMicrosPerSend).toFixed(2)}× CPU per send, ` +
      `${(viaClient.perSecond / bare.perSecond).toFixed(2)}× sends/s (the simulator, in its own process, bounds both)\n`,
  );
} finally {
  await client.close();
  await telemetry.shutdown();
  await coordination.close();
  await deleteKeys(keyPrefix);
  child.stdin?.end();
}
