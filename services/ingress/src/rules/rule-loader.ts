import type { Db } from '@mpstack/common/db';
import type { Logger } from '@mpstack/common/logging';
import type { ReplyRule } from './rule.types.js';
import { listEnabledRules } from './rules.repository.js';

/**
 * Loads an account's enabled reply rules. A failure is logged and re-thrown: nothing is
 * cached, so the message that needed the rules is not acknowledged (its claim is released and
 * WeChat's retry runs it again) and the next message asks the database again. Rules that load
 * but do not compile are another case: `RuleCache` answers without them.
 */
export async function loadReplyRules(db: Db, accountId: string, logger: Logger): Promise<readonly ReplyRule[]> {
  try {
    return await listEnabledRules(db, accountId);
  } catch (error) {
    logger.error({ err: error, account: accountId }, 'reply rules could not be loaded');
    throw error;
  }
}
