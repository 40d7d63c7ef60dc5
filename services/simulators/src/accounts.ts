import type { SimAccount } from './types.js';

/** The simulated accounts, looked up by AppID (the API) or short id (the phone, `/_sim`). */
export class AccountDirectory {
  constructor(private readonly accounts: readonly SimAccount[]) {}

  list(): readonly SimAccount[] {
    return this.accounts;
  }

  byAppId(appId: string): SimAccount | undefined {
    return this.accounts.find((account) => account.appId === appId);
  }

  byId(id: string): SimAccount | undefined {
    return this.accounts.find((account) => account.id === id);
  }
}
