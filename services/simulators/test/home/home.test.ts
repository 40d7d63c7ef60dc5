import assert from 'node:assert/strict';
import { AdjustableClock, createSimulator } from '../../src/index.js';
import { type Listening, listen, safeAccount, testAccount } from '../helpers.js';

describe('the simulator’s base URL', () => {
  let server: Listening;
  const safe = safeAccount();

  before(async () => {
    const clock = new AdjustableClock({ isFrozen: true, startAt: 1_700_000_000_000 });
    const { app } = createSimulator({
      clock,
      accounts: [safe, testAccount()],
      ingressBaseUrl: 'http://127.0.0.1:8080',
    });
    server = await listen(app);
  });
  after(() => server.close());

  it('serves an index page: what it simulates, each account’s credentials, the phone link and the endpoints', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    const page = await response.text();
    assert.match(page, /api\.weixin\.qq\.com/);
    for (const value of [safe.appId, safe.appSecret, safe.token, safe.encodingAesKey ?? '', 'gh_safe']) {
      assert.ok(page.includes(`<code>${value}</code>`), `the page shows ${value}`);
    }
    assert.ok(page.includes('<code>http://127.0.0.1:8080/wx/safe</code>'), 'the URL messages are pushed to');
    assert.match(page, /href="\/phone"/);
    for (const endpoint of [
      'POST /cgi-bin/menu/create',
      'GET /cgi-bin/token',
      'GET /sns/userinfo',
      'POST /_sim/reset',
    ]) {
      assert.ok(page.includes(`<code>${endpoint}</code>`), `the page lists ${endpoint}`);
    }
  });

  it('answers an unknown API path with WeChat’s JSON error (48001), never an HTML 404', async () => {
    for (const path of ['/cgi-bin/no/such/api?access_token=x', '/sns/nothing', '/customservice/foo', '/nope']) {
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${server.url}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
        assert.equal(response.status, 200, `${method} ${path}`);
        assert.match(response.headers.get('content-type') ?? '', /application\/json/);
        const body = (await response.json()) as { errcode: number; errmsg: string };
        assert.equal(body.errcode, 48001, `${method} ${path}`);
        assert.match(body.errmsg, /^api unauthorized rid: [0-9a-f]{8}-/);
      }
    }
  });

  it('answers a known path called with the wrong method with 43002 / 43001', async () => {
    const get = (await (await fetch(`${server.url}/cgi-bin/menu/create`)).json()) as { errcode: number };
    assert.equal(get.errcode, 43002, 'menu/create needs POST');
    const post = (await (await fetch(`${server.url}/cgi-bin/user/get`, { method: 'POST', body: '{}' })).json()) as {
      errcode: number;
    };
    assert.equal(post.errcode, 43001, 'user/get needs GET');
  });

  it('answers an unknown control or phone path, and a control body it cannot parse, with its JSON error', async () => {
    for (const path of ['/_sim/nothing', '/phone/api/nothing']) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 404, path);
      assert.deepEqual(Object.keys((await response.json()) as object), ['error']);
    }
    const broken = await fetch(`${server.url}/_sim/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal(broken.status, 400);
    assert.equal(((await broken.json()) as { error: { code: string } }).error.code, 'bad_request');
  });
});
