/**
 * The receipts' way alone, without a push: N encrypted TEMPLATESENDJOBFINISH pushes posted by
 * this process (as WeChat does: 32 keep-alive connections, one event per POST) to an ingress
 * (`mpstack run ingress`, its own process) that hands them to `mpstack.receipts`, where a
 * business process (`mpstack run business`, idle otherwise) stores them. Ends when every
 * receipt is stored (receipts without a send are kept for the send's recording to join).
 *
 * Prints the CPU per receipt of the ingress, business and the shared servers (RabbitMQ's as
 * measured and net of its background; other sessions use it too). Compare the ingress's
 * receipt groups with `MPSTACK_RECEIPT_GROUP_MAX=1` (each receipt its own message, as before
 * the groups) in this process's environment, which the ingress inherits:
 *
 *   node test/dist/bench/outbound/receipt-path.js [receipts=20000]
 *
 * BENCH_RECEIPT_CONCURRENCY=<n>: the POSTs in flight at once (32 by default, as the simulator).
 * Each request waits for its group's confirm (~2–3 ms; ~45 ms before the AMQP connection set
 * TCP_NODELAY), so at 32 in flight the ingress wakes for a few requests at a time; WeChat at
 * 5,000 sends/s would hold more in flight. Compare the ingress's CPU per receipt at both.
 */
import { loadavg } from 'node:os';
import { templateSendJobFinishEvent } from '@mpstack/common/wechat';
import { sendToAccount } from '@mpstack/simulators';
import { Agent, fetch as undiciFetch } from 'undici';
import { createOutboundStand } from '../../support/outbound-stand.js';
import { cpuMeter, serverBackground } from './cpu.js';
import { receiptGroups } from './receipt-groups.js';

const receipts = Number(process.argv[2] ?? 20_000);
const concurrency = Number(process.env['BENCH_RECEIPT_CONCURRENCY'] ?? 32);

const stand = await createOutboundStand({ followers: 10, ingressProcess: true });
const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
try {
  const business = await stand.businessProcess({});
  const url = `${stand.ingressUrl}/wx/${stand.account}`;
  const account = { ...stand.stack.account };
  const base = Date.now() * 100;
  const before = await serverBackground(5000);
  const loadBefore = loadavg()[0] ?? 0;
  const meter = cpuMeter({ business: () => business.child.pid, ingress: () => stand.ingressChild?.pid });
  const started = performance.now();
  let next = 0;
  let failed = 0;
  const fetchImpl = async (input: string, init: RequestInit) => {
    const response = await undiciFetch(input, {
      method: 'POST',
      headers: init.headers as Record<string, string>,
      body: init.body as string,
      dispatcher: agent,
    });
    return { status: response.status, text: () => response.text() };
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < receipts) {
        const i = next++;
        const xml = templateSendJobFinishEvent({
          from: stand.openId(i % 10),
          to: account.originalId,
          msgId: String(base + i),
          status: 'success',
        });
        const report = await sendToAccount({ url, account, xml, fetchImpl, maxDeliveries: 1 });
        if (report.deliveries[0]?.body !== 'success') failed += 1;
      }
    }),
  );
  const postedSeconds = (performance.now() - started) / 1000;
  const stored = await waitStored(receipts);
  const cpu = meter.stop();
  const after = await serverBackground(5000);
  const us = (seconds: number) => `${((seconds / receipts) * 1e6).toFixed(0)} µs`;
  console.log(
    `${receipts} receipts posted over ${postedSeconds.toFixed(1)} s (${failed} not answered success), ${stored} stored after ${cpu.seconds.toFixed(1)} s; ` +
      `${concurrency} in flight, MPSTACK_RECEIPT_GROUP_MAX=${process.env['MPSTACK_RECEIPT_GROUP_MAX'] ?? '(default)'}`,
  );
  const groups = await receiptGroups(stand.ingressUrl);
  if (groups !== undefined) {
    console.log(
      `  ${groups.messages} messages to mpstack.receipts (${(groups.receipts / Math.max(1, groups.messages)).toFixed(1)} receipts a message)`,
    );
  }
  console.log(`  load average ${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)} (2 cores)`);
  console.log('  CPU per receipt:');
  console.log(`    ingress   ${us(cpu.processes['ingress'] ?? 0)}`);
  console.log(`    business  ${us(cpu.processes['business'] ?? 0)}`);
  for (const [name, s] of Object.entries(cpu.servers)) {
    const background = (((before[name] ?? 0) + (after[name] ?? 0)) / 2) * cpu.seconds;
    console.log(`    ${name.padEnd(9)} ${us(Math.max(0, s - background))} net of background (${us(s)} as measured)`);
  }
} finally {
  await agent.close();
  await stand.dispose();
}

/** Waits until the receipts table (the stand's own database) holds every receipt. */
async function waitStored(n: number): Promise<number> {
  const { createPool } = await import('mysql2/promise');
  const pool = createPool(stand.stack.databaseUrl);
  try {
    for (;;) {
      const [rows] = await pool.query('SELECT COUNT(*) AS n FROM template_receipts');
      const stored = Number((rows as { n: number }[])[0]?.n ?? 0);
      if (stored >= n) return stored;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await pool.end();
  }
}
