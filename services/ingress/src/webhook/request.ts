import type { IncomingMessage } from 'node:http';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import { logHash } from '@mpstack/common/logging';

/** The callback query WeChat appends to the configured URL. */
export interface CallbackQuery {
  readonly signature: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly openid: string | undefined;
  readonly encryptType: string | undefined;
  readonly msgSignature: string | undefined;
  readonly echostr: string | undefined;
}

export interface WebhookTarget {
  readonly accountId: string;
  readonly query: CallbackQuery;
}

/** Splits `/wx/<account>?…`; returns undefined for a path that is not the webhook. */
export function parseWebhookUrl(url: string): WebhookTarget | undefined {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const match = /^\/wx\/([^/]+)\/?$/.exec(path);
  if (match?.[1] === undefined) return undefined;
  let accountId: string;
  try {
    accountId = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  const params = queryParams(q === -1 ? '' : url.slice(q + 1));
  return {
    accountId,
    query: {
      signature: params.get('signature') ?? '',
      timestamp: params.get('timestamp') ?? '',
      nonce: params.get('nonce') ?? '',
      openid: params.get('openid') ?? undefined,
      encryptType: params.get('encrypt_type') ?? undefined,
      msgSignature: params.get('msg_signature') ?? undefined,
      echostr: params.get('echostr') ?? undefined,
    },
  };
}

/**
 * What a log line may carry of a callback request: the account, the timestamp and
 * `encrypt_type`, which credentials were present, and the openid as a {@link logHash}.
 * The signature, msg_signature, nonce and echostr are left out: with the timestamp they
 * make a signed URL that anyone reading the logs could replay within the window.
 */
export function loggableTarget(target: WebhookTarget): Readonly<Record<string, string | boolean>> {
  const { query } = target;
  return {
    account: target.accountId,
    timestamp: query.timestamp,
    hasSignature: query.signature !== '',
    hasMsgSignature: query.msgSignature !== undefined,
    ...(query.encryptType === undefined ? {} : { encryptType: query.encryptType }),
    ...(query.openid === undefined ? {} : { openidHash: logHash(query.openid) }),
  };
}

/** The subset of `URLSearchParams` the webhook reads: `get` (first occurrence wins). */
interface QueryParams {
  get(name: string): string | null;
}

/**
 * WeChat's query values are digits, hex, base64url-free openids: nothing to decode. Such a
 * query is split by hand (a `URLSearchParams` costs a microsecond per request); one with `%`
 * or `+` goes through `URLSearchParams`, so decoding stays exactly the platform's.
 */
function queryParams(search: string): QueryParams {
  if (search.includes('%') || search.includes('+')) return new URLSearchParams(search);
  const values = new Map<string, string>();
  for (const pair of search.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (!values.has(name)) values.set(name, eq === -1 ? '' : pair.slice(eq + 1));
  }
  return { get: (name) => values.get(name) ?? null };
}

/** Reads the body up to `limit` bytes; a larger body is refused without buffering it. */
export function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > limit) {
    return Promise.reject(new AppError(ErrorCode.bodyTooLarge, `body larger than ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new AppError(ErrorCode.bodyTooLarge, `body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    request.on('error', reject);
  });
}
