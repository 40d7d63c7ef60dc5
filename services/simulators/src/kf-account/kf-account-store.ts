/** One customer-service (kf) account, as `/cgi-bin/customservice/getkflist` lists it. */
export interface KfAccount {
  readonly kf_account: string;
  kf_nick: string;
  readonly kf_id: string;
  kf_headimg: string;
}

/** The kf accounts of every official account; ids are handed out from 1001, per account. */
export class KfAccountStore {
  private readonly accounts = new Map<string, Map<string, KfAccount>>();
  private readonly nextId = new Map<string, number>();

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
    return this.of(appId).delete(kfAccount);
  }

  reset(): void {
    this.accounts.clear();
    this.nextId.clear();
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
