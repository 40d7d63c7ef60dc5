import assert from 'node:assert/strict';
import { until, untilProgressDone } from '@mpstack/testkit';
import { type OutboundStand, pushTemplate } from './outbound-stand.js';

/** A JSON call to the business API; throws with the body on an unexpected status. */
export async function api<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  expect = [200, 201, 202],
): Promise<T> {
  const response = await fetch(`${base}/api${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!expect.includes(response.status)) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** A push as its list row has it (`GET /api/pushes`: no per-state counts). */
export interface PushRow {
  readonly id: number;
  readonly state: string;
  readonly stateReason: string | null;
  readonly total: number;
  readonly sent: number;
  readonly failed: number;
}

/** A push as `GET /api/pushes/:id` has it: its row with the recipients counted per state. */
export interface PushView extends PushRow {
  readonly counts: Record<string, number>;
}

/** Creates a push for `openIds` (a CSV with a name column) and starts it; returns its id. */
export async function startPush(base: string, account: string, openIds: readonly string[]): Promise<number> {
  const push = await api<{ id: number }>(base, 'POST', '/pushes', {
    account,
    name: 'e2e push',
    templateId: pushTemplate,
    fields: { keyword1: '{{name}}', keyword2: '订单 {{order}}' },
  });
  const csv = ['openid,name,order', ...openIds.map((id, i) => `${id},用户${i},${1000 + i}`)].join('\n');
  const upload = await fetch(`${base}/api/pushes/${push.id}/recipients`, {
    method: 'PUT',
    headers: { 'content-type': 'text/csv' },
    body: csv,
  });
  if (!upload.ok) throw new Error(`upload → ${upload.status}: ${await upload.text()}`);
  await api(base, 'POST', `/pushes/${push.id}/start`, {});
  return push.id;
}

export async function pushView(base: string, id: number): Promise<PushView> {
  return api<PushView>(base, 'GET', `/pushes/${id}`);
}

export async function untilPush(
  base: () => string,
  id: number,
  check: (push: PushView) => boolean,
  timeoutMs = 60_000,
  what = 'push state',
  intervalMs = 100,
): Promise<PushView> {
  return until(
    async () => {
      const push = await pushView(base(), id).catch(() => undefined);
      return push !== undefined && check(push) ? push : undefined;
    },
    timeoutMs,
    what,
    intervalMs,
  );
}

/**
 * Polls the push until `check` holds, failing only when it stops advancing (its counts and
 * state unchanged, or the service unreachable, for `stallMs`): on a loaded machine a push of
 * thousands runs for minutes, and a fixed budget fails a slow run that would have finished.
 */
export function untilPushProgress(
  base: () => string,
  id: number,
  check: (push: PushView) => boolean,
  stallMs: number,
  what: string,
): Promise<PushView> {
  return untilProgressDone(() => pushView(base(), id), check, stallMs, what, 100);
}

/**
 * What the simulator (WeChat) sent equals what the push recorded: no openid got two
 * messages, and as many openids got one as the push counts `sent` — nothing lost, nothing
 * extra. With `openIds`, each of them got exactly one. Returns the push.
 */
export async function assertSentOnce(
  stand: OutboundStand,
  base: string,
  id: number,
  openIds?: readonly string[],
): Promise<PushView> {
  const push = await pushView(base, id);
  const counts = await stand.sendsPerOpenId();
  assert.deepEqual(
    [...counts].filter(([, n]) => n > 1),
    [],
    'duplicated sends',
  );
  assert.equal(counts.size, push.sent, 'the simulator sent exactly what was recorded as sent');
  if (openIds !== undefined) {
    const missing = openIds.filter((openId) => counts.get(openId) !== 1);
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} recipients never sent`);
    assert.equal(counts.size, openIds.length, 'sends to openids outside the push');
  }
  return push;
}

export interface PushThroughOptions {
  /** Run `fault` once the push recorded this many sends. */
  readonly atSent: number;
  /** The fault, injected while the push runs. */
  readonly fault: () => Promise<unknown>;
  /** The business URL (it may change when the fault restarts the service). */
  readonly base: () => string;
  readonly timeoutMs?: number;
}

/**
 * Starts a push of `openIds`, injects `fault` once `atSent` are sent, and waits until the
 * push completes: every openid sent exactly once, as the simulator saw it. Returns the push.
 */
export async function pushThroughFault(
  stand: OutboundStand,
  openIds: readonly string[],
  { atSent, fault, base, timeoutMs = 120_000 }: PushThroughOptions,
): Promise<PushView> {
  const id = await startPush(base(), stand.account, openIds);
  await untilPush(base, id, (p) => p.sent >= atSent, 60_000, `${atSent} sent before the fault`);
  await fault();
  const done = await untilPush(base, id, (p) => p.state === 'completed', timeoutMs, 'completed after the fault');
  assert.equal(done.sent, openIds.length);
  assert.equal(done.failed, 0);
  return assertSentOnce(stand, base(), id, openIds);
}
