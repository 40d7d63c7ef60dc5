/**
 * The admin API's request and response shapes (issue 10 contract), as zod schemas with their
 * inferred types. Browser-safe: imports only zod, so the console (services/admin/web) imports
 * it as `@mpstack/admin/api-types` without pulling in server code.
 */
import { z } from 'zod';

export const roles = ['viewer', 'operator', 'super-admin', 'agent'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;

export const permissions = [
  'accounts:read',
  'accounts:write',
  'users:read',
  'users:write',
  'audit:read',
  'logs:read',
  'logs:export',
  'dashboard:read',
  'rules:write',
  'menus:write',
  'pushes:write',
  'activities:write',
] as const;
export const permissionSchema = z.enum(permissions);
export type Permission = z.infer<typeof permissionSchema>;

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: roleSchema,
  disabled: z.boolean(),
  createdAt: z.string(),
  lastSignInAt: z.string().optional(),
});
export type User = z.infer<typeof userSchema>;

/** Letters, digits and `_ . @ -`, 1 to 64 characters (the name signs in; the display name is free text). */
export const usernameSchema = z.string().regex(/^[\w.@-]{1,64}$/, '1 to 64 letters, digits, _ . @ -');
export const displayNameSchema = z.string().trim().min(1, 'must not be empty').max(128, 'at most 128 characters');

/** Passwords no one may choose, however long: the most guessed ones of at least 10 characters. */
const guessedPasswords = new Set([
  '1234567890',
  '0123456789',
  '12345678910',
  '1q2w3e4r5t',
  'qwertyuiop',
  'password123',
  'password1234',
  'administrator',
  'iloveyou123',
  'qwerty123456',
  'a123456789',
  'abc1234567',
  'abcdefghij',
  'woaini1314',
  'changeme123',
]);

/**
 * The password policy (checked by the server; the console shows the same messages as the user
 * types): 10 to 1024 characters, not the user's name or a well-known password, not a single
 * character repeated. Length over composition rules (NIST SP 800-63B).
 */
export function passwordRuleProblems(password: string, username?: string): string[] {
  const length = Array.from(password).length;
  if (length < 10) return ['at least 10 characters'];
  if (length > 1024) return ['at most 1024 characters'];
  const lower = password.toLowerCase();
  const problems: string[] = [];
  if (username !== undefined && username.length >= 3 && lower.includes(username.toLowerCase())) {
    problems.push('must not contain the username');
  }
  if (guessedPasswords.has(lower)) problems.push('is one of the most guessed passwords');
  if (new Set(Array.from(password)).size < 3) problems.push('needs at least 3 different characters');
  return problems;
}

const passwordSchema = z.string().max(4096);

/** `POST /users` */
export const createUserRequestSchema = z
  .object({
    username: usernameSchema,
    displayName: displayNameSchema.optional(),
    role: roleSchema,
    password: passwordSchema,
  })
  .strict()
  .superRefine((body, context) => {
    for (const message of passwordRuleProblems(body.password, body.username)) {
      context.addIssue({ code: 'custom', path: ['password'], message });
    }
  });
export type CreateUserRequest = z.infer<typeof createUserRequestSchema>;

/** `PATCH /users/:id`: any of role, disabled, display name, a new password (which ends the user's sessions). */
export const updateUserRequestSchema = z
  .object({
    role: roleSchema.optional(),
    disabled: z.boolean().optional(),
    displayName: displayNameSchema.optional(),
    password: passwordSchema.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');
export type UpdateUserRequest = z.infer<typeof updateUserRequestSchema>;

/** `GET /users` → `{ items }`; `POST /users` → 201 `{ user }`; `PATCH /users/:id` → `{ user }`. */
export const usersResponseSchema = z.object({ items: z.array(userSchema) });
export type UsersResponse = z.infer<typeof usersResponseSchema>;
export const userResponseSchema = z.object({ user: userSchema });
export type UserResponse = z.infer<typeof userResponseSchema>;

export const sessionResponseSchema = z.object({ user: userSchema, csrfToken: z.string() });
export type SessionResponse = z.infer<typeof sessionResponseSchema>;

export const signInRequestSchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});
export type SignInRequest = z.infer<typeof signInRequestSchema>;

export const permissionsResponseSchema = z.object({ permissions: z.array(permissionSchema) });
export type PermissionsResponse = z.infer<typeof permissionsResponseSchema>;

