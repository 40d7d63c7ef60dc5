import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { passwordRuleProblems } from '../api-types.js';

/**
 * scrypt with N = 2^15, r = 8, p = 1: 32 MiB and ≈ 50–100 ms per hash on this machine — memory-hard,
 * so a GPU or ASIC guessing offline pays for memory per guess. The parameters are stored with the
 * hash (`scrypt$N$r$p$salt$hash`), so raising them later leaves old hashes verifiable.
 */
const defaults = { N: 2 ** 15, r: 8, p: 1 } as const;
const keyLength = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  const maxmem = 256 * (options.N ?? 0) * (options.r ?? 0) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, { ...options, maxmem }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

/** A new hash with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, defaults);
  return ['scrypt', defaults.N, defaults.r, defaults.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** Compares in constant time; false for a malformed stored hash (never throws on input). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return expected.length === key.length && timingSafeEqual(expected, key);
}

/** Verified against when the user does not exist, so an unknown name costs the same time as a wrong password. */
export const unknownUserHash = `scrypt$${defaults.N}$${defaults.r}$${defaults.p}$${randomBytes(16).toString('base64url')}$${randomBytes(keyLength).toString('base64url')}`;

/** The password policy (`passwordRuleProblems` in api-types), each problem prefixed with `password: `. */
export function passwordProblems(password: string, username?: string): string[] {
  return passwordRuleProblems(password, username).map((problem) => `password: ${problem}`);
}
