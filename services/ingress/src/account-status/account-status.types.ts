import type { EncryptMode } from '@mpstack/common/wechat';

/** What the database says about an account, without its secrets. */
export interface StoredAccountStatus {
  readonly id: string;
  readonly name: string;
  readonly appId: string;
  readonly mode: EncryptMode;
  /** A previous EncodingAESKey is still accepted (a key rotation in progress). */
  readonly hasPreviousAesKey: boolean;
  /** Reply rules of every kind (keyword, subscribe, default). */
  readonly ruleCount: number;
  /** Switched off in the console: this replica answers its deliveries `success` and drops them. */
  readonly disabled: boolean;
  readonly updatedAt: string;
}

/** One account as `GET /api/accounts` shows it: stored facts and what this replica serves. */
export interface AccountStatus extends StoredAccountStatus {
  /** This replica answers `/wx/<id>` (false until the next reload after a change, or when its key is invalid). */
  readonly isServed: boolean;
}

export interface AccountStatusList {
  readonly accounts: readonly AccountStatus[];
  /** When this replica last reloaded its accounts (ISO 8601), or null before the first load. */
  readonly lastReloadAt: string | null;
}

/** Where the feature reads stored accounts (the repository; a fake in tests). */
export interface AccountStatusRepository {
  list(): Promise<readonly StoredAccountStatus[]>;
  find(id: string): Promise<StoredAccountStatus | undefined>;
}

/** What the feature needs from the in-memory account registry. */
export interface ServedAccounts {
  has(id: string): boolean;
  readonly lastReloadAt: number | undefined;
}
