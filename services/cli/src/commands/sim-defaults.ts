import { demoAccount } from '../dev/demo-account.js';

/** Defaults: the demo account of `mpstack dev` on its default port. */
export const simSendDefaults = {
  url: `http://127.0.0.1:8080/wx/${demoAccount.id}`,
  appid: demoAccount.appId,
  token: demoAccount.token,
  aesKey: demoAccount.encodingAesKey,
  mode: demoAccount.encryptMode,
  from: 'o_mpstack_cli_user',
  to: demoAccount.originalId,
  simulator: 'http://127.0.0.1:9090',
  waitMs: 3000,
} as const;
