import { type Cipher, createCipheriv, createDecipheriv, type Decipher } from 'node:crypto';

const aesBlock = 16;

/**
 * AES-256-CBC under one key with WeChat's fixed IV (the key's first 16 bytes), on one
 * OpenSSL context per key and direction instead of a new `Cipheriv` per message: creating
 * the context costs more than the AES of a whole message (README, "Performance").
 *
 * An unpadded CBC context carries nothing from one `update` to the next but the chaining
 * block — the last ciphertext block it saw. Each call re-bases the context onto the fixed
 * IV by XOR-ing `IV ⊕ chain` into the first block (before encrypting, after decrypting), so
 * every message is enciphered exactly as a fresh context would (tested against one).
 * Inputs must be whole blocks; `final()` is never called.
 */
class CbcContext {
  private readonly context: Cipher | Decipher;
  /** The chaining block the context will use next: the IV, then the last ciphertext block. */
  private readonly chain = Buffer.alloc(aesBlock);

  constructor(
    private readonly encrypting: boolean,
    key: Buffer,
    private readonly iv: Buffer,
  ) {
    this.context = encrypting ? createCipheriv('aes-256-cbc', key, iv) : createDecipheriv('aes-256-cbc', key, iv);
    this.context.setAutoPadding(false);
    iv.copy(this.chain);
  }

  /** Enciphers (in place: the first block of `input` is re-based) or deciphers whole blocks. */
  run(input: Buffer): Buffer {
    if (input.length === 0 || input.length % aesBlock !== 0) {
      throw new RangeError(`CBC input must be whole ${aesBlock}-byte blocks, got ${input.length} bytes`);
    }
    if (this.encrypting) this.rebase(input);
    const output = this.context.update(input);
    if (output.length !== input.length) throw new Error('CBC context returned a partial block');
    if (!this.encrypting) this.rebase(output);
    (this.encrypting ? output : input).copy(this.chain, 0, input.length - aesBlock);
    return output;
  }

  private rebase(block: Buffer): void {
    for (let i = 0; i < aesBlock; i++)
      block[i] = (block[i] as number) ^ (this.iv[i] as number) ^ (this.chain[i] as number);
  }
}

interface Contexts {
  encrypt?: CbcContext;
  decrypt?: CbcContext;
}

const contexts = new WeakMap<Buffer, Contexts>();

/**
 * Runs `input` (whole blocks) through the key's cached context. A context that ever
 * throws is dropped, so a later call starts from a fresh one.
 */
export function cbc(direction: 'encrypt' | 'decrypt', key: Buffer, iv: Buffer, input: Buffer): Buffer {
  let cached = contexts.get(key);
  if (cached === undefined) {
    cached = {};
    contexts.set(key, cached);
  }
  let context = cached[direction];
  if (context === undefined) {
    context = new CbcContext(direction === 'encrypt', key, iv);
    cached[direction] = context;
  }
  try {
    return context.run(input);
  } catch (error) {
    delete cached[direction];
    throw error;
  }
}