export const errorCodes = [
  'unauthenticated',
  'forbidden',
  'csrf_failed',
  'locked',
  'invalid_request',
  'not_found',
  'conflict',
  'too_large',
  'unsupported_media_type',
  'unavailable',
  'upstream_failed',
  'internal',
] as const;
export const errorCodeSchema = z.enum(errorCodes);
export type ApiErrorCode = z.infer<typeof errorCodeSchema>;

/** Every error: `{ error: { code, message, … } }` (`problems` for 400, `retryAfterSeconds` for 423). */
export const apiErrorSchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string(),
    problems: z.array(z.string()).optional(),
    retryAfterSeconds: z.number().optional(),
  }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/**
 * An account's own send rate for one family: `off` (no limit) or a token bucket of `perSecond`
 * sends with `burst` at once; null or absent: the deployment's (`MPSTACK_WECHAT_RATE_*`).
 */
export const sendRateSchema = z.union([z.literal('off'), z.object({ perSecond: z.number(), burst: z.number() })]);
export type SendRate = z.infer<typeof sendRateSchema>;

/** Bounds of the per-account limits (the same as `sendLimitBounds` of `@mpstack/common/contracts`). */
export const sendLimitMax = { perSecond: 10_000, burst: 100_000, dailyQuota: 100_000_000 } as const;

/** An account's own limits as stored and shown; a family or API left out takes the deployment's. */
export const accountSendLimitsViewSchema = z.object({
  rates: z.object({ template: sendRateSchema, kefu: sendRateSchema, mass: sendRateSchema }).partial().optional(),
  dailyQuotas: z.record(z.string(), z.number()).optional(),
});
export type AccountSendLimitsView = z.infer<typeof accountSendLimitsViewSchema>;

export const encryptModes = ['plain', 'compatible', 'safe'] as const;
export const accountViewSchema = z.object({
  id: z.string(),
  appId: z.string(),
  name: z.string(),
  mode: z.enum(encryptModes),
  disabled: z.boolean(),
  hasAppSecret: z.boolean(),
  hasPreviousAesKey: z.boolean(),
  /** The account's own send rates and daily quotas; null: the deployment's apply to it. */
  sendLimits: accountSendLimitsViewSchema.nullable(),
  updatedAt: z.string(),
});
export type AccountView = z.infer<typeof accountViewSchema>;

/** The slug in `/wx/:account`. */
export const accountIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'lowercase letters, digits, - and _ (at most 64, starting with a letter or digit)',
  );
/** WeChat's AppID: `wx` and 16 hexadecimal digits. */
export const appIdSchema = z
  .string()
  .regex(/^wx[0-9a-fA-F]{16}$/, 'an AppID is "wx" followed by 16 hexadecimal digits');
/** WeChat: the Token is 3–32 letters and digits. */
export const tokenSchema = z.string().regex(/^[A-Za-z0-9]{3,32}$/, 'a Token is 3-32 letters and digits');
/** 43 base64 characters, which with the `=` WeChat leaves off decode to the 32-byte AES key. */
export const encodingAesKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}$/, 'an EncodingAESKey is exactly 43 base64 characters (it decodes to 32 bytes)');
/** A display name: stored and returned verbatim (no HTML meaning), never blank, no control characters. */
export const accountNameSchema = z
  .string()
  .min(1, 'a name is required')
  .max(128, 'a name is at most 128 characters')
  .refine((name) => name.trim() !== '', 'a name is not only spaces')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  .refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'a name has no control characters');
/** The AppSecret (32 characters today); write-only. Printable ASCII without spaces. */
export const appSecretSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,128}$/, 'an AppSecret is 1-128 printable characters without spaces');
export const encryptModeSchema = z.enum(encryptModes);

/** `POST /accounts`. Without an EncodingAESKey only mode `plain` is possible (set one later by rotation). */
export const accountCreateRequestSchema = z
  .strictObject({
    id: accountIdSchema,
    name: accountNameSchema,
    appId: appIdSchema,
    appSecret: appSecretSchema.optional(),
    token: tokenSchema,
    encodingAesKey: encodingAesKeySchema.optional(),
    mode: encryptModeSchema,
  })
  .refine((account) => account.mode === 'plain' || account.encodingAesKey !== undefined, {
    path: ['encodingAesKey'],
    message: 'required unless mode is plain',
  });
export type AccountCreateRequest = z.infer<typeof accountCreateRequestSchema>;

