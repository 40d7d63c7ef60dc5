/**
 * Customer-service (客服) sends through the business service to the simulator, against a ceiling
 * measured in the same run.
 *
 * The pipeline: F followers each write a text to the account from the simulator's phone (the
 * simulator pushes it to the ingress — `mpstack run ingress`, its own process — which records
 * the follower's 48-hour window, 5 sends, in Redis); then 5 × F `POST /api/kefu-sends` (32 at a
 * time) to `mpstack run business` (its own process, kefu rate off): row → mpstack.outbound.kefu →
 * the kefu worker (claim, the window taken in Redis, the WeChat client) → the simulator → the
 * outcome recorded. Timed from the first POST until every send is recorded.
 *
 * The ceiling: the same number of message/custom/send calls straight to the simulator from a
 * bare undici Pool (32 in flight; its own F followers, their windows opened at the simulator) —
 * what the HTTP hop and WeChat's side alone cost.
 *
 * Prints sends/s and CPU per send of each (business, ingress, this process — the simulator and
 * the bench's client —, the shared servers net of their background) and the ratios. Under load
 * wall-clock rates mean little; compare the CPU per send.
 *
 *   node test/dist/bench/outbound/kefu-throughput.js [sends=5000]
 *   OUTBOUND_PROFILE=<dir>: the business and ingress processes write V8 CPU profiles there.
 */
import { loadavg } from 'node:os';
import { createDatabase } from '@mpstack/common/db';
import { REDIS_URL, until } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { appSecret, createOutboundStand } from '../../support/outbound-stand.js';
import { cpuMeter, serverBackground } from './cpu.js';

const sends = Math.max(5, Math.floor(Number(process.argv[2] ?? 5_000) / 5) * 5);
const followers = sends / 5;
const inFlight = 32;
const kefuPath = '/cgi-bin/message/custom/send';

/** Runs `task(i)` for i < n, `width` at a time. */
async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      for (let i = next++; i < n; i = next++) await task(i);
    }),
  );
}

