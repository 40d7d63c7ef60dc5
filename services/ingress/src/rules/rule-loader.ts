import { type Db, listRules, type ReplyRule } from '@mpstack/common/db';
import type { Logger } from '@mpstack/common/logging';

/** Loads an account's enabled reply rules; a failure keeps the fast path answering without them. */
export async function loadReplyRules(db: Db, accountId: string, logger: Logger): Promise<readonly ReplyRule[]> {
  try {
    return (await listRules(db, accountId)).filter((rule) => rule.enabled);
  } catch (error) {
    logger.error({ err: error, account: accountId }, 'reply rules could not be loaded');
    throw error;
  }
}