/**
 * `PATCH /accounts/:id`: the fields to change. The EncodingAESKey changes only by
 * `rotate-aes-key` (which keeps the old one accepted); `previousEncodingAesKey: null` ends a
 * rotation (the old key is no longer accepted). `id` may be sent only unchanged.
 */
export const accountPatchRequestSchema = z.strictObject({
  id: accountIdSchema.optional(),
  name: accountNameSchema.optional(),
  appId: appIdSchema.optional(),
  appSecret: appSecretSchema.optional(),
  token: tokenSchema.optional(),
  mode: encryptModeSchema.optional(),
  encodingAesKey: z
    .never({
      error: 'change the EncodingAESKey with POST /accounts/:id/rotate-aes-key (the current one stays accepted)',
    })
    .optional(),
  previousEncodingAesKey: z.null().optional(),
});
export type AccountPatchRequest = z.infer<typeof accountPatchRequestSchema>;

type Issues = { addIssue(issue: { code: 'custom'; message: string; path?: PropertyKey[] }): void };

/** One family's rate from a request, every problem said in words (a union's "invalid input" says nothing). */
function parseRate(value: unknown, ctx: Issues, family: string): SendRate | null {
  const problem = (message: string) => {
    ctx.addIssue({ code: 'custom', message, path: ['rates', family] });
    return null;
  };
  if (value === null || value === undefined) return null;
  if (value === 'off') return 'off';
  if (typeof value !== 'object' || Array.isArray(value)) {
    return problem('"off", null (the deployment\'s rate) or { perSecond, burst? }');
  }
  const { perSecond, burst, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return problem(`unknown field ${Object.keys(rest).join(', ')}`);
  if (perSecond === undefined) return problem('a burst needs a rate: set perSecond (sends per second)');
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond)) return problem('perSecond must be a number');
  if (perSecond <= 0) return problem('perSecond must be more than 0 (use "off" for no limit)');
  if (perSecond > sendLimitMax.perSecond) return problem(`perSecond must be at most ${sendLimitMax.perSecond}`);
  if (burst === undefined) return { perSecond, burst: Math.max(1, Math.ceil(perSecond)) };
  if (typeof burst !== 'number' || !Number.isInteger(burst)) return problem('burst must be a whole number');
  if (burst < 1) return problem('burst must be at least 1');
  if (burst > sendLimitMax.burst) return problem(`burst must be at most ${sendLimitMax.burst}`);
  return { perSecond, burst };
}

/**
 * `PUT /accounts/:id/send-limits`: the account's own rates per family (`off`, `{ perSecond,
 * burst? }` — burst defaults to one second of sends —, or null for the deployment's) and its
 * daily quota overrides per API name (a whole number of calls a Beijing day). The whole set is
 * replaced; `{}` returns the account to the deployment's limits.
 */
export const sendLimitsRequestSchema = z
  .strictObject({
    rates: z.record(z.enum(['template', 'kefu', 'mass']), z.unknown()).optional(),
    dailyQuotas: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, 'an API name such as sendTemplateMessage'),
        z
          .number('a daily quota is a number of calls')
          .int('a daily quota is a whole number of calls')
          .min(1, 'a daily quota is at least 1 (a quota of 0 would refuse every call)')
          .max(sendLimitMax.dailyQuota, `a daily quota is at most ${sendLimitMax.dailyQuota}`),
      )
      .optional(),
  })
  .transform((body, ctx) => {
    const rates: Partial<Record<'template' | 'kefu' | 'mass', SendRate>> = {};
    for (const family of ['template', 'kefu', 'mass'] as const) {
      const rate = parseRate(body.rates?.[family], ctx, family);
      if (rate !== null) rates[family] = rate;
    }
    return { rates, dailyQuotas: body.dailyQuotas ?? {} };
  });
export type SendLimitsRequest = z.infer<typeof sendLimitsRequestSchema>;

/** `POST /accounts/:id/rotate-aes-key`: the new key; the current one becomes the previous (still accepted). */
export const rotateAesKeyRequestSchema = z.strictObject({ encodingAesKey: encodingAesKeySchema });
export type RotateAesKeyRequest = z.infer<typeof rotateAesKeyRequestSchema>;

/**
 * One audit entry: `at` in ms since the epoch; `outcome` 'denied' for a refused write or a failed
 * sign-in; before/after as stored, with every secret-named field (token, AES key, secret,
 * password) shown as `***`.
 */
