/**
 * The outbound pipeline's throughput to the simulator with the rate limit off: one push of
 * N recipients (`mpstack run business` as its own process: queue → claim → WeChat client → record)
 * against the WeChat simulator, whose TEMPLATESENDJOBFINISH pushes go through an ingress back to
 * the business service (receipts on, as in production). Prints sends/s, the machine CPU per send
 * (business process + this process — simulator and ingress — + MariaDB, Redis, RabbitMQ) and its
 * ratio to the infrastructure ceiling of one send (≈ 180–245 µs, PERFORMANCE.md).
 *
 *   node test/dist/bench/outbound/push-throughput.js [recipients=30000]
 */
import { startPush, untilPush } from '../../support/outbound-api.js';
import { createOutboundStand } from '../../support/outbound-stand.js';
import { cpuMeter } from './cpu.js';

const recipients = Number(process.argv[2] ?? 30_000);
const ceilingUs = { low: 180, high: 245 };

const stand = await createOutboundStand({ followers: recipients });
try {
  const worker = await stand.businessProcess({
    MPSTACK_WECHAT_RATE_TEMPLATE: 'off',
    MPSTACK_PUSH_PREFETCH: '8',
    MPSTACK_PUSH_BATCH: '200',
  });
  const openIds = Array.from({ length: recipients }, (_, i) => stand.openId(i));
  const meter = cpuMeter(() => (worker.child.pid === undefined ? [] : [worker.child.pid]));
  const started = performance.now();
  const id = await startPush(worker.url, stand.account, openIds);
  const done = await untilPush(
    () => worker.url,
    id,
    (p) => p.state === 'completed',
    600_000,
    'push completed',
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = meter.stop();
  const counts = await stand.sendsPerOpenId();
  const duplicated = [...counts.values()].filter((n) => n > 1).length;
  const perSendUs = (cpu.total / done.sent) * 1e6;
  const rate = done.sent / seconds;
  console.log(`push of ${recipients} recipients, rate limit off (upload and start included)`);
  console.log(
    `  sent ${done.sent}, failed ${done.failed}, at the simulator ${counts.size} distinct, ${duplicated} duplicated`,
  );
  console.log(`  ${rate.toFixed(0)} sends/s over ${seconds.toFixed(1)} s`);
  console.log(
    `  CPU ${cpu.total.toFixed(1)} s = ${perSendUs.toFixed(0)} µs per send (business ${cpu.children.toFixed(1)} s, simulator + ingress ${cpu.self.toFixed(1)} s, servers ${Object.entries(
      cpu.servers,
    )
      .map(([name, s]) => `${name} ${s.toFixed(1)}`)
      .join(', ')})`,
  );
  console.log(
    `  ratio to the ceiling of one send (${ceilingUs.low}–${ceilingUs.high} µs): ${(perSendUs / ceilingUs.high).toFixed(2)}–${(perSendUs / ceilingUs.low).toFixed(2)}×; target ≥ 5,000 sends/s: ${rate >= 5000 ? 'met' : 'NOT met'}`,
  );
  worker.child.kill('SIGTERM');
} finally {
  await stand.dispose();
}
