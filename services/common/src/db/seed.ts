import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Reply } from '../wechat/reply-types.js';
import { upsertAccount } from './accounts.repository.js';
import type { Db } from './database.js';
import { replySchema } from './reply-schema.js';
import { isValidRegex, upsertRule } from './rules.repository.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, - and _ (max 64)');
/** WeChat's EncodingAESKey is 43 characters of base64 without the trailing `=`. */
const aesKey = z.string().regex(/^[A-Za-z0-9+/]{43}$/, 'an EncodingAESKey is 43 base64 characters');

/**
 * Cross-field checks run even when other fields already failed (zod skips refinements on
 * invalid input by default), so one pass lists every problem; they guard their own input.
 */
const always = {
  when: (payload: { readonly value: unknown }) => typeof payload.value === 'object' && payload.value !== null,
};

const seedRule = z
  .strictObject({
    kind: z.enum(['subscribe', 'default', 'keyword']),
    matchType: z.enum(['exact', 'contains', 'regex']).default('exact'),
    keyword: z.string().min(1).optional(),
    reply: replySchema,
    priority: z.number().int().default(0),
    enabled: z.boolean().default(true),
  })
  .refine((rule) => rule.kind !== 'keyword' || typeof rule.keyword === 'string', {
    ...always,
    path: ['keyword'],
    message: 'required for keyword rules',
  })
  .refine((rule) => rule.matchType !== 'regex' || typeof rule.keyword !== 'string' || isValidRegex(rule.keyword), {
    ...always,
    path: ['keyword'],
    message: 'not a valid regular expression',
  });

const seedAccount = z
  .strictObject({
    id: slug,
    name: z.string().min(1).max(128),
    appId: z.string().min(1).max(64),
    appSecret: z.string().min(1).max(128),
    // WeChat: the Token is 3–32 letters and digits.
    token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'a Token is 3-32 letters and digits'),
    encodingAesKey: aesKey.optional(),
    previousEncodingAesKey: aesKey.optional(),
    encryptMode: z.enum(['plain', 'compatible', 'safe']),
    rules: z.array(seedRule).default([]),
  })
  .refine((account) => account.encryptMode === 'plain' || account.encodingAesKey !== undefined, {
    ...always,
    path: ['encodingAesKey'],
    message: 'required unless encryptMode is plain',
  });

/** A seed file: the accounts (and their rules) a fresh platform starts with. */
export const seedSchema = z.strictObject({ accounts: z.array(seedAccount) }).superRefine((seed, context) => {
  const seen = new Set<string>();
  // Runs only once every account is valid: duplicates are the last problem worth reporting.
  seed.accounts.forEach((account, index) => {
    if (seen.has(account.id))
      context.addIssue({ code: 'custom', path: ['accounts', index, 'id'], message: 'duplicate' });
    seen.add(account.id);
  });
});

export type SeedData = z.input<typeof seedSchema>;

/** Validates seed data; every problem is listed in one `config_invalid` error. */
export function parseSeed(data: unknown): z.output<typeof seedSchema> {
  const result = seedSchema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new AppError(ErrorCode.configInvalid, `invalid seed data:\n  ${problems.join('\n  ')}`, {
    detail: { problems: problems.length },
  });
}

/**
 * Upserts the accounts and their rules (rules by account + kind + match type + keyword),
 * so seeding twice leaves the database as seeding once. Rules not in the seed are kept:
 * operators may have added them.
 */
export async function seed(db: Db, data: unknown): Promise<{ readonly accounts: number; readonly rules: number }> {
  const parsed = parseSeed(data);
  let rules = 0;
  for (const account of parsed.accounts) {
    await upsertAccount(db, {
      id: account.id,
      name: account.name,
      appId: account.appId,
      appSecret: account.appSecret,
      token: account.token,
      encodingAesKey: account.encodingAesKey,
      previousEncodingAesKey: account.previousEncodingAesKey,
      encryptMode: account.encryptMode,
    });
    for (const rule of account.rules) {
      // zod types optional fields as `T | undefined`; parsed JSON holds no `undefined`.
      await upsertRule(db, { ...rule, accountId: account.id, reply: rule.reply as Reply });
      rules += 1;
    }
  }
  return { accounts: parsed.accounts.length, rules };
}

/** Reads a JSON seed file and {@link seed}s it; unreadable or invalid JSON is `config_invalid`. */
export async function seedFromFile(
  db: Db,
  path: string,
): Promise<{ readonly accounts: number; readonly rules: number }> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new AppError(ErrorCode.configInvalid, `cannot read seed file ${path}`, { cause: error });
  }
  return seed(db, data);
}
