import { AppError, ErrorCode } from '@mpstack/common/errors';
import type {
  AccountStatus,
  AccountStatusList,
  AccountStatusRepository,
  ServedAccounts,
  StoredAccountStatus,
} from './account-status.types.js';

export interface AccountStatusServiceDeps {
  readonly repository: AccountStatusRepository;
  readonly served: ServedAccounts;
}

export interface AccountStatusService {
  list(): Promise<AccountStatusList>;
  /** Throws `not_found` for an unknown id. */
  get(id: string): Promise<AccountStatus>;
}

/** Joins what is stored with what this replica serves: an operator sees a change not yet reloaded. */
export function createAccountStatusService(deps: AccountStatusServiceDeps): AccountStatusService {
  const withServing = (stored: StoredAccountStatus): AccountStatus => ({
    ...stored,
    isServed: deps.served.has(stored.id),
  });
  return {
    async list() {
      const { lastReloadAt } = deps.served;
      return {
        accounts: (await deps.repository.list()).map(withServing),
        lastReloadAt: lastReloadAt === undefined ? null : new Date(lastReloadAt).toISOString(),
      };
    },
    async get(id) {
      const stored = await deps.repository.find(id);
      if (stored === undefined) throw new AppError(ErrorCode.notFound, `no account "${id}"`);
      return withServing(stored);
    },
  };
}
