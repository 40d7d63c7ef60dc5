import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keepAliveFetch } from '../../src/sender/keep-alive-fetch.js';
import { AnswerTimeout } from '../../src/sender/origin-pool.js';
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

  it('reads a chunked answer and one the server closes the connection after, then posts again', async () => {
    let n = 0;
    server = await listen((req, res) => {
      req.resume();
      n += 1;
      if (n === 1) {
        res.write('succ');
        res.end('ess');
      } else {
        res.setHeader('connection', 'close');
        res.end(`answer ${n}`);
      }
    });
    assert.equal(await (await post(`${server.url}/wx`, { method: 'POST', body: 'a' })).text(), 'success');
    assert.equal(await (await post(`${server.url}/wx`, { method: 'POST', body: 'b' })).text(), 'answer 2');
    assert.equal(await (await post(`${server.url}/wx`, { method: 'POST', body: 'c' })).text(), 'answer 3');
  });

  it('opens a new connection when the server closed an idle one (its keep-alive timeout)', async () => {
    const http = createServer((req, res) => {
      req.resume();
      res.end('success');
    });
    http.keepAliveTimeout = 50;
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/wx`;
    try {
      assert.equal((await post(url, { method: 'POST', body: 'a' })).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal((await post(url, { method: 'POST', body: 'b' })).status, 200);
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it('within: rejects with AnswerTimeout when the whole answer is late, and closes that connection', async () => {
    let closed = false;
    server = await listen((req, res) => {
      req.socket.once('close', () => {
        closed = true;
      });
      res.write('succ');
    });
    const started = performance.now();
    await assert.rejects(post.within(`${server.url}/wx`, { method: 'POST', body: 'x' }, 100), AnswerTimeout);
    assert.ok(performance.now() - started < 2_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed, true);
  });
});
