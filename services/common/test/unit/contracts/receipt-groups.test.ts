import assert from 'node:assert/strict';
import { decodeReceipt, decodeReceipts } from '../../../src/contracts/index.js';

const good = {
  id: 'evt-1',
  account: 'shop',
  kind: 'template',
  msgId: '1234567890123456789',
  openId: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M',
  status: 'success',
  at: 1_700_000_000_000,
  receivedAt: 1_700_000_000_123,
};

/** What the schema alone makes of one entry: the receipt, or undefined when it refuses it. */
function bySchema(entry: unknown) {
  try {
    return decodeReceipt(JSON.stringify(entry));
  } catch {
    return undefined;
  }
}

describe('decodeReceipts (a group’s entries)', () => {
  // The entries of a group are checked by hand first (the schema's parse was most of their
  // decoding cost); whatever the hand check takes must be exactly what the schema takes.
  const cases: [string, unknown][] = [
    ['a template receipt', good],
    ['a mass receipt with counts', { ...good, kind: 'mass', counts: { total: 3, filter: 3, sent: 2, error: 1 } }],
    ['counts malformed', { ...good, kind: 'mass', counts: { total: -1, filter: 3, sent: 2, error: 1 } }],
    ['an unknown field (dropped)', { ...good, extra: 'x' }],
    ['an empty id', { ...good, id: '' }],
    ['an id of 256', { ...good, id: 'i'.repeat(256) }],
    ['an id of 255', { ...good, id: 'i'.repeat(255) }],
    ['an account of 65', { ...good, account: 'a'.repeat(65) }],
    ['an unknown kind', { ...good, kind: 'other' }],
    ['a msgid not a number', { ...good, msgId: '12a' }],
    ['a msgid of 21 digits', { ...good, msgId: '1'.repeat(21) }],
    ['a msgid as a number', { ...good, msgId: 123 }],
    ['an openid of 65', { ...good, openId: 'o'.repeat(65) }],
    ['an empty openid', { ...good, openId: '' }],
    ['a status of 129', { ...good, status: 's'.repeat(129) }],
    ['a fractional time', { ...good, at: 1.5 }],
    ['a negative time', { ...good, receivedAt: -1 }],
    ['a time as a string', { ...good, at: '1700000000000' }],
    ['no status', { ...good, status: undefined }],
    ['null', null],
    ['an array', [good]],
    ['a string', 'receipt'],
  ];
  for (const [name, entry] of cases) {
    it(`takes ${name} exactly as the schema does`, () => {
      const { receipts, rejected } = decodeReceipts(JSON.stringify([entry]));
      const expected = bySchema(entry);
      if (expected === undefined) {
        assert.deepEqual(receipts, []);
        assert.equal(rejected.length, 1);
        assert.equal(rejected[0]?.index, 0);
      } else {
        assert.deepEqual(receipts, [expected]);
        assert.deepEqual(rejected, []);
      }
    });
  }

  it('keeps the order and places of a mixed group', () => {
    const group = [good, { ...good, msgId: 'x' }, { ...good, msgId: '2' }];
    const { receipts, rejected } = decodeReceipts(JSON.stringify(group));
    assert.deepEqual(
      receipts.map((r) => r.msgId),
      ['1234567890123456789', '2'],
    );
    assert.equal(rejected[0]?.index, 1);
    assert.match(rejected[0]?.reason ?? '', /MsgID is not a number at msgId/);
  });
});
