/** Where an invitation to bind a WeChat user to a kf account stands, as getkflist words it. */
export type InviteStatus = 'waiting' | 'rejected' | 'expired';

/**
 * One customer-service (kf) account, as `/cgi-bin/customservice/getkflist` lists it: the
 * invitation fields appear once `kfaccount/inviteworker` was called, `kf_wx` once a WeChat
 * user accepted (api.json getKfList / kfAccountInviteWorker notes).
 */
export interface KfAccount {
  readonly kf_account: string;
  kf_nick: string;
  readonly kf_id: string;
  kf_headimg: string;
  /** The WeChat ID bound to the account: only a bound account can serve sessions (65402). */
  kf_wx?: string;
  invite_wx?: string;
  /** Unix seconds. */
  invite_expire_time?: number;
  invite_status?: InviteStatus;
}

/**
 * How long an invitation waits for the WeChat user. The reference gives no lifetime; the
 * simulator keeps one a week (the clock can be moved past it).
 */
export const inviteLifetimeMs = 7 * 24 * 3600_000;

/** The kf accounts of every official account; ids are handed out from 1001, per account. */
export class KfAccountStore {
  private readonly accounts = new Map<string, Map<string, KfAccount>>();
  private readonly nextId = new Map<string, number>();
  /** `${appId}:${kf_account}` of the accounts whose agent went offline (all start online). */
  private readonly offline = new Set<string>();

  list(appId: string): readonly KfAccount[] {
    return [...this.of(appId).values()];
  }

  get(appId: string, kfAccount: string): KfAccount | undefined {
    return this.of(appId).get(kfAccount);
  }

  add(appId: string, kfAccount: string, nickname: string): KfAccount {
    const id = this.nextId.get(appId) ?? 1001;
    this.nextId.set(appId, id + 1);
    const record: KfAccount = { kf_account: kfAccount, kf_nick: nickname, kf_id: String(id), kf_headimg: '' };
    this.of(appId).set(kfAccount, record);
    return record;
  }

  delete(appId: string, kfAccount: string): boolean {
    this.offline.delete(`${appId}:${kfAccount}`);
    return this.of(appId).delete(kfAccount);
  }

  /** Marks waiting invitations whose time is up as expired (call before reading invitations). */
  expireInvites(appId: string, now: number): void {
    for (const kf of this.of(appId).values()) {
      if (kf.invite_status === 'waiting' && (kf.invite_expire_time ?? 0) * 1000 <= now) kf.invite_status = 'expired';
    }
  }

  invite(record: KfAccount, inviteWx: string, now: number): void {
    record.invite_wx = inviteWx;
    record.invite_expire_time = Math.floor((now + inviteLifetimeMs) / 1000);
    record.invite_status = 'waiting';
  }

  /** The invited WeChat user's answer: accepting binds the account and clears the invitation. */
  answerInvite(record: KfAccount, accept: boolean): void {
    if (!accept) {
      record.invite_status = 'rejected';
      return;
    }
    if (record.invite_wx !== undefined) record.kf_wx = record.invite_wx;
    delete record.invite_wx;
    delete record.invite_expire_time;
    delete record.invite_status;
  }

  isOnline(appId: string, kfAccount: string): boolean {
    return !this.offline.has(`${appId}:${kfAccount}`);
  }

  setOnline(appId: string, kfAccount: string, isOnline: boolean): void {
    if (isOnline) this.offline.delete(`${appId}:${kfAccount}`);
    else this.offline.add(`${appId}:${kfAccount}`);
  }

  reset(): void {
    this.accounts.clear();
    this.nextId.clear();
    this.offline.clear();
  }

  private of(appId: string): Map<string, KfAccount> {
    let accounts = this.accounts.get(appId);
    if (accounts === undefined) {
      accounts = new Map();
      this.accounts.set(appId, accounts);
    }
    return accounts;
  }
}
