/**
 * Field names whose values never reach the audit log: tokens, EncodingAESKeys, AppSecrets,
 * passwords and their hashes, whatever their case or separator (`token`, `csrfToken`,
 * `encodingAesKey`, `previous_aes_key`, `appSecret`, `password_hash`, …).
 */
const secretName = /token|aes[\s_-]?key|secret|passw(or)?d/i;

/** What a secret becomes in the audit log. */
export const masked = '***';

/**
 * A deep copy of `value` with every secret-named field replaced by `***`. A boolean stays
 * (`hasAppSecret: true` says whether one is set, not what it is); cycles and non-plain values
 * become strings, so the result is always JSON.
 */
export function maskSecrets(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? value.toString() : value;
  }
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) return '[cycle]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, seen));
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    copy[key] =
      secretName.test(key) && typeof field !== 'boolean' && field !== null ? masked : maskSecrets(field, seen);
  }
  return copy;
}

/** True when a field of this name is masked. */
export function isSecretName(name: string): boolean {
  return secretName.test(name);
}
