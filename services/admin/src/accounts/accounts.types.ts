import type { AccountSendLimits } from '@mpstack/common/contracts';
import type { EncryptMode } from '@mpstack/common/wechat';

/** An official account as stored (secrets included: never log it whole, never answer it). */
export interface AccountRecord {
  /** The slug in `/wx/:account`. */
  readonly id: string;
  readonly name: string;
  readonly appId: string;
  readonly appSecret: string;
  readonly token: string;
  readonly encodingAesKey: string | undefined;
  /** Still accepted after a rotation (WeChat keeps using the old key for a while). */
  readonly previousEncodingAesKey: string | undefined;
  readonly encryptMode: EncryptMode;
  /** Switched off in the console: the ingress refuses its deliveries. */
  readonly disabled: boolean;
  readonly disabledAt: Date | undefined;
  /** Its own send rates and daily quotas (migration 0016); undefined: the deployment's. */
  readonly sendLimits: AccountSendLimits | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What `update` may change (absent fields stay); `undefined` keys clear nothing — use `null`. */
export interface AccountChanges {
  readonly name?: string;
  readonly appId?: string;
  readonly appSecret?: string;
  readonly token?: string;
  readonly encryptMode?: EncryptMode;
  readonly encodingAesKey?: string;
  /** `null` ends a rotation: the previous key is no longer accepted. */
  readonly previousEncodingAesKey?: string | null;
}

/** Every stored field of an account but its times. */
export interface AccountInput {
  readonly id: string;
  readonly name: string;
  readonly appId: string;
  readonly appSecret: string;
  readonly token: string;
  readonly encodingAesKey?: string | undefined;
  readonly previousEncodingAesKey?: string | undefined;
  readonly encryptMode: EncryptMode;
}

/** The `accounts` table's queries (`accounts.repository.ts`), on the database or inside a transaction. */
export interface AccountsRepository {
  list(): Promise<AccountRecord[]>;
  find(id: string): Promise<AccountRecord | undefined>;
  /** The account (other than `exceptId`) holding this AppID, if any. */
  findByAppId(appId: string, exceptId?: string): Promise<AccountRecord | undefined>;
  /** Inserts a new account; `conflict` when the id exists. */
  insert(input: AccountInput, now?: Date): Promise<void>;
  /**
   * Inserts or updates by id in one statement (no read-then-write race between writers).
   * Leaves `disabled` as it is: a seed run again does not switch a disabled account back on.
   */
  upsert(input: AccountInput, now?: Date): Promise<void>;
  /** Changes the given fields; false when no account has that id. */
  update(id: string, changes: AccountChanges, now?: Date): Promise<boolean>;
  /** Replaces the account's own send limits (undefined: back to the deployment's); false when no account has that id. */
  setSendLimits(id: string, limits: AccountSendLimits | undefined, now?: Date): Promise<boolean>;
  /** Switches the account off or on; false when no account has that id. */
  setDisabled(id: string, disabled: boolean, now?: Date): Promise<boolean>;
  /** Deletes an account and (cascade) its rules; false when it did not exist. */
  delete(id: string): Promise<boolean>;
}
