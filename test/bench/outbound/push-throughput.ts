/**
 * The outbound pipeline's throughput to the simulator with the rate limit off: one push of
 * N recipients (`mpstack run business` as its own process: queue → claim → WeChat client → record)
 * against the WeChat simulator (this process), whose TEMPLATESENDJOBFINISH pushes — one encrypted
 * POST per receipt — go to an ingress (`mpstack run ingress`, its own process) and back to the
 * business service (receipts on, as in production). The measurement ends when every receipt is
 * joined to its send.
 *
 * Prints sends/s, the CPU per send of each process — business, ingress, simulator, and the
 * shared MariaDB / Redis / RabbitMQ (as measured, and minus their background rate measured for
 * 5 s before and after, since other sessions use them too) — and the ratio to the infrastructure
 * ceiling of one send (≈ 180–245 µs for queue → bucket → HTTP → log, ../shared/PERFORMANCE.md;
 * it excludes WeChat's side and the receipts, so it is compared with the sender's share).
 * Under load wall-clock rates mean little; the CPU per send is the figure to compare.
 *
 *   node test/dist/bench/outbound/push-throughput.js [recipients=30000]
 *   OUTBOUND_PROFILE=<dir>: the business and ingress processes write V8 CPU profiles there.
 *   BENCH_DELIVERY_CONCURRENCY=<n>: the simulator's receipts in flight at once (32 by default).
 */
import { loadavg } from 'node:os';
import { until } from '@mpstack/testkit';
import { startPush, untilPush } from '../../support/outbound-api.js';
import { createOutboundStand } from '../../support/outbound-stand.js';
import { cpuMeter, serverBackground } from './cpu.js';
import { latestPush } from './push-progress.js';

const recipients = Number(process.argv[2] ?? 30_000);
const ceilingUs = { low: 180, high: 245 };

// The simulator's receipts in flight at once (its default 32; WeChat's own number is not published).
const deliveryConcurrency = Number(process.env['BENCH_DELIVERY_CONCURRENCY'] ?? 32);
const stand = await createOutboundStand({ followers: recipients, ingressProcess: true, deliveryConcurrency });
try {
  const worker = await stand.businessProcess({
    MPSTACK_WECHAT_RATE_TEMPLATE: 'off',
    MPSTACK_PUSH_PREFETCH: '8',
    MPSTACK_PUSH_BATCH: '200',
  });
  const openIds = Array.from({ length: recipients }, (_, i) => stand.openId(i));
  const load = [loadavg()[0] ?? 0];
  const before = await serverBackground(5000);
  const meter = cpuMeter({ business: () => worker.child.pid, ingress: () => stand.ingressChild?.pid });
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
  const cpu = meter.stop();
  const groups = await receiptGroups(stand.ingressUrl);
  load.push(loadavg()[0] ?? 0);
  const after = await serverBackground(5000);
  const counts = await stand.sendsPerOpenId();
  const duplicated = [...counts.values()].filter((n) => n > 1).length;

  const us = (seconds: number) => (seconds / done.sent) * 1e6;
  const fmt = (seconds: number) => `${us(seconds).toFixed(0)} µs`;
  const net = Object.fromEntries(
    Object.entries(cpu.servers).map(([name, s]) => {
      const background = (((before[name] ?? 0) + (after[name] ?? 0)) / 2) * cpu.seconds;
      return [name, Math.max(0, s - background)];
    }),
  );
  const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
  const business = cpu.processes['business'] ?? 0;
  const ingress = cpu.processes['ingress'] ?? 0;
  const total = business + ingress + cpu.self + sum(net);
  const sender = business + sum(net);
  console.log(
    `push of ${recipients} recipients, rate limit off (upload and start included; receipts on, ${deliveryConcurrency} in flight at the simulator)`,
  );
  console.log(`  load average ${load.map((l) => l.toFixed(1)).join(' → ')} (2 cores)`);
  console.log(
    `  sent ${done.sent}, failed ${done.failed}, at the simulator ${counts.size} distinct, ${duplicated} duplicated; receipts joined ${joined(final)}`,
  );
  console.log(
    `  ${(done.sent / sentSeconds).toFixed(0)} sends/s over ${sentSeconds.toFixed(1)} s (receipts all joined after ${cpu.seconds.toFixed(1)} s)`,
  );
  if (groups !== undefined) {
    console.log(
      `  receipts reached mpstack.receipts in ${groups.messages} messages (${(groups.receipts / Math.max(1, groups.messages)).toFixed(1)} receipts a message)`,
    );
  }
  console.log('  CPU per send:');
  console.log(`    business (claim, send, record, receipts)  ${fmt(business)}`);
  console.log(`    ingress (receipt pushes → queue)          ${fmt(ingress)}`);
  console.log(`    simulator (WeChat's side) + this bench    ${fmt(cpu.self)}`);
  for (const [name, s] of Object.entries(cpu.servers)) {
    console.log(`    ${name.padEnd(9)} ${fmt(net[name] ?? 0)} net of background (${fmt(s)} as measured)`);
  }
  console.log(`    machine total ${fmt(total)} (${total.toFixed(1)} s of CPU)`);
  console.log(
    `  the sender's share (business + servers) ${fmt(sender)}: ${(us(sender) / ceilingUs.high).toFixed(2)}–${(us(sender) / ceilingUs.low).toFixed(2)}× the ceiling of one send (${ceilingUs.low}–${ceilingUs.high} µs, PERFORMANCE.md; receipts included here, not there)`,
  );
  const quiet = 2e6 / us(total);
  console.log(
    `  2 cores / machine CPU per send = ${quiet.toFixed(0)} sends/s on a quiet machine; target ≥ 5,000 sends/s: ${quiet >= 5000 ? 'met' : 'NOT met'}`,
  );
  // A clean exit (bounded): with OUTBOUND_PROFILE set, the child writes its CPU profile then.
  const exited = new Promise((resolve) => worker.child.once('exit', resolve));
  worker.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
} finally {
  await stand.dispose();
}

/** The ingress's receipt groups so far (its /metrics), or undefined when it does not report them. */
async function receiptGroups(base: string): Promise<{ messages: number; receipts: number } | undefined> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith(name))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    return { messages: value('mpstack_receipt_messages_total'), receipts: value('mpstack_receipts_grouped_total') };
  } catch {
    return undefined;
  }
}
