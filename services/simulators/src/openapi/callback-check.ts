import type { Request, Response, Router } from 'express';
import { jsonBody } from '../http/api-http.js';
import type { Authorize } from '../http/authorize.js';
import { WxApiError } from '../http/wx-errors.js';
import type { SimAccount } from '../types.js';

const actions: ReadonlySet<string> = new Set(['dns', 'ping', 'all']);
const operators: ReadonlySet<string> = new Set(['CHINANET', 'UNICOM', 'CAP', 'DEFAULT']);

/**
 * The simulator reaches the callback from this machine: DNS resolves to, and pings go to,
 * 127.0.0.1 (as `getcallbackip` reports it), without loss. DEFAULT ("WeChat picks by your
 * server's operator") has no operator to pick for a loopback address; CHINANET stands in.
 */
const loopback = '127.0.0.1';

export interface CallbackCheckDeps {
  readonly authorize: Authorize;
  readonly callbackUrlOf: (account: SimAccount) => string | undefined;
}

/** Whether the account has a callback URL WeChat could check (http or https). */
function hasCallbackUrl(url: string | undefined): boolean {
  if (url === undefined) return false;
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/**
 * `callback/check` (api_callbackcheck): `action` dns | ping | all (40202 otherwise),
 * `check_operator` CHINANET | UNICOM | CAP | DEFAULT (40203), 40201 when the account has no
 * valid callback URL. Answers `dns` and `ping` lists, each empty when the action leaves it out.
 */
export function addCallbackCheckRoute(router: Router, { authorize, callbackUrlOf }: CallbackCheckDeps): void {
  router.post('/cgi-bin/callback/check', (req: Request, res: Response) => {
    const account = authorize(req);
    const { action, check_operator: operator } = jsonBody(req);
    if (typeof action !== 'string' || !actions.has(action)) throw new WxApiError(40202);
    if (typeof operator !== 'string' || !operators.has(operator)) throw new WxApiError(40203);
    if (!hasCallbackUrl(callbackUrlOf(account))) throw new WxApiError(40201);
    const carrier = operator === 'DEFAULT' ? 'CHINANET' : operator;
    const dns = action === 'ping' ? [] : [{ ip: loopback, real_operator: carrier }];
    const ping =
      action === 'dns' ? [] : [{ ip: loopback, from_operator: carrier, package_loss: '0%', time: '0.000ms' }];
    res.json({ dns, ping });
  });
}
