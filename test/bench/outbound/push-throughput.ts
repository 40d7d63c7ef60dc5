/**
 * The outbound pipeline's throughput to the simulator with the rate limit off: one push of
 * N recipients (`mpstack run business` as its own process: queue → claim → WeChat client → record)
 * against the WeChat simulator (this process), whose TEMPLATESENDJOBFINISH pushes — one encrypted
 * POST per receipt — go to an ingress (`mpstack run ingress`, its own process) and back to the
 * business service. The measurement ends when every receipt is joined to its send.
 *
 * Two phases by default (BENCH_RECEIPTS=held), measured apart because they add up:
 *   1. the sends — the simulator holds the receipts (`POST /_sim/callbacks/hold`: WeChat sends a
 *      receipt when the phone got the message, seconds to minutes later): sends/s on the wall
 *      clock, against the target, and the CPU per send of each process;
 *   2. the receipts — released at once (`/_sim/callbacks/release`, BENCH_DELIVERY_CONCURRENCY in
 *      flight): receipts/s and the CPU per receipt of each process.
 * Their sum is what one send costs the machine when its receipt arrives while the push runs —
 * the rate 2 cores sustain with receipts keeping pace, also printed.
 * BENCH_RECEIPTS=concurrent: receipts flow during the sends (one measurement, as before).
 *
 * Prints the CPU of each process — business, ingress, simulator, and the shared MariaDB / Redis /
 * RabbitMQ (as measured, and minus their background rate measured for 5 s before and after,
 * since other sessions use them too) — and the sender's share against the infrastructure
 * ceiling of one send (≈ 180–245 µs for queue → bucket → HTTP → log, ../shared/PERFORMANCE.md;
 * it excludes WeChat's side and the receipts).
 *
 *   node test/dist/bench/outbound/push-throughput.js [recipients=30000]
 *   OUTBOUND_PROFILE=<dir>: the business and ingress processes write V8 CPU profiles there.
 *   BENCH_DELIVERY_CONCURRENCY=<n>: the simulator's receipts in flight at once (32 by default).
 *   BENCH_BUSINESS_REPLICAS=<n>: n `mpstack run business` processes (1 by default; their CPU summed):
 *   one Node process uses one core, and at ~200 µs a send it cannot send 5,000 a second alone.
 */
import { loadavg } from 'node:os';
import { until } from '@mpstack/testkit';
import { startPush, untilPush } from '../../support/outbound-api.js';
import { createOutboundStand } from '../../support/outbound-stand.js';
import { type CpuReading, cpuMeter, serverBackground } from './cpu.js';
import { latestPush } from './push-progress.js';
import { receiptGroups } from './receipt-groups.js';

const recipients = Number(process.argv[2] ?? 30_000);
const ceilingUs = { low: 180, high: 245 };
const target = 5000;

