import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { WeChatApiClient } from '@mpstack/common/wechat-api';

/**
 * The shared WeChat client with the account → AppID lookup, for the console's calls
 * (templates, tags, token health). Undefined when the service runs with an injected
 * `OutboundApi` (tests of the pipeline alone): those calls then answer 503.
 */
export interface AccountClient {
  readonly client: WeChatApiClient;
  appIdOf(account: string): Promise<string>;
  /** Drops what is cached of the account (the console changed it): the next call reads `accounts` again. */
  forget(account: string): void;
}

export function requireClient(client: AccountClient | undefined): AccountClient {
  if (client === undefined) {
    throw new AppError(ErrorCode.unavailable, 'this business service has no WeChat client (an injected API)');
  }
  return client;
}
