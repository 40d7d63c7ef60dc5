import assert from 'node:assert/strict';
import { Http1Error, Http1ResponseReader } from '../../src/sender/http1-response.js';

/** Feeds `text` one byte at a time (the worst split) and returns the answer when it completes. */
function feedBytewise(text: string) {
  const reader = new Http1ResponseReader();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i++) {
    const answer = reader.feed(bytes.subarray(i, i + 1));
    if (answer !== undefined) return { answer, at: i + 1, length: bytes.length };
  }
  return { answer: undefined, reader };
}

describe('Http1ResponseReader (the receipts’ answers)', () => {
  it('reads a Content-Length body split anywhere, reusable under keep-alive, with the server’s Keep-Alive timeout', () => {
    const { answer, at, length } = feedBytewise(
      'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 7\r\n\r\nsuccess',
    );
    assert.equal(at, length);
    assert.equal(answer?.status, 200);
    assert.equal(answer?.body.toString(), 'success');
    assert.equal(answer?.isReusable, true);
    assert.equal(answer?.keepAliveMs, 5000);
  });

  it('decodes a chunked body with extensions and trailers', () => {
    const { answer } = feedBytewise(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nsuc\r\n4\r\ncess\r\n0\r\nX-T: 1\r\n\r\n',
    );
    assert.equal(answer?.body.toString(), 'success');
    assert.equal(answer?.isReusable, true);
  });

  it('skips an interim 100 Continue, and reads 204 without a body', () => {
    const { answer } = feedBytewise('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
    assert.equal(answer?.status, 204);
    assert.equal(answer?.body.length, 0);
    assert.equal(answer?.isReusable, true);
  });

  it('does not reuse a connection the server closes, an HTTP/1.0 one without keep-alive, or one with bytes after the answer', () => {
    const closing = new Http1ResponseReader().feed(
      Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'),
    );
    assert.equal(closing?.isReusable, false);
    const old = new Http1ResponseReader().feed(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    assert.equal(old?.isReusable, false);
    const oldKept = new Http1ResponseReader().feed(
      Buffer.from('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok'),
    );
    assert.equal(oldKept?.isReusable, true);
    const extra = new Http1ResponseReader().feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP'));
    assert.equal(extra?.body.toString(), 'ok');
    assert.equal(extra?.isReusable, false);
  });

  it('reads the header names in any case and Connection as a list of tokens, over several lines', () => {
    const read = (text: string) => new Http1ResponseReader().feed(Buffer.from(text));
    const mixed = read(
      'HTTP/1.1 200 OK\r\nX-Long-Header-Name: 1\r\ncontent-LENGTH :  2 \r\nKEEP-ALIVE: max=9, timeout=3\r\n\r\nok',
    );
    assert.deepEqual(
      { ...mixed, body: mixed?.body.toString() },
      {
        status: 200,
        body: 'ok',
        isReusable: true,
        keepAliveMs: 3000,
      },
    );
    const listed = read(
      'HTTP/1.1 200 OK\r\nConnection: upgrade\r\nConnection: Upgrade , CLOSE\r\nContent-Length: 0\r\n\r\n',
    );
    assert.equal(listed?.isReusable, false, 'close in the second Connection line');
    const closer = read('HTTP/1.1 200 OK\r\nConnection: closer\r\nContent-Length: 0\r\n\r\n');
    assert.equal(closer?.isReusable, true, 'a token is matched whole');
    const old = read('HTTP/1.0 200 OK\r\nConnection: Upgrade, Keep-Alive\r\nContent-Length: 0\r\n\r\n');
    assert.equal(old?.isReusable, true);
    assert.equal(read('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')?.keepAliveMs, undefined);
    assert.throws(() => read('HTTP/1.1 200 OK\r\n: no name\r\n\r\n'), Http1Error);
  });

  it('reads a body without length up to the end of the connection', () => {
    const reader = new Http1ResponseReader();
    assert.equal(reader.feed(Buffer.from('HTTP/1.1 500 Internal Server Error\r\n\r\nboom')), undefined);
    const answer = reader.end();
    assert.equal(answer?.status, 500);
    assert.equal(answer?.body.toString(), 'boom');
    assert.equal(answer?.isReusable, false);
    const cut = new Http1ResponseReader();
    cut.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nsucc'));
    assert.equal(cut.end(), undefined, 'a body cut short is no answer');
  });

  it('refuses what is not HTTP/1.x, a malformed or conflicting length, and a bad chunk', () => {
    const reading = (text: string) => () => new Http1ResponseReader().feed(Buffer.from(text));
    assert.throws(reading('SSH-2.0-OpenSSH\r\n\r\n'), Http1Error);
    assert.throws(reading('HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n'), Http1Error);
    assert.throws(reading('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'), Http1Error);
    assert.throws(reading('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), Http1Error);
  });
});
