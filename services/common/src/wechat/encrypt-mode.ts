/**
 * The message encryption mode an account sets in the official-account console: `plain`
 * (明文), `compatible` (兼容: plaintext fields beside `<Encrypt>`) or `safe` (安全: only
 * `<Encrypt>`). One definition for the database, the ingress and the tools.
 */
export const EncryptMode = { plain: 'plain', compatible: 'compatible', safe: 'safe' } as const;
export type EncryptMode = (typeof EncryptMode)[keyof typeof EncryptMode];
