import { z } from 'zod';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Reply } from '../wechat/reply-types.js';
import type { MatchType, RuleKind } from './schema.js';

const text = z.string().min(1);
const mediaId = z.string().min(1);

const article = z.strictObject({
  title: text,
  description: z.string().optional(),
  picUrl: z.string().optional(),
  url: z.string().optional(),
});

/**
 * The `Reply` union as a schema: replies are stored as JSON text and arrive in seed files,
 * so both are checked before anything renders them. WeChat shows at most 8 news articles
 * (since 2018 only 1 for passive replies, but older accounts may still send up to 8).
 */
export const replySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), content: text }),
  z.strictObject({ type: z.literal('image'), mediaId }),
  z.strictObject({ type: z.literal('voice'), mediaId }),
  z.strictObject({
    type: z.literal('video'),
    mediaId,
    title: z.string().optional(),
    description: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('music'),
    thumbMediaId: mediaId,
    title: z.string().optional(),
    description: z.string().optional(),
    musicUrl: z.string().optional(),
    hqMusicUrl: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('news'), articles: z.array(article).min(1).max(8) }),
  z.strictObject({ type: z.literal('transfer_customer_service'), kfAccount: z.string().optional() }),
]);

/**
 * Parses a value into a `Reply`. The cast only bridges `exactOptionalPropertyTypes`: zod
 * types optional fields as `T | undefined`, and parsed JSON never holds `undefined`.
 */
export function parseReply(value: unknown): { readonly reply: Reply } | { readonly problems: string[] } {
  const result = replySchema.safeParse(value);
  if (result.success) return { reply: result.data as Reply };
  return { problems: result.error.issues.map((issue) => `${issue.path.join('.') || '(reply)'}: ${issue.message}`) };
}

/** The columns of a `reply_rules` row that make a rule (the admin's reads carry its timestamps besides). */
export interface ReplyRuleRow {
  readonly id: number | string;
  readonly account_id: string;
  readonly kind: RuleKind;
  readonly match_type: MatchType;
  readonly keyword: string | null;
  readonly reply: string;
  readonly priority: number;
  readonly enabled: number;
}

/** A stored auto-reply rule: what the ingress evaluates and the console edits. */
export interface StoredReplyRule {
  readonly id: number;
  readonly accountId: string;
  readonly kind: RuleKind;
  readonly matchType: MatchType;
  /** Only for `keyword` rules. */
  readonly keyword: string | undefined;
  readonly reply: Reply;
  /** Higher first; ties by id. */
  readonly priority: number;
  readonly enabled: boolean;
}

/**
 * A `reply_rules` row as a rule, the one mapping of the admin's and the ingress's reads. The
 * stored JSON reply is parsed and checked at this edge: a corrupt one is a loud
 * `reply_invalid` naming the rule, never a silent skip.
 */
export function replyRuleOfRow(row: ReplyRuleRow): StoredReplyRule {
  const parsed = parseReply(parseJsonOrUndefined(row.reply));
  if ('problems' in parsed) {
    throw new AppError(ErrorCode.replyInvalid, `rule ${row.id} has an invalid reply: ${parsed.problems.join('; ')}`);
  }
  return {
    id: Number(row.id),
    accountId: row.account_id,
    kind: row.kind,
    matchType: row.match_type,
    keyword: row.keyword ?? undefined,
    reply: parsed.reply,
    priority: row.priority,
    enabled: Boolean(row.enabled),
  };
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
