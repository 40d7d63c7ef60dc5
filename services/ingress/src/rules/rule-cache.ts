import type { Logger } from '@mpstack/common/logging';
import type { ReplyRule } from './rule.types.js';
import { RuleSet } from './rule-set.js';

export interface RuleCacheOptions {
  readonly load: (accountId: string) => Promise<readonly ReplyRule[]>;
  readonly logger: Logger;
}

const empty = new RuleSet([]);

/**
 * Compiled rule sets per account, in memory. `invalidate` is called from the pub/sub
 * channel so a rule saved on one replica takes effect on all of them.
 */
export class RuleCache {
  private readonly sets = new Map<string, RuleSet>();
  private readonly loading = new Map<string, Promise<RuleSet>>();

  constructor(private readonly options: RuleCacheOptions) {}

  /** The cached set, or undefined when it must be loaded first (`load`). */
  peek(accountId: string): RuleSet | undefined {
    return this.sets.get(accountId);
  }

  load(accountId: string): Promise<RuleSet> {
    const cached = this.sets.get(accountId);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.loading.get(accountId);
    if (pending === undefined) {
      pending = this.options
        .load(accountId)
        .then((rules) => compile(rules, accountId, this.options.logger))
        .then((set) => {
          this.sets.set(accountId, set);
          return set;
        })
        .finally(() => this.loading.delete(accountId));
      this.loading.set(accountId, pending);
    }
    return pending;
  }

  /** Drops one account's rules ('*' for all); the next message reloads them. */
  invalidate(accountId: string): void {
    if (accountId === '*') this.sets.clear();
    else this.sets.delete(accountId);
  }
}

function compile(rules: readonly ReplyRule[], accountId: string, logger: Logger): RuleSet {
  try {
    return new RuleSet(rules);
  } catch (error) {
    logger.error({ account: accountId, err: error }, 'reply rules invalid; answering without them');
    return empty;
  }
}
