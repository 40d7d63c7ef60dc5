import { readFile } from 'node:fs/promises';
import {
  type Actor,
  accountIdSchema,
  accountNameSchema,
  appIdSchema,
  appSecretSchema,
  createAccountsService,
  createRulesService,
  encodingAesKeySchema,
  encryptModeSchema,
  isValidRegex,
  tokenSchema,
  type WriteDeps,
} from '@mpstack/admin';
import { replySchema } from '@mpstack/common/db';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { Reply } from '@mpstack/common/wechat';
import { z } from 'zod';

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
    // The console's own field rules (`@mpstack/admin`'s api-types): a seed and the console accept the same accounts.
    id: accountIdSchema,
    name: accountNameSchema,
    appId: appIdSchema,
    appSecret: appSecretSchema,
    token: tokenSchema,
    encodingAesKey: encodingAesKeySchema.optional(),
    previousEncodingAesKey: encodingAesKeySchema.optional(),
    encryptMode: encryptModeSchema,
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
  const appIds = new Set<string>();
  seed.accounts.forEach((account, index) => {
    if (seen.has(account.id))
      context.addIssue({ code: 'custom', path: ['accounts', index, 'id'], message: 'duplicate' });
    if (appIds.has(account.appId))
      context.addIssue({ code: 'custom', path: ['accounts', index, 'appId'], message: 'duplicate' });
    seen.add(account.id);
    appIds.add(account.appId);
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

/** Who seeds, in the audit log. */
export const seedActor: Actor = { username: 'mpstack seed', ip: 'local' };

export interface SeedResult {
  readonly accounts: number;
  readonly rules: number;
}

/**
 * Upserts the accounts and their rules (rules by account + kind + match type + keyword)
 * through the admin service's writes — the same transactions, audit and announcements as the
 * console's — so seeding twice leaves the database as seeding once. The whole file is
 * validated before anything is written. Rules not in the seed are kept: operators may have
 * added them.
 */
export async function seed(deps: WriteDeps, data: unknown, by: Actor = seedActor): Promise<SeedResult> {
  const parsed = parseSeed(data);
  const accounts = createAccountsService(deps);
  const replyRules = createRulesService(deps);
  let rules = 0;
  for (const account of parsed.accounts) {
    await accounts.upsert(
      {
        id: account.id,
        name: account.name,
        appId: account.appId,
        appSecret: account.appSecret,
        token: account.token,
        encodingAesKey: account.encodingAesKey,
        previousEncodingAesKey: account.previousEncodingAesKey,
        encryptMode: account.encryptMode,
      },
      by,
    );
    for (const rule of account.rules) {
      // zod types optional fields as `T | undefined`; parsed JSON holds no `undefined`.
      await replyRules.upsert({ ...rule, accountId: account.id, reply: rule.reply as Reply }, by);
      rules += 1;
    }
  }
  return { accounts: parsed.accounts.length, rules };
}

/** Reads a JSON seed file and {@link seed}s it; unreadable or invalid JSON is `config_invalid`. */
export async function seedFromFile(deps: WriteDeps, path: string, by: Actor = seedActor): Promise<SeedResult> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new AppError(ErrorCode.configInvalid, `cannot read seed file ${path}`, { cause: error });
  }
  return seed(deps, data, by);
}
