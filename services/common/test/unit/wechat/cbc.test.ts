import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { cbc } from '../../../src/wechat/cbc.js';

/** A fresh context per message: what the cached one must be indistinguishable from. */
function fresh(direction: 'encrypt' | 'decrypt', key: Buffer, iv: Buffer, input: Buffer): Buffer {
  const context =
    direction === 'encrypt' ? createCipheriv('aes-256-cbc', key, iv) : createDecipheriv('aes-256-cbc', key, iv);
  context.setAutoPadding(false);
  return Buffer.concat([context.update(input), context.final()]);
}

const keys = [randomBytes(32), randomBytes(32)];
const step = fc.record({
  direction: fc.constantFrom<'encrypt' | 'decrypt'>('encrypt', 'decrypt'),
  key: fc.constantFrom(0, 1),
  blocks: fc.integer({ min: 1, max: 40 }),
  seed: fc.uint8Array({ minLength: 16, maxLength: 16 }),
});

describe('cached AES-256-CBC contexts', () => {
  it('encipher and decipher every message in a sequence exactly as a fresh context would', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        for (const { direction, key: which, blocks, seed } of steps) {
          const key = keys[which] as Buffer;
          const iv = key.subarray(0, 16);
          const input = Buffer.alloc(blocks * 16);
          for (let i = 0; i < input.length; i++) input[i] = (seed[i % 16] as number) ^ (i & 0xff);
          const expected = fresh(direction, key, iv, input);
          // encrypting re-bases the first block in place: give it a copy, as encryptMessage owns its buffer
          assert.deepEqual(cbc(direction, key, iv, Buffer.from(input)), expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips through the cached contexts', () => {
    const key = keys[0] as Buffer;
    const iv = key.subarray(0, 16);
    for (let n = 1; n <= 20; n++) {
      const plain = randomBytes(n * 16);
      assert.deepEqual(cbc('decrypt', key, iv, cbc('encrypt', key, iv, Buffer.from(plain))), plain);
    }
  });

  it('refuses partial blocks and keeps working afterwards', () => {
    const key = keys[1] as Buffer;
    const iv = key.subarray(0, 16);
    assert.throws(() => cbc('decrypt', key, iv, Buffer.alloc(15)), RangeError);
    assert.throws(() => cbc('encrypt', key, iv, Buffer.alloc(0)), RangeError);
    const plain = randomBytes(64);
    assert.deepEqual(cbc('encrypt', key, iv, Buffer.from(plain)), fresh('encrypt', key, iv, plain));
  });
});
