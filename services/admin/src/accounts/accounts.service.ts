import { encodeInvalidation, invalidationChannels, normalizeAccountSendLimits } from '@mpstack/common/contracts';
import type { Db } from '@mpstack/common/db';
import type { Logger } from '@mpstack/common/logging';
import { decodeAesKey } from '@mpstack/common/wechat';
import { isApiName } from '@mpstack/common/wechat-api';
import { ApiFailure } from '../api-error.js';
import type { AccountCreateRequest, AccountPatchRequest, AccountView, SendLimitsRequest } from '../api-types.js';
import { createAccountsRepository } from './accounts.repository.js';
import type { AccountChanges, AccountInput, AccountRecord, AccountsRepository } from './accounts.types.js';

/** Who makes a write, for the audit log: a console user and their address, or the CLI. */
export interface Actor {
  readonly username: string;
  readonly ip: string;
}

/** One audit entry as the writes give it (the audit module stores it, masking secret-named fields). */
export interface AuditRecord {
  readonly actor: string;
  readonly ip: string;
  readonly action: string;
  readonly target: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** Appends an audit entry inside the write's own transaction (`trx`), so both commit or neither. */
export type AuditWriter = (trx: Db, entry: AuditRecord) => Promise<void>;

/** What the writes of the admin services share: the database, the audit trail, the replicas' pub/sub. */
export interface WriteDeps {
  readonly db: Db;
  readonly audit?: AuditWriter;
  /**
   * Announces a change on an invalidation channel so that every ingress replica reloads
   * (the coordination port's publish). Absent where no coordination is open (`mpstack
   * migrate --seed`): running replicas then see the change at their periodic reload (60 s).
   */
  readonly publish?: (channel: string, payload: string) => Promise<void>;
  readonly logger?: Logger;
}

export interface AccountsService {
  list(): Promise<AccountRecord[]>;
  /** `conflict` when the id or the AppID is taken. */
  create(request: AccountCreateRequest, by: Actor): Promise<AccountRecord>;
  /** `not_found`, `conflict` (AppID taken), `invalid_request` (nothing to change, a mode without a key). */
  update(id: string, patch: AccountPatchRequest, by: Actor): Promise<AccountRecord>;
  /** Switches the account off (the ingress refuses its deliveries) or on; no write when already so. */
  setDisabled(id: string, disabled: boolean, by: Actor): Promise<AccountRecord>;
  /** The new key becomes current, the current one previous — still accepted by the ingress. */
  rotateAesKey(id: string, encodingAesKey: string, by: Actor): Promise<AccountRecord>;
  /** Inserts or updates by id (seed files), leaving `disabled` as it is. */
  upsert(input: AccountInput, by: Actor): Promise<AccountRecord>;
  /**
   * Replaces the account's own send rates and daily quotas (`invalid_request` for a quota of an
   * API WeChat does not have); no write when they are already so. Announced on the accounts
   * channel like every account change: each business replica's buckets follow at once.
   */
  setSendLimits(id: string, limits: SendLimitsRequest, by: Actor): Promise<AccountRecord>;
}

/**
 * The account writes: each runs in one transaction with its audit entry (before/after with the
 * secrets masked), and after the commit is announced on the accounts channel, on which every
 * ingress replica reloads its accounts.
 */
export function createAccountsService(deps: WriteDeps): AccountsService {
  const write = (by: Actor, action: string, id: string, change: Change) => writeAccount(deps, by, action, id, change);
  return {
    list: () => createAccountsRepository(deps.db).list(),
    create: (request, by) =>
      write(by, 'accounts.create', request.id, async (accounts, before) => {
        if (before !== undefined) throw new ApiFailure('conflict', `account "${request.id}" exists`);
        await refuseTakenAppId(accounts, request.appId, request.id);
        checkAesKey(request.encodingAesKey);
        await accounts.insert({
          id: request.id,
          name: request.name,
          appId: request.appId,
          appSecret: request.appSecret ?? '',
          token: request.token,
          encodingAesKey: request.encodingAesKey,
          encryptMode: request.mode,
        });
      }),
    update: (id, patch, by) =>
      write(by, 'accounts.update', id, async (accounts, before) => {
        const current = found(before, id);
        const changes = changesOf(id, patch);
        if (changes.appId !== undefined) await refuseTakenAppId(accounts, changes.appId, id);
        const mode = changes.encryptMode ?? current.encryptMode;
        if (mode !== 'plain' && current.encodingAesKey === undefined) {
          throw invalid(`mode: ${mode} needs an EncodingAESKey; set one first with rotate-aes-key`);
        }
        await accounts.update(id, changes);
      }),
    setDisabled: (id, disabled, by) =>
      write(by, disabled ? 'accounts.disable' : 'accounts.enable', id, async (accounts, before) => {
        if (found(before, id).disabled === disabled) return false;
        await accounts.setDisabled(id, disabled);
      }),
    rotateAesKey: (id, encodingAesKey, by) =>
      write(by, 'accounts.rotate-aes-key', id, async (accounts, before) => {
        const current = found(before, id);
        checkAesKey(encodingAesKey);
        if (current.encodingAesKey === encodingAesKey) {
          throw invalid('encodingAesKey: already the current key (a rotation needs a new one)');
        }
        await accounts.update(id, { encodingAesKey, previousEncodingAesKey: current.encodingAesKey ?? null });
      }),
    setSendLimits: (id, limits, by) =>
      write(by, 'accounts.send-limits', id, async (accounts, before) => {
        const current = found(before, id);
        const unknown = Object.keys(limits.dailyQuotas).filter((api) => !isApiName(api));
        if (unknown.length > 0) {
          throw invalid(
            `dailyQuotas: no WeChat API is named ${unknown.join(', ')} (e.g. sendTemplateMessage, massPreview)`,
          );
        }
        const next = normalizeAccountSendLimits(limits);
        if (JSON.stringify(next) === JSON.stringify(current.sendLimits)) return false;
        await accounts.setSendLimits(id, next);
      }),
    upsert: (input, by) =>
      write(by, 'accounts.seed', input.id, async (accounts) => {
        await refuseTakenAppId(accounts, input.appId, input.id);
        checkAesKey(input.encodingAesKey);
        checkAesKey(input.previousEncodingAesKey);
        await accounts.upsert(input);
      }),
  };
}

/** Applies one write to the account as it was (`undefined`: none yet); `false` when nothing was written. */
type Change = (accounts: AccountsRepository, before: AccountRecord | undefined) => Promise<unknown>;

async function writeAccount(deps: WriteDeps, by: Actor, action: string, id: string, change: Change) {
  const { after, written } = await deps.db.transaction().execute(async (trx) => {
    const accounts = createAccountsRepository(trx);
    const before = await accounts.find(id);
    const outcome = await change(accounts, before);
    const after = found(await accounts.find(id), id);
    if (outcome === false) return { after, written: false };
    await deps.audit?.(trx, {
      actor: by.username,
      ip: by.ip,
      action,
      target: `account:${id}`,
      ...(before === undefined ? {} : { before: auditSnapshot(before) }),
      after: { ...auditSnapshot(after), changed: changedFields(before, after) },
    });
    return { after, written: true };
  });
  if (written) await announce(deps, invalidationChannels.accounts, id);
  return after;
}

/** What the console shows: never the Token, the EncodingAESKeys or the AppSecret. */
export function toAccountView(account: AccountRecord): AccountView {
  return {
    id: account.id,
    appId: account.appId,
    name: account.name,
    mode: account.encryptMode,
    disabled: account.disabled,
    hasAppSecret: account.appSecret !== '',
    hasPreviousAesKey: account.previousEncodingAesKey !== undefined,
    sendLimits: account.sendLimits ?? null,
    updatedAt: account.updatedAt.toISOString(),
  };
}

const secretFields = ['appSecret', 'token', 'encodingAesKey', 'previousEncodingAesKey'] as const;
const plainFields = ['name', 'appId', 'encryptMode', 'disabled'] as const;

/** The account for the audit log: each secret only as set (`***`) or not (null). */
function auditSnapshot(account: AccountRecord): Record<string, unknown> {
  const snapshot: Record<string, unknown> = { id: account.id };
  for (const field of plainFields) snapshot[field] = account[field];
  snapshot['sendLimits'] = account.sendLimits ?? null;
  for (const field of secretFields) {
    const value = account[field];
    snapshot[field] = value === undefined || value === '' ? null : '***';
  }
  return snapshot;
}

/** The names of the fields a write changed, secrets included (their names, never their values). */
function changedFields(before: AccountRecord | undefined, after: AccountRecord): string[] {
  if (before === undefined) return ['created'];
  const changed: string[] = [...plainFields, ...secretFields].filter((field) => before[field] !== after[field]);
  if (JSON.stringify(before.sendLimits) !== JSON.stringify(after.sendLimits)) changed.push('sendLimits');
  return changed;
}

function changesOf(id: string, patch: AccountPatchRequest): AccountChanges {
  if (patch.id !== undefined && patch.id !== id) throw invalid('id: an account id cannot change');
  const changes: AccountChanges = {
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.appId === undefined ? {} : { appId: patch.appId }),
    ...(patch.appSecret === undefined ? {} : { appSecret: patch.appSecret }),
    ...(patch.token === undefined ? {} : { token: patch.token }),
    ...(patch.mode === undefined ? {} : { encryptMode: patch.mode }),
    ...(patch.previousEncodingAesKey === null ? { previousEncodingAesKey: null } : {}),
  };
  if (Object.keys(changes).length === 0) throw invalid('(body): nothing to change');
  return changes;
}

