/**
 * A push of N recipients (default 1,000,000) whose worker process is SIGKILLed halfway and
 * started again: the counts at the simulator (what WeChat sent) — zero lost, zero duplicated.
 *
 *   node test/dist/bench/outbound/push-kill.js [recipients=1000000]
 */
import { startPush, untilPush } from '../../support/outbound-api.js';
import { createOutboundStand } from '../../support/outbound-stand.js';

const recipients = Number(process.argv[2] ?? 1_000_000);
const env = { MPSTACK_PUSH_PREFETCH: '8', MPSTACK_PUSH_BATCH: '200', MPSTACK_PUSH_LEASE_MS: '5000' };

const stand = await createOutboundStand({ followers: recipients });
try {
  let worker = await stand.businessProcess(env);
  const openIds = Array.from({ length: recipients }, (_, i) => stand.openId(i));
  const started = performance.now();
  const id = await startPush(worker.url, stand.account, openIds);
  await untilPush(
    () => worker.url,
    id,
    (p) => p.sent >= recipients / 2,
    24 * 3600_000,
    'half sent',
  );
  worker.child.kill('SIGKILL');
  await new Promise((resolve) => worker.child.once('exit', resolve));
  const atKill = (await stand.sendsPerOpenId()).size;
  worker = await stand.businessProcess(env);
  const done = await untilPush(
    () => worker.url,
    id,
    (p) => p.state === 'completed',
    24 * 3600_000,
    'completed',
  );
  const seconds = (performance.now() - started) / 1000;
  const counts = await stand.sendsPerOpenId();
  const lost = openIds.filter((openId) => !counts.has(openId)).length;
  const duplicated = [...counts.values()].filter((n) => n > 1).length;
  console.log(`push of ${recipients} recipients, worker SIGKILLed at ${atKill} sent and restarted`);
  console.log(`  recorded: sent ${done.sent}, failed ${done.failed}; in ${seconds.toFixed(0)} s`);
  console.log(`  at the simulator: ${counts.size} recipients sent, ${lost} lost, ${duplicated} duplicated`);
  worker.child.kill('SIGTERM');
  if (lost > 0 || duplicated > 0) process.exitCode = 1;
} finally {
  await stand.dispose();
}
