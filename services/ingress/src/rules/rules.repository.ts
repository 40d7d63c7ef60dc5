import { type Db, parseReply } from '@mpstack/common/db';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { ReplyRule } from './rule.types.js';

/**
 * The ingress's one rule query: an account's enabled rules, highest priority first (ties:
 * oldest first), replies parsed at this edge — a corrupt stored reply is a loud error, not a
 * silent skip. Rules are written by the admin service (`services/admin/src/rules`).
 */
export async function listEnabledRules(db: Db, accountId: string): Promise<ReplyRule[]> {
  const rows = await db
    .selectFrom('reply_rules')
    .select(['id', 'account_id', 'kind', 'match_type', 'keyword', 'reply', 'priority', 'enabled'])
    .where('account_id', '=', accountId)
    .where('enabled', '=', 1)
    .orderBy('priority', 'desc')
    .orderBy('id', 'asc')
    .execute();
  return rows.map((row) => {
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
    };
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
