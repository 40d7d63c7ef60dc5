import type { Db } from '@mpstack/common/db';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { Logger } from '@mpstack/common/logging';
import type { CoordinationPort } from '@mpstack/common/ports';
import type { Telemetry } from '@mpstack/common/telemetry';
import { createWeChatApiClient, type WeChatApiClient, type WeChatApiConfig } from '@mpstack/common/wechat-api';
import type { AccountClient } from './account-client.js';
import { AccountLimitsCache } from './account-limits.js';
import type { OutboundApi } from './outbound-api.js';

/**
 * The pipeline's WeChat calls through the shared client (`@mpstack/common/wechat-api`): one
 * access_token per appid for every replica, host failover, −1 / 45011 retries, the template and
 * mass token buckets, the daily quotas. Accounts are the pipeline's ids; the client speaks
 * AppIDs — both read from `accounts`; the AppID is cached until the console announces a change
 * of the account (`AccountClient.forget`, on the accounts invalidation channel).
 */
export function clientOutboundApi(client: WeChatApiClient, appIdOf: (account: string) => Promise<string>): OutboundApi {
  return {
    async sendTemplate(account, message) {
      return (await client.sendTemplate(await appIdOf(account), message)).msgid;
    },
    async sendCustom(account, message) {
      await client.sendCustomMessage(await appIdOf(account), message);
    },
    async sendAll(account, message) {
      const result = await client.call(await appIdOf(account), 'massSendAll', { body: message });
      const msgDataId = result['msg_data_id'];
      return {
        msgId: String(result['msg_id']),
        ...(msgDataId === undefined ? {} : { msgDataId: String(msgDataId) }),
      };
    },
    async preview(account, message) {
      await client.call(await appIdOf(account), 'massPreview', { body: message });
    },
    async deleteMass(account, msgId) {
      await client.call(await appIdOf(account), 'massDelete', { body: { msg_id: msgId, article_idx: 0 } });
    },
  };
}

/** The shared client over the service's coordination port, secrets and AppIDs from `accounts`. */
export function createOutboundClient(
  config: WeChatApiConfig,
  db: Db,
  coordination: CoordinationPort,
  telemetry: Telemetry,
  logger?: Logger,
): { readonly api: OutboundApi; readonly client: WeChatApiClient; readonly accounts: AccountClient } {
  // The account's own rates and quotas (the console's), else the configuration's.
  const limits = new AccountLimitsCache({ db, ...(logger === undefined ? {} : { logger }) });
  const client = createWeChatApiClient(config, {
    coordination,
    telemetry: { meter: telemetry.meter, tracer: telemetry.tracer, isTracing: telemetry.isTracing },
    accountRates: async (appId) => (await limits.of(appId))?.rates,
    accountQuotas: async (appId) => (await limits.of(appId))?.dailyQuotas,
    secrets: {
      async appSecret(appId) {
        const row = await db.selectFrom('accounts').select('app_secret').where('app_id', '=', appId).executeTakeFirst();
        if (row === undefined) throw new AppError(ErrorCode.notFound, `no account has AppID ${appId}`);
        return row.app_secret;
      },
    },
  });
  // One lookup per account, shared by the sends that start before it answers; a failed one is forgotten.
  const appIds = new Map<string, Promise<string>>();
  const appIdOf = (account: string) => {
    let appId = appIds.get(account);
    if (appId === undefined) {
      appId = (async () => {
        const row = await db.selectFrom('accounts').select('app_id').where('id', '=', account).executeTakeFirst();
        if (row === undefined) throw new AppError(ErrorCode.notFound, `account "${account}" does not exist`);
        return row.app_id;
      })();
      appIds.set(account, appId);
      appId.catch(() => appIds.delete(account));
    }
    return appId;
  };
  const forget = (account: string) => {
    appIds.delete(account);
    limits.forget();
  };
  return { api: clientOutboundApi(client, appIdOf), client, accounts: { client, appIdOf, forget } };
}
