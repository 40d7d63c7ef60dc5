import assert from 'node:assert/strict';
import type { PushRepository } from '../../src/pushes/push.repository.js';
import type { SendResult } from '../../src/pushes/push.types.js';

/** A running push of the account `shop` with `n` recipients (seq 0 … n-1); its id. */
export async function runningPush(pushes: PushRepository, n: number): Promise<number> {
  const id = await pushes.create({
    account: 'shop',
    name: 'p',
    templateId: 't',
    fields: { thing1: 'x' },
    url: undefined,
    scheduledAt: undefined,
    now: 1,
  });
  const rows = Array.from({ length: n }, (_, seq) => ({ seq, openId: `o${id}-${seq}`, values: [] }));
  await pushes.storeRecipients(id, rows);
  await pushes.finishUpload(id, n, []);
  assert.ok(await pushes.transition(id, ['draft'], 'running', { now: 2 }));
  return id;
}

/** Claims the push's `n` recipients and records them sent, each with the msgid `msgid()` gives; the msgids. */
export async function sendAll(
  pushes: PushRepository,
  pushId: number,
  n: number,
  msgid: () => string,
): Promise<string[]> {
  const claimed = await pushes.claimNext(pushId, { fromSeq: 0, toSeq: n - 1 }, n, 'w1.1', 10);
  const results: SendResult[] = claimed.map((r) => ({ seq: r.seq, state: 'sent', msgid: msgid() }));
  assert.equal(await pushes.record({ id: pushId, account: 'shop' }, 'w1.1', results, 20), n);
  return results.map((r) => (r.state === 'sent' ? r.msgid : ''));
}
