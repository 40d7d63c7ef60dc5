import { type Db, replyRuleOfRow } from '@mpstack/common/db';
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
  return rows.map(replyRuleOfRow);
}
