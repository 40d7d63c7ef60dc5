import type { StoredReplyRule } from '@mpstack/common/db';
import type { Reply, WxMessage } from '@mpstack/common/wechat';
import type { Account } from '../accounts/account.types.js';

/**
 * An enabled auto-reply rule as the fast path evaluates it (`rules.repository.ts` loads them;
 * `enabled` is always true from there, and `RuleSet` checks it too).
 */
export type ReplyRule = StoredReplyRule;

/**
 * What the fast path decided for one message: the passive reply (if any) and whether the
 * message also goes to the slow path (business workers through the queue).
 */
export interface FastPathDecision {
  readonly reply: Reply | undefined;
  readonly forward: boolean;
  /** Which rule or plugin decided, for logs. */
  readonly decidedBy: string;
}

export interface FastPathContext {
  readonly account: Account;
}

/**
 * A fast-path plugin answers in-process within the HTTP response (budget ≪ 5 s). It
 * returns undefined to let the next plugin decide; the built-in rule engine runs last.
 */
export type FastPathPlugin = (
  message: WxMessage,
  context: FastPathContext,
) => FastPathDecision | undefined | Promise<FastPathDecision | undefined>;
