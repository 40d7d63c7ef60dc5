import { hash, timingSafeEqual } from 'node:crypto';

/** One-shot hashing (`crypto.hash`, Node ≥ 20.12): a third of the cost of createHash on short inputs. */
function sha1Hex(input: string): string {
  return hash('sha1', input, 'hex');
}

/**
 * `signature` on every callback URL: sha1 of token, timestamp and nonce sorted
 * lexicographically and concatenated (PROTOCOL.md, "Signature").
 */
export function urlSignature(token: string, timestamp: string, nonce: string): string {
  return sha1Hex([token, timestamp, nonce].sort().join(''));
}

/**
 * `msg_signature` in compatible/safe mode: the same as {@link urlSignature} with the
 * `Encrypt` value as a fourth string (WXBizMsgCrypt, official vectors).
 */
export function msgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1Hex([token, timestamp, nonce, encrypt].sort().join(''));
}

/**
 * Compares two hex signatures in constant time. A length mismatch returns false at once,
 * which reveals only the length (always 40 for a well-formed sha1).
 */
export function signaturesEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(received.toLowerCase(), 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * JS-SDK `wx.config` signature: keys sorted in ASCII order, raw values (no URL encoding),
 * the URL without its `#fragment` (JS-SDK doc 附录1; official example in the vectors).
 */
export function jssdkSignature(ticket: string, nonceStr: string, timestamp: string, url: string): string {
  const hash = url.indexOf('#');
  const pageUrl = hash === -1 ? url : url.slice(0, hash);
  return sha1Hex(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${pageUrl}`);
}
