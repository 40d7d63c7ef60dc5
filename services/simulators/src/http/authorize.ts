import type { Request } from 'express';
import type { AccountDirectory } from '../accounts.js';
import type { TokenStore } from '../token/token-store.js';
import type { SimAccount } from '../types.js';
import { queryParam } from './api-http.js';
import { WxApiError } from './wx-errors.js';

/** The account a request's `access_token` belongs to, or a thrown {@link WxApiError}. */
export type Authorize = (req: Request) => SimAccount;

/** The account an `access_token` (the query's, as given) belongs to, or a thrown {@link WxApiError}. */
export type AuthorizeToken = (token: string | undefined) => SimAccount;

/** 41001 missing, 40014 malformed, 40001 invalid, 42001 expired. */
export function tokenChecker(tokens: TokenStore, accounts: AccountDirectory): AuthorizeToken {
  return (token) => {
    const check = tokens.check(token);
    if ('errcode' in check) throw new WxApiError(check.errcode);
    const account = accounts.byAppId(check.appId);
    if (account === undefined) throw new WxApiError(40001);
    return account;
  };
}

/** {@link tokenChecker} on a request's `access_token` query parameter. */
export function tokenAuthorizer(tokens: TokenStore, accounts: AccountDirectory): Authorize {
  const check = tokenChecker(tokens, accounts);
  return (req) => check(queryParam(req, 'access_token'));
}
