import { createDecipheriv } from 'node:crypto';
import type { AesKey } from '@mpstack/common/wechat';

/**
 * Why an Encrypt value did not decrypt, told apart from its shape and from what its first
 * two blocks decrypt to — so a truncated or altered ciphertext is not blamed on the key:
 * - characters outside base64 (a `+` that became a space in a URL, a quote, a line break);
 * - a length that is not a multiple of 4 characters or of 16 bytes: cut short;
 * - a length of whole blocks whose start decrypts to XML with one of the keys: the key is
 *   right and the end is missing (or altered) — the padding check alone would blame the key.
 * - else the key is wrong.
 */
export function diagnoseCiphertext(encrypt: string, keys: readonly AesKey[], appId: string): string {
  const foreign = /[^A-Za-z0-9+/=]/.exec(encrypt);
  if (foreign !== null) {
    const hint = foreign[0] === ' ' ? ' (a "+" turned into a space by URL decoding?)' : '';
    return `the Encrypt value has ${JSON.stringify(foreign[0])} at position ${foreign.index}, which is not base64${hint}: it was altered on the way — the EncodingAESKey is not the cause`;
  }
  if (/=[^=]/.test(encrypt) || encrypt.length % 4 !== 0) {
    return `the Encrypt value is ${encrypt.length} characters, not whole base64 quads (a multiple of 4 ending in at most two "="): it was truncated or cut — the EncodingAESKey is not the cause`;
  }
  const data = Buffer.from(encrypt, 'base64');
  if (data.length % 16 !== 0 || data.length < 32) {
    return `the ciphertext is ${data.length} bytes, not a whole number of 16-byte AES blocks (at least 2): it was truncated — the EncodingAESKey is not the cause`;
  }
  for (const [index, key] of keys.entries()) {
    const decipher = createDecipheriv('aes-256-cbc', key.key, key.iv).setAutoPadding(false);
    const start = Buffer.concat([decipher.update(data.subarray(0, 32)), decipher.final()]);
    const length = start.readUInt32BE(16);
    if (start.subarray(20, 21).toString('latin1') !== '<') continue;
    const needed = 20 + length + Buffer.byteLength(appId, 'utf8');
    const which = index === 0 ? 'the EncodingAESKey' : 'the previous EncodingAESKey';
    if (needed > data.length) {
      return `${which} is right (the start decrypts to XML announcing a ${length}-byte message, ${needed}+ bytes with the AppID) but the ciphertext has only ${data.length} bytes: it was truncated`;
    }
    return `${which} is right (the start decrypts to XML) but the end of the ciphertext does not: it was altered or cut at a block boundary`;
  }
  const tried = keys.length > 1 ? 'either EncodingAESKey' : 'the EncodingAESKey';
  return `the start of the ciphertext does not decrypt to XML with ${tried}: the key differs from the console's (regenerated there?)`;
}
