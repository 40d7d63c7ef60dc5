/**
 * A push of N recipients (default 1,000,000) whose worker process is SIGKILLed halfway and
 * started again: the counts at the simulator (what WeChat sent) — zero lost, zero duplicated.
 * The recipients go up as one CSV through the upload API; a progress line every 10 s.
 *
 *   node --max-old-space-size=8192 test/dist/bench/outbound/push-kill.js [recipients=1000000]
 *   BENCH_DELIVERY_CONCURRENCY=<n>: the simulator's receipts in flight at once (32 by default).
 */
import { pushView } from '../../support/outbound-api.js';
import { createOutboundStand } from '../../support/outbound-stand.js';
import {
  latestPush,
  type ProgressState,
  type PushRow,
  SimulatorTally,
  startProgress,
  startStreamedPush,
} from './push-progress.js';

const recipients = Number(process.argv[2] ?? 1_000_000);
/**
 * WeChat's template quota is 100,000 sends a day unless the account's is raised (large accounts
 * get more): the simulator and the business service's own count both hold twice the push, or
 * the push pauses with 45009 at 100,000 (as the first 1 M run did).
 */
const quota = Math.max(100_000, 2 * recipients);
const env = {
  MPSTACK_PUSH_PREFETCH: '8',
  MPSTACK_PUSH_BATCH: '200',
  MPSTACK_PUSH_LEASE_MS: '5000',
  MPSTACK_WECHAT_DAILY_QUOTAS: `sendTemplateMessage=${quota}`,
};

const state: ProgressState = { phase: 'generating', uploaded: 0, sent: 0, failed: 0, receipts: 0 };
let tallied: SimulatorTally | undefined;
const progress = startProgress(state, recipients, () => tallied?.update() ?? 0);
const deliveryConcurrency = Number(process.env['BENCH_DELIVERY_CONCURRENCY'] ?? 32);
const stand = await createOutboundStand({
  followers: recipients,
  limits: { templateDailyQuota: quota },
  deliveryConcurrency,
});
const tally = new SimulatorTally(stand.simulator, stand.stack.account.appId, recipients);
tallied = tally;
console.log(
  `stand ready in ${progress.elapsedSeconds().toFixed(0)} s: ${recipients} followers at the simulator, ${deliveryConcurrency} receipts in flight at once`,
);
try {
  state.phase = 'starting business';
  let worker = await stand.businessProcess(env);
  /**
   * Polls the push's list row every second until `check` holds; keeps the progress state
   * current. A paused or cancelled push never gets there: it throws with the reason.
   */
  const untilRow = async (check: (push: PushRow) => boolean): Promise<PushRow> => {
    for (;;) {
      const push = await latestPush(worker.url, stand.account);
      if (push !== undefined) {
        state.sent = push.sent;
        state.failed = push.failed;
        if (check(push)) return push;
        if (push.state === 'paused' || push.state === 'cancelled') {
          throw new Error(`push ${push.id} is ${push.state}: ${push.stateReason ?? ''}`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  state.phase = 'uploading';
  const uploadStarted = performance.now();
  const { id, accepted } = await startStreamedPush(worker.url, stand.account, recipients, stand.openId, (rows) => {
    state.uploaded = rows;
  });
  const uploadSeconds = (performance.now() - uploadStarted) / 1000;
  console.log(`upload: ${accepted} recipients accepted in ${uploadSeconds.toFixed(0)} s; push ${id} started`);
  state.phase = 'accepted';
  progress.line();
  const sendStarted = performance.now();
  state.phase = 'sending';
  const half = await untilRow((p) => p.sent >= recipients / 2);
  worker.child.kill('SIGKILL');
  await new Promise((resolve) => worker.child.once('exit', resolve));
  state.phase = 'killed';
  const killedAt = { sent: half.sent, simulator: tally.update(), seconds: progress.elapsedSeconds() };
  progress.line();
  worker = await stand.businessProcess(env);
  const restartedAt = { seconds: progress.elapsedSeconds() };
  state.phase = 'restarted';
  progress.line();
  state.phase = 'sending after the restart';
  const done = await untilRow((p) => p.state === 'completed');
  const sendSeconds = (performance.now() - sendStarted) / 1000;
  const atCompletion = tally.summary();
  console.log(
    `push completed: at the simulator ${atCompletion.sends} sends to ${atCompletion.distinct} distinct recipients,` +
      ` ${atCompletion.lost} lost, ${atCompletion.duplicated} duplicated, ${atCompletion.outside} outside the push` +
      ' (receipts still arriving)',
  );
  state.phase = 'draining receipts';
  const view = await drainReceipts(worker.url, id, done.sent);
  state.phase = 'done';
  progress.line();
  progress.stop();
  const sim = tally.summary();
  console.log(`push of ${recipients} recipients (${accepted} accepted by the upload in ${uploadSeconds.toFixed(0)} s)`);
  console.log(
    `  worker SIGKILLed at ${killedAt.sent} sent (simulator ${killedAt.simulator}), +${killedAt.seconds.toFixed(0)} s;` +
      ` restarted and ready at +${restartedAt.seconds.toFixed(0)} s`,
  );
  console.log(
    `  recorded: sent ${done.sent}, failed ${done.failed}; sending took ${sendSeconds.toFixed(0)} s` +
      ` (${((done.sent + done.failed) / sendSeconds).toFixed(0)} sends/s); receipts joined ${state.receipts}`,
  );
  console.log(
    `  at the simulator: ${sim.sends} sends to ${sim.distinct} distinct recipients, ${sim.lost} lost,` +
      ` ${sim.duplicated} duplicated, ${sim.outside} outside the push`,
  );
  console.log(`  counts by state: ${JSON.stringify(view.counts)}`);
  console.log(`  total ${progress.elapsedSeconds().toFixed(0)} s`);
  worker.child.kill('SIGTERM');
  if (sim.lost > 0 || sim.duplicated > 0 || sim.outside > 0 || done.sent !== recipients) process.exitCode = 1;
} finally {
  progress.stop();
  await stand.dispose();
}

/**
 * Waits until every sent recipient's receipt is joined, reading the per-state counts (a
 * GROUP BY over the push's rows) every 10 s; gives up after 5 minutes without progress.
 */
async function drainReceipts(base: string, id: number, sent: number) {
  let best = { joined: -1, at: performance.now() };
  for (;;) {
    const view = await pushView(base, id);
    const joined = Object.entries(view.counts)
      .filter(([key]) => key.startsWith('receipt:'))
      .reduce((sum, [, n]) => sum + n, 0);
    state.receipts = joined;
    if (joined > best.joined) best = { joined, at: performance.now() };
    if (joined >= sent || performance.now() - best.at > 300_000) return view;
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
}
