import type { MatchType, RuleKind, StoredReplyRule } from '@mpstack/common/db';
import type { Reply } from '@mpstack/common/wechat';

/** An auto-reply rule as stored, with its timestamps; the ingress evaluates the enabled ones on the fast path. */
export interface ReplyRule extends StoredReplyRule {
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

/** The `reply_rules` table's queries (`rules.repository.ts`), on the database or inside a transaction. */
export interface RulesRepository {
  /** The account's rules, highest priority first (ties: oldest first). */
  list(accountId: string): Promise<ReplyRule[]>;
  find(id: number): Promise<ReplyRule | undefined>;
  insert(input: ReplyRuleInput, now?: Date): Promise<ReplyRule>;
  /** Replaces a rule's content; false when no rule has that id. */
  update(id: number, input: ReplyRuleInput, now?: Date): Promise<boolean>;
  /**
   * Inserts or updates the rule with the same account, kind, match type and keyword (its
   * natural key). A read then a write: run it inside a transaction (the rules service does).
   */
  upsert(input: ReplyRuleInput, now?: Date): Promise<ReplyRule>;
  /** False when no rule has that id. */
  delete(id: number): Promise<boolean>;
}
