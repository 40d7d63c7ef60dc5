import type { Selectable } from 'kysely';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { Reply } from '../wechat/reply-types.js';
import { type Db, nowTimestamp, toDate } from './database.js';
import { parseReply } from './reply-schema.js';
import type { MatchType, ReplyRulesTable, RuleKind } from './schema.js';

/** An auto-reply rule, evaluated in-process on the fast path. */
export interface ReplyRule {
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
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface ReplyRuleInput {
  readonly accountId: string;
  readonly kind: RuleKind;
  readonly matchType?: MatchType;
  readonly keyword?: string | undefined;
  readonly reply: Reply;
  readonly priority?: number;
  readonly enabled?: boolean;
}

/** The account's rules, highest priority first (ties: oldest first). */
export async function listRules(db: Db, accountId: string): Promise<ReplyRule[]> {
  const rows = await db
    .selectFrom('reply_rules')
    .selectAll()
    .where('account_id', '=', accountId)
    .orderBy('priority', 'desc')
    .orderBy('id', 'asc')
    .execute();
  return rows.map(toRule);
}

export async function findRule(db: Db, id: number): Promise<ReplyRule | undefined> {
  const row = await db.selectFrom('reply_rules').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRule(row);
}

export async function insertRule(db: Db, input: ReplyRuleInput, now: Date = new Date()): Promise<ReplyRule> {
  const stamp = nowTimestamp(now);
  const result = await db
    .insertInto('reply_rules')
    .values({ ...toColumns(input), created_at: stamp, updated_at: stamp })
    .executeTakeFirstOrThrow();
  const rule = await findRule(db, Number(result.insertId));
  if (rule === undefined) throw new AppError(ErrorCode.internal, 'inserted rule not found');
  return rule;
}

/** Replaces a rule's content; false when no rule has that id. */
export async function updateRule(db: Db, id: number, input: ReplyRuleInput, now: Date = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('reply_rules')
    .set({ ...toColumns(input), updated_at: nowTimestamp(now) })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Inserts or updates the rule with the same account, kind, match type and keyword (the
 * rule's natural key), so running a seed twice changes nothing. One transaction.
 */
export async function upsertRule(db: Db, input: ReplyRuleInput, now: Date = new Date()): Promise<ReplyRule> {
  return db.transaction().execute(async (tx) => {
    const columns = toColumns(input);
    let query = tx
      .selectFrom('reply_rules')
      .select('id')
      .where('account_id', '=', columns.account_id)
      .where('kind', '=', columns.kind)
      .where('match_type', '=', columns.match_type);
    query =
      columns.keyword === null ? query.where('keyword', 'is', null) : query.where('keyword', '=', columns.keyword);
    const existing = await query.orderBy('id').executeTakeFirst();
    if (existing === undefined) return insertRule(tx, input, now);
    await updateRule(tx, Number(existing.id), input, now);
    const rule = await findRule(tx, Number(existing.id));
    if (rule === undefined) throw new AppError(ErrorCode.internal, 'updated rule not found');
    return rule;
  });
}

/** False when no rule has that id. */
export async function deleteRule(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('reply_rules').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Checks what the schema cannot: keyword rules need a keyword, a regex must compile. */
export function ruleProblems(input: Pick<ReplyRuleInput, 'kind' | 'matchType' | 'keyword'>): string[] {
  if (input.kind !== 'keyword') return [];
  if (input.keyword === undefined || input.keyword === '') return ['keyword: required for keyword rules'];
  if (input.matchType !== 'regex' || isValidRegex(input.keyword)) return [];
  return ['keyword: not a valid regular expression'];
}

/** Rules are compiled with the `u` flag (keywords are Chinese text and emoji). */
export function isValidRegex(pattern: string): boolean {
  try {
    return new RegExp(pattern, 'u') instanceof RegExp;
  } catch {
    return false;
  }
}

function toColumns(input: ReplyRuleInput) {
  const problems = ruleProblems(input);
  if (problems.length > 0) throw new AppError(ErrorCode.badRequest, `invalid rule: ${problems.join('; ')}`);
  return {
    account_id: input.accountId,
    kind: input.kind,
    match_type: input.matchType ?? 'exact',
    keyword: input.kind === 'keyword' ? (input.keyword ?? null) : null,
    reply: JSON.stringify(input.reply),
    priority: input.priority ?? 0,
    enabled: input.enabled === false ? 0 : 1,
  };
}

/** Stored JSON is parsed at this edge; a corrupt reply is a loud error, not a silent skip. */
function toRule(row: Selectable<ReplyRulesTable>): ReplyRule {
  const parsed = parseReply(parseJson(row.reply));
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
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
