import assert from 'node:assert/strict';
import { keepAliveFetch } from '../../src/sender/keep-alive-fetch.js';
import { type Listening, listen, readBody } from '../helpers.js';

describe('keepAliveFetch (the receipts’ keep-alive pool)', () => {
  const post = keepAliveFetch(2);
  let server: Listening | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  after(() => post.close());

  it('posts the body with its headers and gives the status and the answer as text (without a BOM)', async () => {
    const seen: { method?: string; type?: string; body?: string; url?: string } = {};
    server = await listen(async (req, res) => {
      Object.assign(seen, { method: req.method, type: req.headers['content-type'], url: req.url });
      seen.body = await readBody(req);
      res.statusCode = 202;
      res.end('\ufeffsuccess');
    });
    const response = await post(`${server.url}/wx/demo?nonce=1&timestamp=2`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: '<xml>事件</xml>',
    });
    assert.equal(response.status, 202);
    assert.equal(await response.text(), 'success');
    assert.deepEqual(seen, {
      method: 'POST',
      type: 'text/xml; charset=utf-8',
      url: '/wx/demo?nonce=1&timestamp=2',
      body: '<xml>事件</xml>',
    });
  });

  it('rejects when the signal aborts: a server that never answers, a signal aborted before the call', async () => {
    server = await listen(() => undefined);
    const started = performance.now();
    await assert.rejects(post(`${server.url}/wx`, { method: 'POST', body: 'x', signal: AbortSignal.timeout(100) }));
    assert.ok(performance.now() - started < 5_000, 'aborted by the signal, not by a socket timeout');
    const aborted = AbortSignal.abort(new Error('gone'));
    await assert.rejects(post(`${server.url}/wx`, { method: 'POST', body: 'x', signal: aborted }), /gone/);
  });

  it('rejects a refused connection', async () => {
    await assert.rejects(post('http://127.0.0.1:9/wx', { method: 'POST', body: 'x' }));
  });
});