async function refuseTakenAppId(accounts: AccountsRepository, appId: string, id: string): Promise<void> {
  const holder = await accounts.findByAppId(appId, id);
  if (holder !== undefined)
    throw new ApiFailure('conflict', `AppID ${appId} is already used by account "${holder.id}"`);
}

/** The ingress's own decoding (`decodeAesKey`), so what is accepted here is what the webhook can use. */
function checkAesKey(key: string | undefined): void {
  if (key === undefined) return;
  try {
    decodeAesKey(key);
  } catch (error) {
    throw invalid(`encodingAesKey: ${(error as Error).message}`);
  }
}

function found(account: AccountRecord | undefined, id: string): AccountRecord {
  if (account === undefined) throw new ApiFailure('not_found', `no account "${id}"`);
  return account;
}

function invalid(problem: string): ApiFailure {
  return new ApiFailure('invalid_request', problem, { problems: [problem] });
}

/**
 * Tells every replica after the commit. A failed publish does not undo the write: the
 * replicas reload every 60 s anyway, so it is logged and the write stands.
 */
export async function announce(deps: WriteDeps, channel: string, accountId: string): Promise<void> {
  if (deps.publish === undefined) return;
  try {
    await deps.publish(channel, encodeInvalidation(accountId));
  } catch (error) {
    deps.logger?.warn(
      { err: error, channel, account: accountId },
      'change saved but not announced: ingress replicas see it at their next periodic reload (60 s)',
    );
  }
}
