import assert from 'node:assert/strict';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount({ oauthDomains: ['app.example.com', '127.0.0.1:3000'] });

describe('QR tickets shaped like WeChat’s', () => {
  let api: ApiHarness;
  let token: string;
  before(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  after(() => api.close());

  const create = (body: unknown) => api.post(`/cgi-bin/qrcode/create?access_token=${token}`, body);

  it('is 96 characters of URL-safe base64 ending in ==, decoding to the record with the code’s URL and times', async () => {
    for (let i = 0; i < 20; i++) {
      const code = await create({
        action_name: 'QR_SCENE',
        expire_seconds: 600,
        action_info: { scene: { scene_id: i + 1 } },
      });
      const ticket = String(code.ticket);
      assert.match(ticket, /^gQ[A-Za-z0-9_-]{92}==$/);
      const record = Buffer.from(ticket, 'base64url');
      assert.deepEqual([...record.subarray(0, 2)], [0x81, 0x01]);
      assert.ok(record.toString('latin1').includes(`${String(code.url)}\u0000`), 'the URL is inside the ticket');
      assert.match(String(code.url), /^http:\/\/weixin\.qq\.com\/q\/[A-Za-z0-9]{20}$/);
      const created = record.readUInt32LE(record.length - 10);
      const expires = record.readUInt32LE(record.length - 4);
      assert.equal(expires - created, 600);
    }
  });

  it('shows the image for the URL-encoded ticket, the raw one, a double-encoded one and a standard-base64 spelling', async () => {
    const code = await create({ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'shop-1' } } });
    const ticket = String(code.ticket);
    const show = (query: string) => fetch(`${api.url}/cgi-bin/showqrcode?ticket=${query}`);
    const standard = ticket.replace(/-/g, '+').replace(/_/g, '/');
    for (const query of [
      encodeURIComponent(ticket),
      ticket,
      encodeURIComponent(encodeURIComponent(ticket)),
      encodeURIComponent(standard),
      standard,
    ]) {
      const response = await show(query);
      assert.equal(response.status, 200, query);
      assert.equal(response.headers.get('content-type'), 'image/png');
    }
    assert.equal((await show(encodeURIComponent(`${ticket.slice(0, -4)}AAA=`))).status, 404);
  });
});

describe('OAuth redirect_uri checked against the account’s 网页授权域名', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await startApi([account, testAccount({ id: 'open', appId: 'wxopen0000000001' })]);
  });
  afterEach(() => api.close());

  const authorize = (redirectUri: string, appId = account.appId) =>
    fetch(
      `${api.url}/connect/oauth2/authorize?${new URLSearchParams({
        appid: appId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'snsapi_base',
        state: 's',
      })}#wechat_redirect`,
      { redirect: 'manual' },
    );

  it('redirects to a page on an authorized domain (exact host, or host:port when the entry has one)', async () => {
    for (const uri of ['https://app.example.com/cb', 'http://APP.example.com:8443/x?y=1', 'http://127.0.0.1:3000/cb']) {
      const response = await authorize(uri);
      assert.equal(response.status, 302, uri);
      assert.equal(new URL(response.headers.get('location') ?? '').searchParams.get('state'), 's');
    }
  });

  it('shows the 10003 page for another domain, a subdomain, a parent domain or another port — no code issued', async () => {
    for (const uri of [
      'https://evil.example.net/cb',
      'https://pay.app.example.com/cb',
      'https://example.com/cb',
      'http://127.0.0.1:3001/cb',
    ]) {
      const response = await authorize(uri);
      assert.equal(response.status, 400, uri);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      const page = await response.text();
      assert.match(page, /redirect_uri域名与后台配置不一致/);
      assert.match(page, /10003/);
    }
  });

  it('does not check an account without configured domains, and the domains change through /_sim', async () => {
    assert.equal((await authorize('https://anything.example.org/cb', 'wxopen0000000001')).status, 302);
    const set = await fetch(`${api.url}/_sim/accounts/open/oauth-domains`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domains: ['h5.example.org'] }),
    });
    assert.deepEqual(await set.json(), { oauthDomains: ['h5.example.org'] });
    assert.equal((await authorize('https://anything.example.org/cb', 'wxopen0000000001')).status, 400);
    assert.equal((await authorize('https://h5.example.org/cb', 'wxopen0000000001')).status, 302);
    const bad = await fetch(`${api.url}/_sim/accounts/open/oauth-domains`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domains: ['https://h5.example.org/'] }),
    });
    assert.equal(bad.status, 400);
    await api.post('/_sim/reset', {});
    assert.equal(
      (await authorize('https://anything.example.org/cb', 'wxopen0000000001')).status,
      302,
      'reset restores',
    );
  });
});
