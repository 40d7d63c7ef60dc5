import { jssdkSignature, msgSignature, urlSignature } from '@mpstack/common/wechat';
import { type CommandResult, missingOptions, succeeded } from './io.js';

export interface SignOptions {
  readonly token?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly nonce?: string | undefined;
  /** With it, the result is `msg_signature` (safe/compatible mode); without, `signature`. */
  readonly encrypt?: string | undefined;
}

/** `mpstack wx sign`: the signature WeChat would put on a callback URL. */
export function runSign(options: SignOptions): CommandResult {
  const { token = '', timestamp = '', nonce = '', encrypt } = options;
  const usage = missingOptions({ '--token': token, '--timestamp': timestamp, '--nonce': nonce });
  if (usage !== undefined) return usage;
  const signature =
    encrypt === undefined ? urlSignature(token, timestamp, nonce) : msgSignature(token, timestamp, nonce, encrypt);
  return succeeded(`${signature}\n`);
}

export interface JssdkSignOptions {
  readonly ticket?: string | undefined;
  readonly noncestr?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly url?: string | undefined;
}

/** `mpstack wx jssdk-sign`: the `wx.config` signature for a page URL (its #fragment ignored). */
export function runJssdkSign(options: JssdkSignOptions): CommandResult {
  const { ticket = '', noncestr = '', timestamp = '', url = '' } = options;
  const usage = missingOptions({ '--ticket': ticket, '--noncestr': noncestr, '--timestamp': timestamp, '--url': url });
  if (usage !== undefined) return usage;
  return succeeded(`${jssdkSignature(ticket, noncestr, timestamp, url)}\n`);
}
