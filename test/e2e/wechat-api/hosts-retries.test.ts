import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createWeChatApiClient,
  type WeChatApiClient,
  type WeChatApiConfig,
  WeChatApiError,
  WeChatUnavailableError,
} from '@mpstack/common/wechat-api';
import { type Listening, listen, startWeChatStand, templateId, type WeChatStand } from '../../support/wechat-stand.js';

/** What a faulty host does with one request: pass it to the simulator, answer something else, or drop the connection. */
type Fault = 'forward' | 'reset' | { readonly status: number; readonly body: string };

/**
 * A WeChat host in front of the simulator that injects faults: `rule` sees each request
 * (its path without the query, and how many came before on that path).
 */
async function faultyHost(
  target: string,
  rule: (path: string, count: number) => Fault,
): Promise<Listening & { readonly requests: string[] }> {
  const requests: string[] = [];
  const counts = new Map<string, number>();
  const host = await listen((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      requests.push(path);
      const count = counts.get(path) ?? 0;
      counts.set(path, count + 1);
      const fault = rule(path, count);
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault !== 'forward') {
        res.writeHead(fault.status, { 'content-type': 'application/json' }).end(fault.body);
        return;
      }
      const body = Buffer.concat(chunks);
      fetch(`${target}${req.url}`, { method: req.method ?? 'GET', ...(body.length > 0 ? { body } : {}) })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  return { ...host, requests };
}

const errcode = (code: number) => ({
  status: 200,
  body: JSON.stringify({ errcode: code, errmsg: `injected rid: 1-2-3` }),
});
const tokenPaths = new Set(['/cgi-bin/stable_token', '/cgi-bin/token']);

describe('WeChat API client: hosts and retries (failover on network errors and 5xx only; −1 and 45011 retried)', () => {
  let stand: WeChatStand;
  let hosts: Listening[] = [];
  let clients: WeChatApiClient[] = [];
  let now = Date.now();
  const sleeps: number[] = [];
  const host = async (rule: (path: string, count: number) => Fault) => {
    const created = await faultyHost(stand.sim.url, rule);
    hosts.push(created);
    return created;
  };
  const client = (bases: readonly string[], overrides: Partial<WeChatApiConfig> = {}) => {
    const created = createWeChatApiClient(stand.config({ bases, hostCooldownMs: 30_000, ...overrides }), {
      coordination: stand.redis(),
      secrets: stand.secrets,
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    });
    clients.push(created);
    return created;
  };

  beforeEach(async () => {
    stand = await startWeChatStand();
    now = Date.now();
    sleeps.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await Promise.all(hosts.map((h) => h.close()));
    hosts = [];
    await stand.close();
  });

  it('the primary down: calls go to api2; the primary is retried after its cool-down', async () => {
    const dead = await listen(() => undefined);
    await dead.close(); // nothing listens on its port any more: connection refused
    const api2 = await host(() => 'forward');
    const api = client([dead.url, api2.url]);
    await api.call(stand.account.appId, 'getFollowers');
    assert.deepEqual(api.hostsCoolingDown(), [dead.url]);
    assert.ok(api2.requests.includes('/cgi-bin/user/get'));
    now += 30_001;
    assert.deepEqual(api.hostsCoolingDown(), [], 'cool-down over: the primary is first again');
  });

  it('a 5xx fails over; within the cool-down the failed host is not asked again, after it it is', async () => {
    let isBroken = true;
    const primary = await host(() => (isBroken ? { status: 502, body: '<html>bad gateway</html>' } : 'forward'));
    const api2 = await host(() => 'forward');
    const api = client([primary.url, api2.url]);
    await api.call(stand.account.appId, 'getFollowers');
    const primaryCount = primary.requests.length;
    assert.equal(primaryCount, 1, 'the token fetch met the 502, then went to api2');
    await api.call(stand.account.appId, 'getFollowers');
    assert.equal(primary.requests.length, primaryCount, 'cooling down: not asked');
    isBroken = false;
    now += 30_001;
    await api.call(stand.account.appId, 'getFollowers');
    assert.equal(primary.requests.at(-1), '/cgi-bin/user/get', 'asked again after the cool-down');
  });

  it('a business errcode never fails over (the primary answered)', async () => {
    const api2 = await host(() => 'forward');
    const api = client([stand.sim.url, api2.url]);
    await assert.rejects(api.call(stand.account.appId, 'getMenu'), (error: unknown) => {
      assert.ok(error instanceof WeChatApiError);
      assert.equal(error.errcode, 46003);
      return true;
    });
    assert.deepEqual(api2.requests, []);
    assert.deepEqual(api.hostsCoolingDown(), []);
  });

  it('every host failing is WeChatUnavailableError naming the last host', async () => {
    const broken = await host(() => ({ status: 503, body: '{}' }));
    const api = client([broken.url]);
    await assert.rejects(api.getAccessToken(stand.account.appId), (error: unknown) => {
      assert.ok(error instanceof WeChatUnavailableError);
      assert.match(error.message, /HTTP 503/);
      return true;
    });
  });

  it('a connection lost after sending: a send with an idempotency key fails over, one without is not repeated', async () => {
    const primary = await host((path) => (tokenPaths.has(path) ? 'forward' : 'reset'));
    const api2 = await host(() => 'forward');
    const api = client([primary.url, api2.url], { serviceWindow: 'off', hostCooldownMs: 0 });
    const { msgid } = await api.sendTemplate(stand.account.appId, {
      touser: 'o-follower-1',
      template_id: templateId,
      data: { first: { value: 'x' } },
    });
    assert.ok(msgid.length > 0);
    assert.equal(stand.sim.state.templateSends(stand.account.appId).length, 1, 'sent once (client_msg_id)');
    stand.sim.state.recordInteraction(stand.account.appId, 'o-follower-1', 'message');
    await assert.rejects(
      api.sendCustomMessage(stand.account.appId, { touser: 'o-follower-1', msgtype: 'text', text: { content: 'hi' } }),
      (error: unknown) => {
        assert.ok(error instanceof WeChatUnavailableError);
        assert.match(error.message, /may have reached WeChat/);
        return true;
      },
    );
    assert.ok(!api2.requests.includes('/cgi-bin/message/custom/send'), 'not repeated on api2');
  });

  it('a 5xx: a send with an idempotency key fails over; a customer-service message does not (it may have been taken)', async () => {
    const primary = await host((path) =>
      tokenPaths.has(path) ? 'forward' : { status: 502, body: '<html>bad gateway</html>' },
    );
    const api2 = await host(() => 'forward');
    const api = client([primary.url, api2.url], { serviceWindow: 'off', hostCooldownMs: 0 });
    await api.sendTemplate(stand.account.appId, {
      touser: 'o-follower-1',
      template_id: templateId,
      data: { first: { value: 'x' } },
    });
    assert.ok(api2.requests.includes('/cgi-bin/message/template/send'), 'the template send failed over');
    stand.sim.state.recordInteraction(stand.account.appId, 'o-follower-1', 'message');
    await assert.rejects(
      api.sendCustomMessage(stand.account.appId, { touser: 'o-follower-1', msgtype: 'text', text: { content: 'hi' } }),
      (error: unknown) => {
        assert.ok(error instanceof WeChatUnavailableError);
        assert.match(error.message, /HTTP 502 — the request may have reached WeChat, not sent again/);
        assert.equal((error.cause as { isMaybeDelivered?: boolean }).isMaybeDelivered, true);
        return true;
      },
    );
    assert.ok(!api2.requests.includes('/cgi-bin/message/custom/send'), 'not repeated on api2');
    // A read (idempotent) still fails over on the same 502.
    await api.call(stand.account.appId, 'batchGetUserInfo', { body: { user_list: [{ openid: 'o-follower-1' }] } });
    assert.ok(api2.requests.includes('/cgi-bin/user/info/batchget'));
  });

  it('a success status without JSON on a customer-service message: in doubt, not repeated on api2', async () => {
    const primary = await host((path) =>
      tokenPaths.has(path) ? 'forward' : { status: 200, body: '<html>portal</html>' },
    );
    const api2 = await host(() => 'forward');
    const api = client([primary.url, api2.url], { serviceWindow: 'off', hostCooldownMs: 0 });
    await assert.rejects(
      api.sendCustomMessage(stand.account.appId, { touser: 'o-follower-1', msgtype: 'text', text: { content: 'hi' } }),
      /HTTP 200 answered no JSON — the request may have reached WeChat/,
    );
    assert.ok(!api2.requests.includes('/cgi-bin/message/custom/send'));
    // A read (repeatable) meeting the same page fails over to api2.
    await api.call(stand.account.appId, 'getFollowers');
    assert.ok(api2.requests.includes('/cgi-bin/user/get'));
  });

  it('a connect error (the host refused the connection): even a customer-service message fails over', async () => {
    const dead = await listen(() => undefined);
    await dead.close();
    const api2 = await host(() => 'forward');
    const api = client([dead.url, api2.url], { serviceWindow: 'off' });
    stand.sim.state.recordInteraction(stand.account.appId, 'o-follower-1', 'message');
    await api.sendCustomMessage(stand.account.appId, {
      touser: 'o-follower-1',
      msgtype: 'text',
      text: { content: 'hi' },
    });
    assert.ok(api2.requests.includes('/cgi-bin/message/custom/send'));
    assert.equal(stand.sim.state.inboxOf(stand.account.appId, 'o-follower-1').length, 1);
  });

  it('−1 is retried with capped exponential backoff and jitter, then succeeds', async () => {
    const primary = await host((path, count) => (path === '/cgi-bin/user/get' && count < 2 ? errcode(-1) : 'forward'));
    const api = client([primary.url]);
    await api.call(stand.account.appId, 'getFollowers');
    assert.deepEqual(sleeps, [150, 300], 'steps of 200 and 400 ms, half fixed and half jitter (random 0.5)');
    assert.equal(primary.requests.filter((p) => p === '/cgi-bin/user/get').length, 3);
  });

  it('45011 is retried with its longer backoff, at most maxAttempts calls in all, then the typed error', async () => {
    const primary = await host((path) => (path === '/cgi-bin/user/get' ? errcode(45011) : 'forward'));
    const api = client([primary.url], { maxAttempts: 4 });
    await assert.rejects(api.call(stand.account.appId, 'getFollowers'), (error: unknown) => {
      assert.ok(error instanceof WeChatApiError);
      assert.equal(error.errcode, 45011);
      assert.equal(error.kind, 'retryable');
      return true;
    });
    assert.deepEqual(sleeps, [1_500, 3_000, 6_000]);
    assert.equal(primary.requests.filter((p) => p === '/cgi-bin/user/get').length, 4);
  });

  it('no other errcode is retried', async () => {
    const primary = await host((path) => (path === '/cgi-bin/user/get' ? errcode(40003) : 'forward'));
    const api = client([primary.url]);
    await assert.rejects(api.call(stand.account.appId, 'getFollowers'), /errcode 40003/);
    assert.deepEqual(sleeps, []);
    assert.equal(primary.requests.filter((p) => p === '/cgi-bin/user/get').length, 1);
  });
});
