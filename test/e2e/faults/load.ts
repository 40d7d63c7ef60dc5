import assert from 'node:assert/strict';
import type { RunningIngress } from '@mpstack/ingress';
import { type DeliveryReport, type FetchLike, randomMsgId, sendToAccount, textMessage } from '@mpstack/simulators';
import { uniqueName, until } from '@mpstack/testkit';
import type { QueueRecorder } from '../../support/queue-recorder.js';
import type { Stack } from '../../support/stack.js';

/** One message of a load run and what WeChat (the documented sender) saw of it. */
export interface Sent {
  readonly msgId: string;
  readonly from: string;
  readonly report: DeliveryReport;
}

export interface LoadOptions {
  readonly stack: Stack;
  readonly ingress: RunningIngress;
  readonly ratePerSecond: number;
  readonly seconds: number;
  /** Users the messages are spread over (a user's messages share a partition, in order). */
  readonly users: readonly string[];
  /** Called once `atMs` after the load started (the fault). */
  readonly fault?: { readonly atMs: number; run(): Promise<void> };
  readonly fetchImpl?: FetchLike;
}

export function loadUsers(count: number): string[] {
  return Array.from({ length: count }, () => uniqueName('oLoad'));
}

/**
 * Sends distinct text messages (no keyword: each goes to the slow path) at a steady rate
 * through the simulator's sender as WeChat documents it (5 s timeout, 3 deliveries, a new
 * delivery only after no answer), injecting the fault on the way; resolves when every
 * exchange ended and the fault has run.
 */
export async function sendLoad(options: LoadOptions): Promise<Sent[]> {
  const { stack, ingress } = options;
  const url = `${ingress.url}/wx/${stack.account.id}`;
  const total = Math.round(options.ratePerSecond * options.seconds);
  const started = Date.now();
  const fault =
    options.fault === undefined ? Promise.resolve() : runAt(started + options.fault.atMs, options.fault.run);
  const exchanges: Promise<Sent>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / options.ratePerSecond;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    const msgId = randomMsgId();
    const from = options.users[i % options.users.length] ?? 'oLoad';
    const xml = textMessage({ from, to: stack.account.originalId, content: `load ${i}`, msgId });
    exchanges.push(
      sendToAccount({
        url,
        account: stack.account,
        xml,
        ...(options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl }),
      }).then((report) => ({ msgId, from, report })),
    );
  }
  const [sent] = await Promise.all([Promise.all(exchanges), fault]);
  return sent;
}

async function runAt(at: number, run: () => Promise<void>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
  await run();
}

/** Whether WeChat got `success` (or a reply) for the message in one of its deliveries. */
/** The contract fences of the run's messages on the queue (above 1: taken over from a holder that was gone). */
export function fencesOf(recorder: QueueRecorder, users: readonly string[]): number[] {
  const ofRun = new Set(users);
  return recorder.received.filter((r) => ofRun.has(r.message.fromUserName)).map((r) => r.fence);
}

export function isAcknowledged(sent: Sent): boolean {
  return sent.report.deliveries.some((d) => d.status !== null && d.status >= 200 && d.status < 300);
}

/**
 * The promise under faults: every acknowledged message is on the queue exactly once — the
 * ids on the queue are exactly the acknowledged ones, and no id arrived twice — and every
 * message WeChat re-delivered was answered in the end. Waits for the queue, then flushes
 * each user's partition with a barrier message (FIFO per user) so that a late duplicate
 * would have arrived before the assertion.
 */
export async function assertExactlyOnce(
  stack: Stack,
  ingress: RunningIngress,
  recorder: QueueRecorder,
  sent: readonly Sent[],
  users: readonly string[],
): Promise<void> {
  const unanswered = sent.filter((s) => !isAcknowledged(s));
  assert.deepEqual(
    unanswered.map((s) => s.report.deliveries.map((d) => d.status ?? (d.isTimedOut ? 'timeout' : d.error))),
    [],
    'every message answered within its deliveries',
  );
  const ofRun = new Set(users);
  const loadIds = (): string[] =>
    recorder.received.flatMap((r) =>
      ofRun.has(r.message.fromUserName) && r.message.kind === 'text' && r.message.content.startsWith('load ')
        ? [r.message.msgId ?? '']
        : [],
    );
  const acknowledged = new Set(sent.map((s) => s.msgId));
  await until(() => new Set(loadIds()).size >= acknowledged.size, 30_000, 'every acknowledged message on the queue');
  await flushPartitions(stack, ingress, recorder, users);
  const ids = loadIds();
  assert.deepEqual(new Set(ids), acknowledged, 'the queue holds exactly the acknowledged messages');
  const repeats = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(repeats, [], 'no message queued twice');
}

/**
 * Sends one barrier message per user and waits for all of them on the queue: a user's
 * messages share a partition, consumed in order, so whatever was queued before for these
 * users — a late copy included — has arrived by then.
 */
export async function flushPartitions(
  stack: Stack,
  ingress: Pick<RunningIngress, 'url'>,
  recorder: QueueRecorder,
  users: readonly string[],
): Promise<void> {
  for (const from of users) {
    const xml = textMessage({ from, to: stack.account.originalId, content: 'barrier' });
    const report = await sendToAccount({ url: `${ingress.url}/wx/${stack.account.id}`, account: stack.account, xml });
    assert.ok(isAcknowledged({ msgId: '', from, report }), 'the barrier is answered');
  }
  await until(
    () =>
      users.every((from) =>
        recorder.from(from).some((r) => r.message.kind === 'text' && r.message.content === 'barrier'),
      ),
    20_000,
    'the barrier messages',
  );
}

/**
 * One fault run: 8 users, `seconds` of 25 msg/s through the documented sender with the fault
 * injected at `atMs`, then {@link assertExactlyOnce}. Returns what was sent, for the test's
 * own assertions on how the fault showed.
 */
export async function loadUnderFault(
  stack: Stack,
  ingress: RunningIngress,
  recorder: QueueRecorder,
  options: { readonly seconds: number; readonly atMs: number; readonly fault: () => Promise<void> },
): Promise<{ readonly sent: Sent[]; readonly users: string[] }> {
  const users = loadUsers(8);
  const fault = { atMs: options.atMs, run: options.fault };
  const sent = await sendLoad({ stack, ingress, ratePerSecond: 25, seconds: options.seconds, users, fault });
  await assertExactlyOnce(stack, ingress, recorder, sent, users);
  return { sent, users };
}
