/**
 * Rate-limit accuracy: a push with the account's own template rate (`accounts.send_limits`, as
 * the console sets it; the deployment's `MPSTACK_WECHAT_RATE_TEMPLATE` stays off, so only the
 * account's rate can pace it) through the WeChat client's shared token bucket, measured at the
 * simulator — the sends WeChat accepted, by their own timestamps — over 60 s after a 5 s
 * warm-up. Target: within ±5 % of the account's rate.
 *
 *   node test/dist/bench/outbound/rate-limit.js [perSecond=50] [seconds=60]
 */
import { encodeAccountSendLimits } from '@mpstack/common/contracts';
import { createDatabase } from '@mpstack/common/db';
import { startPush, untilPush } from '../../support/outbound-api.js';
import { createOutboundStand } from '../../support/outbound-stand.js';

const perSecond = Number(process.argv[2] ?? 50);
const seconds = Number(process.argv[3] ?? 60);
const warmupMs = 5000;
const recipients = Math.ceil(perSecond * (seconds + 15));

const stand = await createOutboundStand({ followers: recipients });
try {
  // A burst of one second absorbs timer and scheduling jitter; over 60 s it adds at most 1/60.
  const db = createDatabase({ url: stand.stack.databaseUrl });
  const limits = { rates: { template: { perSecond, burst: Math.max(1, Math.ceil(perSecond)) } } };
  await db
    .updateTable('accounts')
    .set({ send_limits: encodeAccountSendLimits(limits) })
    .where('id', '=', stand.account)
    .execute();
  await db.destroy();
  // Small tickets and one second of sends per batch: while one batch records and claims the
  // next, the other tickets' sends keep the bucket drained, so the limit is what paces the push.
  const worker = await stand.businessProcess({
    MPSTACK_WECHAT_RATE_TEMPLATE: 'off',
    MPSTACK_PUSH_CHUNK: String(Math.max(20, perSecond * 2)),
    MPSTACK_PUSH_BATCH: String(Math.max(5, perSecond)),
    MPSTACK_PUSH_PREFETCH: '4',
  });
  const id = await startPush(
    worker.url,
    stand.account,
    Array.from({ length: recipients }, (_, i) => stand.openId(i)),
  );
  await untilPush(
    () => worker.url,
    id,
    (p) => p.sent > 0,
    60_000,
    'first send',
  );
  const response = await fetch(`${stand.simulator.url}/_sim/accounts/${stand.account}/template-sends`);
  const first = ((await response.json()) as { sends: { at: number }[] }).sends.reduce(
    (min, s) => Math.min(min, s.at),
    Infinity,
  );
  const from = first + warmupMs;
  const to = from + seconds * 1000;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, to - Date.now() + 1000)));
  const { sends, total } = (await (
    await fetch(`${stand.simulator.url}/_sim/accounts/${stand.account}/template-sends`)
  ).json()) as {
    sends: { at: number }[];
    total: number;
  };
  // The simulator keeps the latest 20,000 sends whole: a longer run would miss its first ones.
  if (sends.length !== total) throw new Error(`the simulator kept ${sends.length} of ${total} sends`);
  const inWindow = sends.filter((s) => s.at >= from && s.at < to).length;
  const measured = inWindow / seconds;
  const error = (measured - perSecond) / perSecond;
  console.log(
    `the account's rate limit ${perSecond}/s over ${seconds} s (after a ${warmupMs / 1000} s warm-up), measured at the simulator`,
  );
  console.log(
    `  ${inWindow} sends → ${measured.toFixed(2)}/s, ${(error * 100).toFixed(2)} % from the configured rate (target ±5 %: ${Math.abs(error) <= 0.05 ? 'met' : 'NOT met'})`,
  );
  await fetch(`${worker.url}/api/pushes/${id}/cancel`, { method: 'POST' });
  worker.child.kill('SIGTERM');
} finally {
  await stand.dispose();
}
