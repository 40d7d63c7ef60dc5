import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { Logger } from '@mpstack/common/logging';
import type { Account } from '../accounts/account.types.js';
import { verifyRequest } from './open-message.js';
import type { CallbackQuery } from './request.js';
import { sendText } from './respond.js';
import type { WebhookDeps } from './webhook.types.js';

/**
 * A disabled account (switched off in the console). A delivery WeChat signed is answered
 * `success` — the answer after which WeChat neither re-delivers nor shows the follower
 * "该公众号暂时无法提供服务，请稍后再试" — and nothing else happens: not decrypted, not
 * claimed, not forwarded, not logged as a message. A URL verification (GET) is refused with
 * 403 `account_disabled`, so the account cannot be connected in WeChat's backend while it is
 * off. An unsigned or forged request gets its 401 as for any account. See docs/architecture.md.
 */
export function refuseDisabled(
  deps: WebhookDeps,
  refusals: RefusalLog,
  account: Account,
  query: CallbackQuery,
  request: IncomingMessage,
  response: ServerResponse,
): { readonly msgType: string; readonly outcome: string } {
  request.resume();
  verifyRequest(account, query, Math.floor(deps.clock() / 1000), deps.settings.timestampWindowSeconds);
  if (request.method !== 'POST') {
    throw new AppError(ErrorCode.accountDisabled, `account ${account.id} is disabled in the console`);
  }
  sendText(response, 200, 'success', 'text/plain; charset=utf-8');
  refusals.note(account.id);
  return { msgType: 'none', outcome: 'account_disabled' };
}

/**
 * Logs refused deliveries without a line per request: the first refusal of an account at once,
 * then at most one line per interval with the count since the last line.
 */
export class RefusalLog {
  private readonly last = new Map<string, { at: number; count: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: () => number,
    private readonly intervalMs = 60_000,
  ) {}

  note(accountId: string): void {
    const now = this.clock();
    const entry = this.last.get(accountId);
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.count += 1;
      return;
    }
    this.logger.warn(
      { account: accountId, refused: (entry?.count ?? 0) + 1 },
      'delivery to a disabled account refused: answered "success" (WeChat neither retries nor shows an error), the message dropped',
    );
    this.last.set(accountId, { at: now, count: 0 });
  }
}
