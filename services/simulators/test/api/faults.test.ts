import assert from 'node:assert/strict';
import { FaultStore, type RunningSimulator, startSimulator } from '../../src/index.js';
import { type ApiHarness, fetchToken, getJson, startApi, testAccount } from '../helpers.js';

const account = testAccount();
const sendPath = '/cgi-bin/message/template/send';

/** The cause code of a failed fetch (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET …). */
async function networkError(url: string): Promise<string> {
  try {
    await fetch(url);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? 'failed';
  }
  return 'answered';
}

describe('simulator fault controls (/_sim/faults, /_sim/quotas, /_sim/calls, secret reset)', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  const send = (body: Record<string, unknown> = {}) =>
    api.post(`${sendPath}?access_token=${token}`, { touser: 'o_alice', template_id: 'tpl-order', ...body });
  const calls = async () =>
    (
      (await api.get(`/_sim/calls?api=${encodeURIComponent(sendPath)}&appid=demo`)).calls as Record<string, unknown>[]
    )[0];

  it('answers an injected errcode for N calls without sending, then the API again; the counters say so', async () => {
    const created = await api.post('/_sim/faults', { api: sendPath, errcode: -1, times: 2 });
    assert.equal((created.fault as { id: number }).id > 0, true);
    assert.equal((await send()).errcode, -1);
    assert.equal((await send()).errcode, -1);
    assert.equal((await send()).errcode, 0);
    assert.equal(api.state.templateSends().length, 1, 'the faulted calls sent nothing');
    assert.deepEqual(await calls(), {
      api: sendPath,
      appId: account.appId,
      calls: 3,
      ok: 1,
      errcodes: { '-1': 2 },
      injected: 2,
      byOpenid: { o_alice: { calls: 3, ok: 1 } },
    });
    assert.deepEqual((await api.get('/_sim/faults')).faults, [], 'a fault with times disappears when used up');
  });

  it('answers 45011 or a 5xx HTML page from the front proxy, only for the named API and account', async () => {
    await api.post('/_sim/faults', { api: sendPath, status: 502, account: 'demo' });
    const response = await fetch(`${api.url}${sendPath}?access_token=${token}`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 502);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await response.text(), /502/);
    // Another API of the same account is untouched.
    assert.equal(typeof (await api.get(`/cgi-bin/user/get?access_token=${token}`)).total, 'number');
    await fetch(`${api.url}/_sim/faults`, { method: 'DELETE' });
    await api.post('/_sim/faults', { api: '*', errcode: 45011, times: 1 });
    assert.equal((await api.get(`/cgi-bin/user/get?access_token=${token}`)).errcode, 45011);
    assert.equal((await send()).errcode, 0);
  });

  it('drops the connection before the send, or after it took effect (the send is recorded, the answer lost)', async () => {
    await api.post('/_sim/faults', { api: sendPath, drop: true, times: 1 });
    const url = `${api.url}${sendPath}?access_token=${token}`;
    const body = JSON.stringify({ touser: 'o_alice', template_id: 'tpl-order', client_msg_id: 'push-1' });
    await assert.rejects(fetch(url, { method: 'POST', body }));
    assert.equal(api.state.templateSends().length, 0);
    await api.post('/_sim/faults', { api: sendPath, drop: true, times: 1, phase: 'after' });
    await assert.rejects(fetch(url, { method: 'POST', body }));
    assert.equal(api.state.templateSends().length, 1, 'the send went out although its answer was dropped');
    // The retry with the same client_msg_id gets the first msgid back: one send in all.
    const retry = (await (await fetch(url, { method: 'POST', body })).json()) as { msgid: number };
    assert.equal(retry.msgid, api.state.templateSends()[0]?.msgid);
    assert.equal(api.state.templateSends().length, 1);
    const counted = await calls();
    assert.deepEqual(counted?.errcodes, { dropped: 2 });
    assert.equal(counted?.injected, 2);
  });

  it('delays a call by delayMs and then answers normally', async () => {
    await api.post('/_sim/faults', { api: sendPath, delayMs: 30, times: 1 });
    assert.equal((await send()).errcode, 0);
    assert.equal((await calls())?.injected, 0, 'a delay alone is not a failure');
  });

  it('refuses malformed fault and quota specs with a 400 that says why', async () => {
    for (const bad of [
      { api: 'template/send', errcode: -1 },
      { api: sendPath },
      { api: sendPath, errcode: -1, status: 503 },
      { api: sendPath, status: 404 },
      { api: sendPath, errcode: -1, probability: 2 },
      { api: sendPath, errcode: -1, times: 0 },
      { api: sendPath, errcode: -1, account: 'nobody' },
      { api: sendPath, errcode: -1, host: 'api3' },
    ]) {
      const response = await fetch(`${api.url}/_sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(bad),
      });
      assert.equal(response.status, 400, JSON.stringify(bad));
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'bad_request');
    }
    const quota = await fetch(`${api.url}/_sim/quotas`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api: sendPath }),
    });
    assert.equal(quota.status, 400);
  });

  it('applies per-API quotas: daily → 45009, per minute → 45011 until the next minute', async () => {
    const put = (body: unknown) =>
      fetch(`${api.url}/_sim/quotas`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await put({ api: sendPath, daily: 2 })).status, 200);
    assert.equal((await send()).errcode, 0);
    assert.equal((await send()).errcode, 0);
    assert.equal((await send()).errcode, 45009);
    api.clock.advance(86_400_000);
    token = await api.token(account);
    assert.equal((await send()).errcode, 0, 'a new Beijing day');
    await put({ api: '/cgi-bin/user/get', perMinute: 1 });
    assert.equal(typeof (await api.get(`/cgi-bin/user/get?access_token=${token}`)).total, 'number');
    assert.equal((await api.get(`/cgi-bin/user/get?access_token=${token}`)).errcode, 45011);
    api.clock.advance(60_000);
    assert.equal(typeof (await api.get(`/cgi-bin/user/get?access_token=${token}`)).total, 'number');
  });

  it('resets the AppSecret: the account’s tokens answer 40001, the old secret 40125, the new one works', async () => {
    assert.equal((await send()).errcode, 0);
    const reset = await api.post('/_sim/accounts/demo/secret', {});
    const appSecret = String(reset.appSecret);
    assert.notEqual(appSecret, account.appSecret);
    assert.equal((await send()).errcode, 40001);
    const old = await getJson(
      `${api.url}/cgi-bin/token?grant_type=client_credential&appid=${account.appId}&secret=${account.appSecret}`,
    );
    assert.equal(old.errcode, 40125);
    token = await fetchToken(api.url, { ...account, appSecret });
    assert.equal((await send()).errcode, 0);
    await api.post('/_sim/reset', {});
    token = await api.token(account);
    assert.equal((await send()).errcode, 0, '/_sim/reset restores the configured secret');
  });

  it('invalidates every token of the account (another party refreshed long ago): 40001', async () => {
    await api.post('/_sim/accounts/demo/tokens/invalidate', {});
    assert.equal((await send()).errcode, 40001);
    token = await api.token(account);
    assert.equal((await send()).errcode, 0);
  });

  it('documents the controls on the index page', async () => {
    const page = await (await fetch(`${api.url}/`)).text();
    for (const control of ['/_sim/faults', '/_sim/hosts/api', '/_sim/quotas', '/_sim/calls', '/secret']) {
      assert.ok(page.includes(control), control);
    }
  });

  it('clears the counters on DELETE /_sim/calls and everything on /_sim/reset', async () => {
    await send();
    assert.equal((await calls())?.calls, 1);
    await fetch(`${api.url}/_sim/calls`, { method: 'DELETE' });
    assert.equal(await calls(), undefined);
    await api.post('/_sim/faults', { api: '*', errcode: -1 });
    await api.post('/_sim/reset', {});
    token = await api.token(account);
    assert.equal((await send()).errcode, 0);
  });

  it('holds and releases the event pushes (/_sim/callbacks), and names the actions it knows', async () => {
    assert.deepEqual(await api.get('/_sim/callbacks'), { held: false, waiting: 0, inFlight: 0 });
    assert.deepEqual(await api.post('/_sim/callbacks/hold', {}), { held: true, waiting: 0, inFlight: 0 });
    assert.deepEqual(await api.post('/_sim/callbacks/release', {}), { held: false, waiting: 0, inFlight: 0 });
    const wrong = await fetch(`${api.url}/_sim/callbacks/pause`, { method: 'POST' });
    assert.equal(wrong.status, 404);
    assert.match(((await wrong.json()) as { error: { message: string } }).error.message, /hold or release/);
  });
});

describe('FaultStore probability', () => {
  it('fires on a call only when the draw is below the probability, and counts times on fired calls only', () => {
    const draws = [0.9, 0.1, 0.5, 0.2, 0.05];
    const store = new FaultStore(
      () => 0,
      () => draws.shift() ?? 1,
    );
    store.add({ api: '*', effect: { kind: 'errcode', errcode: -1 }, probability: 0.3, times: 2 });
    const call = { api: '/x', appId: 'a', host: 'api' as const, openid: undefined };
    const fired = [1, 2, 3, 4, 5].map(() => store.take(call) !== undefined);
    assert.deepEqual(fired, [false, true, false, true, false]);
  });
});

describe('simulator hosts: api down, api2 up (two listeners)', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startSimulator({ accounts: [account], port: 0, api2Port: 0, ingressBaseUrl: 'http://127.0.0.1:9' });
  });
  after(() => sim.close());

  const tokenUrl = (base: string | undefined) =>
    `${base}/cgi-bin/token?grant_type=client_credential&appid=${account.appId}&secret=${account.appSecret}`;
  const setHost = async (host: string, body: unknown) => {
    const response = await fetch(`${sim.hosts.api2}/_sim/hosts/${host}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200);
  };

  it('refuses connections to api (its port closed) while api2 serves the same accounts, then comes back', async () => {
    assert.notEqual(sim.hosts.api, sim.hosts.api2);
    const token = String((await getJson(tokenUrl(sim.hosts.api))).access_token);
    await setHost('api', { isDown: true });
    assert.equal(await networkError(tokenUrl(sim.hosts.api)), 'ECONNREFUSED');
    const viaApi2 = await getJson(`${sim.hosts.api2}/cgi-bin/user/get?access_token=${token}`);
    assert.equal(viaApi2.total, 2, 'a token from api works on api2: one WeChat behind both');
    await setHost('api', { isDown: false });
    assert.equal(typeof (await getJson(tokenUrl(sim.hosts.api))).access_token, 'string');
  });

  it('resets connections or answers 503 in the other modes, and counts calls per host', async () => {
    await setHost('api', { isDown: true, mode: 'reset' });
    assert.notEqual(await networkError(tokenUrl(sim.hosts.api)), 'answered');
    await setHost('api', { isDown: true, mode: '503' });
    assert.equal((await fetch(tokenUrl(sim.hosts.api))).status, 503);
    await setHost('api', { isDown: false });
    await setHost('api2', { isDown: true, mode: '503' });
    const down = (await getJson(`${sim.hosts.api}/_sim/faults`)).hosts as Record<string, { isDown: boolean }>;
    assert.deepEqual(Object.fromEntries(Object.entries(down).map(([name, host]) => [name, host.isDown])), {
      api: false,
      api2: true,
    });
    assert.equal((await fetch(tokenUrl(sim.hosts.api2))).status, 503);
    await setHost('api2', { isDown: false });
  });

  it('injects a fault on one host only', async () => {
    sim.state.faults.add({ api: '/cgi-bin/token', host: 'api', effect: { kind: 'errcode', errcode: -1 }, times: 1 });
    assert.equal(typeof (await getJson(tokenUrl(sim.hosts.api2))).access_token, 'string');
    assert.equal((await getJson(tokenUrl(sim.hosts.api))).errcode, -1);
  });
});
