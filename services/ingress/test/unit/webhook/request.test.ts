import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { AppError } from '@mpstack/common/errors';
import fc from 'fast-check';
import { parseWebhookUrl, readBody } from '../../../src/webhook/request.js';

/** A request stream with headers, fed by the test. */
function fakeRequest(headers: Record<string, string> = {}): PassThrough & { headers: Record<string, string> } {
  return Object.assign(new PassThrough(), { headers });
}

const asRequest = (stream: PassThrough): IncomingMessage => stream as unknown as IncomingMessage;

function isTooLarge(error: unknown): boolean {
  return error instanceof AppError && error.code === 'body_too_large';
}

describe('webhook/parseWebhookUrl', () => {
  it('reads the account and every callback parameter', () => {
    const target = parseWebhookUrl(
      '/wx/demo?signature=s&timestamp=1700000000&nonce=42&openid=oU&encrypt_type=aes&msg_signature=m&echostr=e',
    );
    assert.deepEqual(target, {
      accountId: 'demo',
      query: {
        signature: 's',
        timestamp: '1700000000',
        nonce: '42',
        openid: 'oU',
        encryptType: 'aes',
        msgSignature: 'm',
        echostr: 'e',
      },
    });
  });

  it('accepts a trailing slash and a percent-encoded account, and defaults missing parameters', () => {
    assert.equal(parseWebhookUrl('/wx/demo/')?.accountId, 'demo');
    assert.equal(parseWebhookUrl('/wx/caf%C3%A9?x=1')?.accountId, 'café');
    assert.deepEqual(parseWebhookUrl('/wx/demo')?.query, {
      signature: '',
      timestamp: '',
      nonce: '',
      openid: undefined,
      encryptType: undefined,
      msgSignature: undefined,
      echostr: undefined,
    });
  });

  it('reads any query exactly as URLSearchParams does (repeats, empty values, encoded or not)', () => {
    const names = ['signature', 'timestamp', 'nonce', 'openid', 'encrypt_type', 'msg_signature', 'echostr', 'x', ''];
    const piece = fc.oneof(fc.constantFrom('a', '1', '=', '&', '%20', '%', '+', '%E4%BD%A0', '-_.~'), fc.string());
    const pair = fc.tuple(fc.constantFrom(...names), fc.array(piece, { maxLength: 4 }), fc.boolean());
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 10 }), (pairs) => {
        const search = pairs.map(([name, value, bare]) => (bare ? name : `${name}=${value.join('')}`)).join('&');
        const params = new URLSearchParams(search);
        const query = parseWebhookUrl(`/wx/demo?${search}`)?.query;
        assert.deepEqual(query, {
          signature: params.get('signature') ?? '',
          timestamp: params.get('timestamp') ?? '',
          nonce: params.get('nonce') ?? '',
          openid: params.get('openid') ?? undefined,
          encryptType: params.get('encrypt_type') ?? undefined,
          msgSignature: params.get('msg_signature') ?? undefined,
          echostr: params.get('echostr') ?? undefined,
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves other paths (and undecodable account names) to the rest of the app', () => {
    for (const url of ['/healthz', '/wx', '/wx/', '/wx/a/b', '/api/wx/demo', '/wx/%E0%A4%A?x=1']) {
      assert.equal(parseWebhookUrl(url), undefined, url);
    }
  });
});

describe('webhook/readBody', () => {
  it('returns the body as UTF-8, including a 4-byte character split across chunks', async () => {
    const request = fakeRequest();
    const body = readBody(asRequest(request), 1024);
    const bytes = Buffer.from('<xml>😀𠮷</xml>', 'utf8');
    request.write(bytes.subarray(0, 7));
    request.write(bytes.subarray(7, 9));
    request.end(bytes.subarray(9));
    assert.equal(await body, '<xml>😀𠮷</xml>');
  });

  it('accepts a body of exactly the limit', async () => {
    const request = fakeRequest();
    const body = readBody(asRequest(request), 16);
    request.end('x'.repeat(16));
    assert.equal((await body).length, 16);
  });

  it('refuses a declared Content-Length above the limit without reading the body', async () => {
    const request = fakeRequest({ 'content-length': '65537' });
    await assert.rejects(readBody(asRequest(request), 65_536), isTooLarge);
    assert.equal(request.readableFlowing, null, 'the body was not consumed');
  });

  it('refuses a streamed body once it passes the limit (no Content-Length, e.g. chunked)', async () => {
    const request = fakeRequest();
    const body = readBody(asRequest(request), 100);
    request.write('x'.repeat(60));
    request.write('x'.repeat(60));
    await assert.rejects(body, isTooLarge);
    request.end('more data is drained, not buffered');
  });
});
