import { type Db, nowTimestamp, type ReplyRuleRow, replyRuleOfRow, toDate } from '@mpstack/common/db';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import { isValidRegex } from '../api-types.js';
import type { ReplyRule, ReplyRuleInput, RulesRepository } from './rules.types.js';

/**
 * `reply_rules` through Kysely (parameters bound). Pass the database, or a transaction to
 * write together with the audit entry; nothing here opens a transaction of its own.
 */
export function createRulesRepository(db: Db): RulesRepository {
  const find = async (id: number) => {
    const row = await db.selectFrom('reply_rules').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRule(row);
  };
  const insert = async (input: ReplyRuleInput, now = new Date()) => {
    const stamp = nowTimestamp(now);
    const result = await db
      .insertInto('reply_rules')
      .values({ ...toColumns(input), created_at: stamp, updated_at: stamp })
      .executeTakeFirstOrThrow();
    const rule = await find(Number(result.insertId));
    if (rule === undefined) throw new AppError(ErrorCode.internal, 'inserted rule not found');
    return rule;
  };
  const update = async (id: number, input: ReplyRuleInput, now = new Date()) => {
    const result = await db
      .updateTable('reply_rules')
      .set({ ...toColumns(input), updated_at: nowTimestamp(now) })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  };
  return {
    async list(accountId) {
      const rows = await db
        .selectFrom('reply_rules')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('priority', 'desc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(toRule);
    },
    find,
    insert,
    update,
    async upsert(input, now = new Date()) {
      const columns = toColumns(input);
      let query = db
        .selectFrom('reply_rules')
        .select('id')
        .where('account_id', '=', columns.account_id)
        .where('kind', '=', columns.kind)
        .where('match_type', '=', columns.match_type);
      query =
        columns.keyword === null ? query.where('keyword', 'is', null) : query.where('keyword', '=', columns.keyword);
      const existing = await query.orderBy('id').executeTakeFirst();
      if (existing === undefined) return insert(input, now);
      await update(Number(existing.id), input, now);
      const rule = await find(Number(existing.id));
      if (rule === undefined) throw new AppError(ErrorCode.internal, 'updated rule not found');
      return rule;
    },
    async delete(id) {
      const result = await db.deleteFrom('reply_rules').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export { isValidRegex };

/** Checks what the schema cannot: keyword rules need a keyword, a regex must compile. */
export function ruleProblems(input: Pick<ReplyRuleInput, 'kind' | 'matchType' | 'keyword'>): string[] {
  if (input.kind !== 'keyword') return [];
  if (input.keyword === undefined || input.keyword === '') return ['keyword: required for keyword rules'];
  if (input.matchType !== 'regex' || isValidRegex(input.keyword)) return [];
  return ['keyword: not a valid regular expression'];
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

interface RuleRow extends ReplyRuleRow {
  readonly created_at: Date | string;
  readonly updated_at: Date | string;
}

function toRule(row: RuleRow): ReplyRule {
  return { ...replyRuleOfRow(row), createdAt: toDate(row.created_at), updatedAt: toDate(row.updated_at) };
}
