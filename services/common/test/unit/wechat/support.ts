import assert from 'node:assert/strict';
import { AppError } from '../../../src/errors/app-error.js';
import type { WxMessage } from '../../../src/wechat/message-types.js';
import { parseMessageXml } from '../../../src/wechat/messages.js';

export const head =
  '<ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>' +
  '<CreateTime>1700000000</CreateTime>';

export function body(inner: string): string {
  return `<xml>${head}${inner}</xml>`;
}

export function event(name: string, extra = ''): WxMessage {
  return parseMessageXml(body(`<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${name}]]></Event>${extra}`));
}

export function isAppError(code: string, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof AppError, `expected AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}
