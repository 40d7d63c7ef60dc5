import { until } from '@mpstack/testkit';
import { pushTemplate } from './outbound-stand.js';

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

export interface PushView {
  readonly id: number;
  readonly state: string;
  readonly stateReason: string | null;
  readonly total: number;
  readonly sent: number;
  readonly failed: number;
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
): Promise<PushView> {
  return until(
    async () => {
      const push = await pushView(base(), id).catch(() => undefined);
      return push !== undefined && check(push) ? push : undefined;
    },
    timeoutMs,
    what,
    100,
  );
}
