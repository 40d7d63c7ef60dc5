import assert from 'node:assert/strict';
import { decodeReceipts, encodeReceipt, type JobReceipt, receiptsQueue } from '@mpstack/common/contracts';
import { context, trace } from '@opentelemetry/api';
import type { ForwardOutcome } from '../../../src/slowpath/forwarder.js';
import { ReceiptGroups } from '../../../src/slowpath/receipt-groups.js';
import type { SpoolEntry } from '../../../src/spool/disk-spool.js';

function receipt(n: number): JobReceipt {
  return {
    id: `k${n}`,
    account: 'shop',
    kind: 'template',
    msgId: String(1000 + n),
    openId: `o${n}`,
    status: 'success',
    at: 1,
    receivedAt: 2,
  };
}

/** A forwarder stand-in: records each entry, answers with `outcome` (or throws it). */
function forwarderOf(outcome: () => Promise<ForwardOutcome>) {
  const entries: SpoolEntry[] = [];
  return {
    entries,
    forwarder: {
      forward: (entry: SpoolEntry) => {
        entries.push(entry);
        return outcome();
      },
    },
  };
}

const tracer = trace.getTracer('test');
const add = (groups: ReceiptGroups, n: number) =>
  groups.add(`k${n}`, encodeReceipt(receipt(n)), () => context.active());

describe('ingress/receipt groups', () => {
  it('hands the receipts of one window over as one message, each settled with its outcome', async () => {
    const { entries, forwarder } = forwarderOf(async () => 'published');
    const groups = new ReceiptGroups({ forwarder, tracer, windowMs: 20, maxReceipts: 100 });
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map((n) => add(groups, n)));
    assert.deepEqual(outcomes, ['published', 'published', 'published', 'published', 'published']);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.queue, receiptsQueue);
    assert.deepEqual(
      decodeReceipts(entries[0]?.body ?? '').receipts.map((r) => r.msgId),
      ['1001', '1002', '1003', '1004', '1005'],
    );
    assert.equal(entries[0]?.headers['receipts'], '5');
  });

  it("reads a group's trace context from its first receipt only", async () => {
    const { forwarder } = forwarderOf(async () => 'published');
    const groups = new ReceiptGroups({ forwarder, tracer, windowMs: 20, maxReceipts: 3 });
    let read = 0;
    const parentOf = () => {
      read += 1;
      return context.active();
    };
    await Promise.all([1, 2, 3, 4].map((n) => groups.add(`k${n}`, encodeReceipt(receipt(n)), parentOf)));
    assert.equal(read, 2, 'one read for each of the two groups');
  });

  it('sends a full group at once and starts the next', async () => {
    const { entries, forwarder } = forwarderOf(async () => 'spooled');
    const groups = new ReceiptGroups({ forwarder, tracer, windowMs: 60_000, maxReceipts: 3 });
    const first = [1, 2, 3].map((n) => add(groups, n));
    assert.deepEqual(await Promise.all(first), ['spooled', 'spooled', 'spooled'], 'not waiting out the window');
    const fourth = add(groups, 4);
    assert.equal(groups.gathering, 1);
    await groups.flush();
    assert.equal(await fourth, 'spooled');
    assert.deepEqual(
      entries.map((e) => decodeReceipts(e.body).receipts.length),
      [3, 1],
    );
    assert.notEqual(entries[0]?.messageId, entries[1]?.messageId);
  });

  it('rejects every receipt of a group neither the broker nor the spool took', async () => {
    const { forwarder } = forwarderOf(async () => {
      throw new Error('spool not writable');
    });
    const groups = new ReceiptGroups({ forwarder, tracer, windowMs: 5, maxReceipts: 100 });
    const settled = await Promise.allSettled([1, 2].map((n) => add(groups, n)));
    assert.deepEqual(
      settled.map((s) => s.status),
      ['rejected', 'rejected'],
    );
  });

  it('sends a group when its window ends, also while an earlier one is still unconfirmed', async () => {
    const confirms: (() => void)[] = [];
    const { entries, forwarder } = forwarderOf(
      () => new Promise<ForwardOutcome>((resolve) => confirms.push(() => resolve('published'))),
    );
    const groups = new ReceiptGroups({ forwarder, tracer, windowMs: 0, maxReceipts: 100 });
    const first = add(groups, 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(entries.length, 1, 'a lone receipt goes at the end of its turn with a window of 0');
    const later = [2, 3, 4].map((n) => add(groups, n));
    await until(() => entries.length === 2);
    for (const confirm of confirms) confirm();
    assert.equal(await first, 'published');
    assert.deepEqual(await Promise.all(later), ['published', 'published', 'published']);
    assert.deepEqual(
      decodeReceipts(entries[1]?.body ?? '').receipts.map((r) => r.msgId),
      ['1002', '1003', '1004'],
    );
  });

  it('with groups of 1 sends each receipt alone, under its own key', async () => {
    const { entries, forwarder } = forwarderOf(async () => 'published');
    const groups = new ReceiptGroups({ forwarder, tracer, windowMs: 0, maxReceipts: 1 });
    await Promise.all([1, 2].map((n) => add(groups, n)));
    assert.deepEqual(
      entries.map((e) => e.messageId),
      ['k1', 'k2'],
    );
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition());
}