const stand = await createOutboundStand({ followers: 2 * followers, ingressProcess: true });
const db = createDatabase({ url: stand.stack.databaseUrl });
const redis = new Redis(REDIS_URL);
const sim = stand.simulator.hosts.api2 as string;
try {
  const worker = await stand.businessProcess({ MPSTACK_WECHAT_RATE_KEFU: 'off', MPSTACK_SEND_PREFETCH: '64' });
  const piped = Array.from({ length: followers }, (_, i) => stand.openId(i));
  const bare = Array.from({ length: followers }, (_, i) => stand.openId(followers + i));

  // The windows: the pipeline's followers write through the phone (simulator + ingress); the
  // ceiling's are opened at the simulator only (it checks its own window on every call).
  await pool(followers, 16, async (i) => {
    const answer = await fetch(`${sim}/phone/api/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: stand.account, openid: piped[i], action: 'text', content: `你好 ${i}` }),
    });
    if (!answer.ok) throw new Error(`phone send ${answer.status}: ${await answer.text()}`);
  });
  await pool(followers, 16, async (i) =>
    stand
      .control('POST', `/_sim/accounts/${stand.account}/users/${bare[i]}/interactions`, { kind: 'message' })
      .then(() => undefined),
  );
  const windowKey = (openId: string) => `${stand.stack.keyPrefix}wx:kefu:${stand.stack.account.appId}:${openId}`;
  await until(
    async () => ((await redis.exists(...piped.map(windowKey))) === followers ? true : undefined),
    120_000,
    'the ingress recorded every window',
    200,
  );

  // The pipeline.
  const load = [loadavg()[0] ?? 0];
  const before = await serverBackground(5000);
  let meter = cpuMeter({ business: () => worker.child.pid, ingress: () => stand.ingressChild?.pid });
  let started = performance.now();
  await pool(sends, inFlight, async (i) => {
    const response = await fetch(`${worker.url}/api/kefu-sends`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        account: stand.account,
        openId: piped[i % followers],
        message: { msgtype: 'text', text: { content: `您好，第 ${i} 条回复` } },
      }),
    });
    if (response.status !== 202) throw new Error(`POST /api/kefu-sends → ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  });
  const acceptedSeconds = (performance.now() - started) / 1000;
  const outcomes = await until(
    async () => {
      const rows = await db
        .selectFrom('kefu_sends')
        .select(['status', db.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      const counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      return (counts['queued'] ?? 0) + (counts['sending'] ?? 0) === 0 ? counts : undefined;
    },
    1_800_000,
    'every kefu send recorded',
    100,
  );
  const pipeSeconds = (performance.now() - started) / 1000;
  const pipeCpu = meter.stop();
  const after = await serverBackground(5000);
  load.push(loadavg()[0] ?? 0);

  // The ceiling: a bare undici POST loop to the simulator.
  const token = await stableToken(sim, stand.stack.account.appId);
  const client = new Pool(stand.simulator.hosts.api as string, { connections: inFlight });
  let ceilingOk = 0;
  meter = cpuMeter({});
  started = performance.now();
  await pool(sends, inFlight, async (i) => {
    const { body } = await client.request({
      method: 'POST',
      path: `${kefuPath}?access_token=${token}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        touser: bare[i % followers],
        msgtype: 'text',
        text: { content: `您好，第 ${i} 条回复` },
      }),
    });
    const answer = (await body.json()) as { errcode?: number };
    if ((answer.errcode ?? 0) === 0) ceilingOk += 1;
  });
  const ceilingSeconds = (performance.now() - started) / 1000;
  const ceilingCpu = meter.stop();
  await client.close();
  load.push(loadavg()[0] ?? 0);

  const background = (name: string, seconds: number) => (((before[name] ?? 0) + (after[name] ?? 0)) / 2) * seconds;
  const net = (reading: typeof pipeCpu) =>
    Object.fromEntries(
      Object.entries(reading.servers).map(([name, s]) => [name, Math.max(0, s - background(name, reading.seconds))]),
    );
  const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
  const us = (seconds: number) => (seconds / sends) * 1e6;
  const fmt = (seconds: number) => `${us(seconds).toFixed(0)} µs`;
  const pipeNet = net(pipeCpu);
  const business = pipeCpu.processes['business'] ?? 0;
  const ingress = pipeCpu.processes['ingress'] ?? 0;
  const pipeTotal = business + ingress + pipeCpu.self + sum(pipeNet);
  const ceilingNet = net(ceilingCpu);
  const ceilingTotal = ceilingCpu.self + sum(ceilingNet);
  const pipeRate = sends / pipeSeconds;
  const ceilingRate = sends / ceilingSeconds;

  console.log(
    `customer-service sends: ${sends} to ${followers} followers (5 each, their windows fed by inbound texts)`,
  );
  console.log(`  load average ${load.map((l) => l.toFixed(1)).join(' → ')} (2 cores)`);
  console.log(
    `  pipeline: ${JSON.stringify(outcomes)}; accepted in ${acceptedSeconds.toFixed(1)} s, all recorded after ${pipeSeconds.toFixed(1)} s: ${pipeRate.toFixed(0)} sends/s`,
  );
  console.log(`    CPU per send: business ${fmt(business)} (API, queue, worker, client, record)`);
  console.log(`                  ingress ${fmt(ingress)} (idle here: the windows were fed before)`);
  console.log(`                  simulator + this bench's POSTs ${fmt(pipeCpu.self)}`);
  for (const [name, s] of Object.entries(pipeCpu.servers)) {
    console.log(
      `                  ${name.padEnd(9)} ${fmt(pipeNet[name] ?? 0)} net of background (${fmt(s)} as measured)`,
    );
  }
  console.log(`                  machine total ${fmt(pipeTotal)}`);
  console.log(
    `  ceiling (a bare undici POST loop to the simulator, ${inFlight} in flight): ${ceilingOk} ok, ${ceilingRate.toFixed(0)} sends/s; CPU per send ${fmt(ceilingCpu.self)} (simulator + client), machine total ${fmt(ceilingTotal)}`,
  );
  console.log(
    `  ratios: sends/s ${(pipeRate / ceilingRate).toFixed(2)}× the ceiling; machine CPU per send ${(pipeTotal / ceilingTotal).toFixed(1)}× the ceiling's (business alone ${(business / ceilingTotal).toFixed(1)}×)`,
  );
  // A clean exit (bounded): with OUTBOUND_PROFILE set, the child writes its CPU profile then.
  const exited = new Promise((resolve) => worker.child.once('exit', resolve));
  worker.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
} finally {
  redis.disconnect();
  await db.destroy();
  await stand.dispose();
}

async function stableToken(base: string, appId: string): Promise<string> {
  const answer = (await (
    await fetch(`${base}/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credential', appid: appId, secret: appSecret }),
    })
  ).json()) as { access_token?: string };
  if (typeof answer.access_token !== 'string') throw new Error(`stable_token: ${JSON.stringify(answer)}`);
  return answer.access_token;
}
