import type { ServerResponse } from 'node:http';
import { errorResponse } from '@mpstack/common/http';
import { encryptReply } from '@mpstack/common/wechat';
import type { Account } from '../accounts/account.types.js';

/** The body WeChat takes as "received, nothing to show": no retry, no error to the user. */
export const successBody = 'success';

export function sendText(response: ServerResponse, status: number, body: string, contentType: string): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

export function sendError(response: ServerResponse, error: unknown): number {
  const { status, body } = errorResponse(error);
  if (!response.headersSent) sendText(response, status, JSON.stringify(body), 'application/json; charset=utf-8');
  else response.destroy();
  return status;
}

/**
 * Sends a passive reply: `success` as is; an XML reply encrypted with the key that
 * decrypted the request when the request was encrypted (docs/architecture.md §3).
 */
export function sendReply(
  response: ServerResponse,
  account: Account,
  replyXml: string,
  keyIndex: number | undefined,
  nonce: string,
  nowSeconds: number,
): void {
  if (replyXml === successBody) {
    sendText(response, 200, successBody, 'text/plain; charset=utf-8');
    return;
  }
  const key = keyIndex === undefined ? undefined : account.aesKeys[keyIndex];
  if (key === undefined) {
    sendText(response, 200, replyXml, 'application/xml; charset=utf-8');
    return;
  }
  const envelope = encryptReply({
    xml: replyXml,
    aesKey: key,
    appId: account.appId,
    token: account.token,
    timestamp: String(nowSeconds),
    nonce,
  });
  sendText(response, 200, envelope, 'application/xml; charset=utf-8');
}