// The simulator's receipts in flight at once (its default 32; WeChat's own number is not published).
const deliveryConcurrency = Number(process.env['BENCH_DELIVERY_CONCURRENCY'] ?? 32);
const replicas = Number(process.env['BENCH_BUSINESS_REPLICAS'] ?? 1);
const mode = process.env['BENCH_RECEIPTS'] === 'concurrent' ? 'concurrent' : 'held';
const stand = await createOutboundStand({ followers: recipients, ingressProcess: true, deliveryConcurrency });
try {
  const env = { MPSTACK_WECHAT_RATE_TEMPLATE: 'off', MPSTACK_PUSH_PREFETCH: '8', MPSTACK_PUSH_BATCH: '200' };
  // BENCH_BUSINESS_REPLICAS=<n>: n business processes share the push's chunks, as replicas of the Deployment do.
  const workers = await Promise.all(Array.from({ length: Math.max(1, replicas) }, () => stand.businessProcess(env)));
  const [worker] = workers as [(typeof workers)[number]];
  const openIds = Array.from({ length: recipients }, (_, i) => stand.openId(i));
  const load = [loadavg()[0] ?? 0];
  const before = await serverBackground(5000);
  const meterOf = () =>
    cpuMeter({
      ...Object.fromEntries(workers.map((w, i) => [`business${i}`, () => w.child.pid])),
      ingress: () => stand.ingressChild?.pid,
    });
  if (mode === 'held') await stand.control('POST', '/_sim/callbacks/hold');
  let meter = meterOf();
  const started = performance.now();
  const id = await startPush(worker.url, stand.account, openIds);
  // Its list row (no per-state counts), 4 times a second, until it completes: `GET /pushes/:id` groups every
  // recipient row, and read every 100 ms it cost MariaDB and the business service CPU per send.
  const done = await until(
    async () => {
      const row = await latestPush(worker.url, stand.account);
      return row?.id === id && row.state === 'completed' ? row : undefined;
    },
    1_800_000,
    'push completed',
    250,
  );
  const sentSeconds = (performance.now() - started) / 1000;
  let sendPhase: CpuReading | undefined;
  let held = 0;
  if (mode === 'held') {
    sendPhase = meter.stop();
    load.push(loadavg()[0] ?? 0);
    held = ((await stand.control('GET', '/_sim/callbacks')) as { waiting: number }).waiting;
    meter = meterOf();
    await stand.control('POST', '/_sim/callbacks/release');
  }
  const joined = (p: { counts: Record<string, number> }) =>
    Object.entries(p.counts)
      .filter(([key]) => key.startsWith('receipt:'))
      .reduce((sum, [, n]) => sum + n, 0);
  const final = await untilPush(
    () => worker.url,
    id,
    (p) => joined(p) >= p.sent,
    600_000,
    'receipts joined',
    1_000,
  );
  const lastPhase = meter.stop();
  const groups = await receiptGroups(stand.ingressUrl);
  load.push(loadavg()[0] ?? 0);
  const after = await serverBackground(5000);
  const counts = await stand.sendsPerOpenId();
  const duplicated = [...counts.values()].filter((n) => n > 1).length;

  const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
  /** A phase's CPU seconds per process, the servers net of their background rate. */
  const split = (cpu: CpuReading) => {
    const net = Object.fromEntries(
      Object.entries(cpu.servers).map(([name, s]) => {
        const background = (((before[name] ?? 0) + (after[name] ?? 0)) / 2) * cpu.seconds;
        return [name, Math.max(0, s - background)];
      }),
    );
    const business = Object.entries(cpu.processes)
      .filter(([name]) => name.startsWith('business'))
      .reduce((total, [, seconds]) => total + seconds, 0);
    const ingress = cpu.processes['ingress'] ?? 0;
    return {
      cpu,
      net,
      business,
      ingress,
      total: business + ingress + cpu.self + sum(net),
      sender: business + sum(net),
    };
  };
  const us = (seconds: number) => (seconds / done.sent) * 1e6;
  const fmt = (seconds: number) => `${us(seconds).toFixed(0)} µs`;
  const print = (phase: ReturnType<typeof split>, per: string) => {
    console.log(`    business                                  ${fmt(phase.business)}`);
    console.log(`    ingress                                   ${fmt(phase.ingress)}`);
    console.log(`    simulator (WeChat's side) + this bench    ${fmt(phase.cpu.self)}`);
    for (const [name, s] of Object.entries(phase.cpu.servers)) {
      console.log(`    ${name.padEnd(9)} ${fmt(phase.net[name] ?? 0)} net of background (${fmt(s)} as measured)`);
    }
    console.log(`    machine total ${fmt(phase.total)} ${per} (${phase.total.toFixed(1)} s of CPU)`);
  };
  console.log(
    `push of ${recipients} recipients to ${workers.length} business process${workers.length === 1 ? '' : 'es'}, rate limit off (upload and start included; receipts ${mode === 'held' ? `held during the sends, then ${deliveryConcurrency} in flight` : `on during the sends, ${deliveryConcurrency} in flight`} at the simulator)`,
  );
  console.log(`  load average ${load.map((l) => l.toFixed(1)).join(' → ')} (2 cores)`);
  console.log(
    `  sent ${done.sent}, failed ${done.failed}, at the simulator ${counts.size} distinct, ${duplicated} duplicated; receipts joined ${joined(final)}`,
  );
  const wallRate = done.sent / sentSeconds;
  const verdict = (rate: number) => (rate >= target ? 'met' : 'NOT met');
  if (sendPhase !== undefined) {
    const sends = split(sendPhase);
    const receipts = split(lastPhase);
    console.log(
      `  1. sends: ${wallRate.toFixed(0)} sends/s over ${sentSeconds.toFixed(1)} s on this machine; target ≥ ${target.toLocaleString('en')} sends/s: ${verdict(wallRate)}`,
    );
    console.log('   CPU per send:');
    print(sends, 'a send');
    console.log(
      `    the sender's share (business + servers) ${fmt(sends.sender)}: ${(us(sends.sender) / ceilingUs.high).toFixed(2)}–${(us(sends.sender) / ceilingUs.low).toFixed(2)}× the ceiling of one send (${ceilingUs.low}–${ceilingUs.high} µs, PERFORMANCE.md)`,
    );
    console.log(
      `    2 cores / machine CPU per send = ${(2e6 / us(sends.total)).toFixed(0)} sends/s on a quiet machine`,
    );
    console.log(
      `  2. receipts: ${held} held at the simulator until the push completed, then ${(done.sent / lastPhase.seconds).toFixed(0)} receipts/s: all ${joined(final)} joined ${lastPhase.seconds.toFixed(1)} s after their release`,
    );
    if (groups !== undefined) {
      console.log(
        `   reached mpstack.receipts in ${groups.messages} messages (${(groups.receipts / Math.max(1, groups.messages)).toFixed(1)} receipts a message)`,
      );
    }
    console.log('   CPU per receipt:');
    print(receipts, 'a receipt');
    const loop = sends.total + receipts.total;
    console.log(
      `  a send and its receipt: ${fmt(loop)} of machine CPU → ${(2e6 / us(loop)).toFixed(0)} sends/s on 2 cores with the receipts keeping pace (target ${verdict(2e6 / us(loop))} that way)`,
    );
  } else {
    const all = split(lastPhase);
    console.log(
      `  ${wallRate.toFixed(0)} sends/s over ${sentSeconds.toFixed(1)} s (receipts all joined after ${lastPhase.seconds.toFixed(1)} s)`,
    );
    if (groups !== undefined) {
      console.log(
        `  receipts reached mpstack.receipts in ${groups.messages} messages (${(groups.receipts / Math.max(1, groups.messages)).toFixed(1)} receipts a message)`,
      );
    }
    console.log('  CPU per send (its receipt included):');
    print(all, 'a send');
    console.log(
      `  2 cores / machine CPU per send = ${(2e6 / us(all.total)).toFixed(0)} sends/s on a quiet machine; target ≥ ${target.toLocaleString('en')} sends/s: ${verdict(2e6 / us(all.total))}`,
    );
  }
  // A clean exit (bounded): with OUTBOUND_PROFILE set, the child writes its CPU profile then.
  const exited = Promise.all(workers.map((w) => new Promise((resolve) => w.child.once('exit', resolve))));
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
} finally {
  await stand.dispose();
}
