import type { Db } from '@mpstack/common/db';

/**
 * Whether an account exists, as every accepted send asks it (`POST /api/sends`, `/kefu-sends`,
 * a push, a mass send): an account found is remembered until the console announces a change of
 * it (`forget`, on the accounts invalidation channel, as the AppID cache is) or for `maxAgeMs`,
 * the backstop for an announcement lost while Redis was away. An account not found is asked
 * again every time (it may be created the next moment). A lookup in flight is shared by the
 * requests that come meanwhile; a failed one is not kept.
 *
 * Why: it was one `SELECT … FROM accounts` per accepted send, one of the five statements of a
 * customer-service send. A deleted account still cached until the announcement (or the backstop)
 * fails at its worker instead (`not_found`: the AppID lookup), as an account deleted after the
 * 202 did before.
 */
export class AccountExistence {
  readonly #found = new Map<string, { readonly at: number; readonly lookup: Promise<boolean> }>();

  constructor(
    private readonly options: {
      readonly db: Db;
      readonly maxAgeMs?: number;
      readonly now?: () => number;
    },
  ) {}

  exists(account: string): Promise<boolean> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.#found.get(account);
    if (cached !== undefined && now - cached.at < (this.options.maxAgeMs ?? 60_000)) return cached.lookup;
    const lookup = this.#load(account);
    this.#found.set(account, { at: now, lookup });
    const drop = () => {
      if (this.#found.get(account)?.lookup === lookup) this.#found.delete(account);
    };
    lookup.then((isFound) => (isFound ? undefined : drop()), drop);
    return lookup;
  }

  /** The console changed, disabled or deleted the account: the next question reads `accounts`. */
  forget(account: string): void {
    this.#found.delete(account);
  }

  async #load(account: string): Promise<boolean> {
    const row = await this.options.db.selectFrom('accounts').select('id').where('id', '=', account).executeTakeFirst();
    return row !== undefined;
  }
}