export const auditRowSchema = z.object({
  id: z.string(),
  at: z.number(),
  actor: z.string(),
  ip: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(['ok', 'denied']),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export type AuditRow = z.infer<typeof auditRowSchema>;

/** A time in a query string: ms since the epoch. */
export const epochMsParam = z
  .string()
  .regex(/^\d{1,15}$/, 'ms since the epoch')
  .transform(Number);
/** A page size in a query string. */
export const limitParam = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,4}$/, 'a number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .default(fallback);

/** `GET /audit`'s query: actor exact, action by prefix (`users.`), target by part; newest first. */
export const auditQuerySchema = z.object({
  actor: z.string().min(1).max(64).optional(),
  action: z.string().min(1).max(64).optional(),
  target: z.string().min(1).max(255).optional(),
  from: epochMsParam.optional(),
  to: epochMsParam.optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: limitParam(200, 50),
});
export type AuditQueryParams = z.input<typeof auditQuerySchema>;

/**
 * Reply rules (`GET|POST /accounts/:id/rules`, `PUT|DELETE /rules/:ruleId`, `GET
 * /accounts/:id/rules.csv?lang`). A keyword rule matches a text message by `matchType`; a
 * subscribe rule answers a follow, the default rule anything no other rule answered. The reply
 * is checked on the server against the full reply schema (common/db `replySchema`); here only
 * its type is named, which is what a list shows.
 */
export const ruleKinds = ['keyword', 'subscribe', 'default'] as const;
export const matchTypes = ['exact', 'contains', 'regex'] as const;
export const replyTypes = ['text', 'image', 'voice', 'video', 'music', 'news', 'transfer_customer_service'] as const;
export const ruleViewSchema = z.object({
  id: z.number(),
  accountId: z.string(),
  kind: z.enum(ruleKinds),
  matchType: z.enum(matchTypes),
  keyword: z.string().optional(),
  reply: z.looseObject({ type: z.enum(replyTypes) }),
  priority: z.number(),
  enabled: z.boolean(),
  updatedAt: z.string(),
});
export type RuleView = z.infer<typeof ruleViewSchema>;
/** Rules are compiled with the `u` flag (keywords are Chinese text and emoji), as the ingress compiles them. */
export function isValidRegex(pattern: string): boolean {
  try {
    return new RegExp(pattern, 'u') instanceof RegExp;
  } catch {
    return false;
  }
}

/** A reply as one line of a list or a CSV cell: its text, media id, articles' titles, or the kf account. */
export function replySummary(reply: { readonly type: string } & Readonly<Record<string, unknown>>): string {
  const text = (key: string) => (typeof reply[key] === 'string' ? (reply[key] as string) : '');
  switch (reply.type) {
    case 'text':
      return text('content');
    case 'music':
      return text('title') || text('musicUrl') || text('thumbMediaId');
    case 'news':
      return (Array.isArray(reply['articles']) ? (reply['articles'] as { title?: unknown }[]) : [])
        .map((article) => (typeof article.title === 'string' ? article.title : ''))
        .join(' | ');
    case 'transfer_customer_service':
      return text('kfAccount');
    default:
      return text('mediaId');
  }
}
/** Priorities run from -1000 to 1000, higher first (ties: the older rule). */
export const rulePriorityRange = { min: -1000, max: 1000 } as const;

/** A list page: `nextCursor` when more follow. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() });

/**
 * The logs and the dashboard: the log service's query API passed through (times in ms since
 * the epoch; `account` is the account id of `/wx/:account`).
 * `GET /logs/messages?account&openId&type&event&from&to&text&cursor&limit` (newest first, limit ≤ 500),
 * `GET /logs/timeline?account&openId&from&to&limit` (oldest first),
 * `GET /logs/interface?account&api&errcode&from&to&cursor&limit`, `GET /dashboard?account&from&to&compare&step`,
 * `GET /dashboard/outbound?account&from&to&compare&step` (sends and receipts, the same window).
 */
export const messageRowSchema = z.object({
  id: z.string(),
  at: z.number(),
  account: z.string(),
  openId: z.string(),
  msgType: z.string(),
  event: z.string().optional(),
  eventKey: z.string().optional(),
  msgId: z.string().optional(),
  content: z.string().optional(),
  outcome: z.string(),
  decidedBy: z.string().optional(),
  latencyMs: z.number(),
});
export type MessageRow = z.infer<typeof messageRowSchema>;

export const interfaceRowSchema = z.object({
  id: z.string(),
  at: z.number(),
  account: z.string(),
  api: z.string(),
  errcode: z.number(),
  errmsg: z.string().optional(),
  latencyMs: z.number(),
});
export type InterfaceRow = z.infer<typeof interfaceRowSchema>;

const dashboardTotalsSchema = z.object({
  messages: z.number(),
  fast: z.number(),
  queued: z.number(),
  failed: z.number(),
  gained: z.number(),
  lost: z.number(),
  latency: z.object({ p50: z.number().nullable(), p99: z.number().nullable() }),
});
const dashboardBucketSchema = z.object({
  t: z.number(),
  byType: z.record(z.string(), z.number()),
  fast: z.number(),
  queued: z.number(),
  failed: z.number(),
});
export const dashboardSchema = z.object({
  /** The series' bucket width (ms): a minute up to 3 hours, an hour up to 8 days, then a day (or `step=`). */
  step: z.number(),
  /** The buckets of `step` that had traffic, oldest first (per minute over the last hour). */
  perMinute: z.array(dashboardBucketSchema),
  latency: z.object({ p50: z.number().nullable(), p99: z.number().nullable() }),
  followers: z.array(
    z.object({
      day: z.number(),
      gained: z.number(),
      lost: z.number(),
      net: z.number(),
      sources: z.record(z.string(), z.number()),
    }),
  ),
  topKeywords: z.array(z.object({ text: z.string(), count: z.number() })),
  totals: dashboardTotalsSchema,
  /** The comparison window's totals (`compare=previous|yesterday|week`). */
  compare: dashboardTotalsSchema.optional(),
  /** The comparison window's buckets of `step` (at their own times, not shifted). */
  compareSeries: z.array(dashboardBucketSchema).optional(),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

const receiptCountsSchema = z.object({ success: z.number(), userBlock: z.number(), systemFailed: z.number() });
const outboundBucketSchema = z.object({
  t: z.number(),
  /** Send attempts by `family:outcome` (family template / kefu / mass; outcome sent / failed / refused). */
  sends: z.record(z.string(), z.number()),
  /** Delivery receipts by their CreateTime's bucket. */
  receipts: receiptCountsSchema,
});
const outboundTotalsSchema = z.object({
  sent: z.number(),
  failed: z.number(),
  refused: z.number(),
  sends: z.record(z.string(), z.number()),
  receipts: receiptCountsSchema,
  /** The most frequent failures (`detail` WeChat's errcode, −1 no answer) and local refusals (`detail` the reason). */
  failures: z.array(z.object({ family: z.string(), outcome: z.string(), detail: z.string(), count: z.number() })),
});
/** The dashboard's sends per minute and receipt outcomes: the same window, step and comparison as {@link dashboardSchema}. */
export const dashboardOutboundSchema = z.object({
  step: z.number(),
  series: z.array(outboundBucketSchema),
  totals: outboundTotalsSchema,
  compare: outboundTotalsSchema.optional(),
  compareSeries: z.array(outboundBucketSchema).optional(),
});
export type DashboardOutbound = z.infer<typeof dashboardOutboundSchema>;

/** `GET /logs/files` → `{ items }` (newest month first); `GET /logs/files/:name` downloads one. */
export const logFileSchema = z.object({
  name: z.string(),
  bytes: z.number(),
  month: z.string(),
  gzipped: z.boolean(),
});
export type LogFile = z.infer<typeof logFileSchema>;

/**
 * `GET /logs/messages.csv?…` (the `/logs/messages` filters, without cursor and limit): every
 * matching row, newest first, up to this many (past it the file ends with a line saying so).
 */
export const csvExportMaxRows = 100_000;

/** The header carrying the session's CSRF token on every state-changing request. */
export const csrfHeader = 'X-CSRF-Token';
/** The session cookie's name. */
export const sessionCookie = 'mpstack_session';
/** Where the API is mounted (public path). */
export const apiBasePath = '/admin/api';

/** What each role may do (issue 10): the server enforces it on every route, the UI hides the rest. */
export const rolePermissions: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['accounts:read', 'logs:read', 'logs:export', 'dashboard:read'],
  operator: [
    'accounts:read',
    'logs:read',
    'logs:export',
    'dashboard:read',
    'rules:write',
    'menus:write',
    'pushes:write',
    'activities:write',
  ],
  'super-admin': [...permissions],
  // Reserved for the conversation issue: reads what an agent needs, writes nothing yet.
  agent: ['accounts:read', 'logs:read', 'dashboard:read'],
};
