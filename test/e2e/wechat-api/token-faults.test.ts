import assert from 'node:assert/strict';
import { RedisCoordination } from '@mpstack/common/adapters';
import { AppError } from '@mpstack/common/errors';
import type { CoordinationPort } from '@mpstack/common/ports';
import {
  createWeChatApiClient,
  type WeChatApiClient,
  type WeChatApiConfig,
  WeChatUnavailableError,
} from '@mpstack/common/wechat-api';
import { RedisServer } from '../../support/fault/index.js';
import { startWeChatStand, templateId, type WeChatStand } from '../../support/wechat-stand.js';

describe('WeChat API client: token faults (40001 mid-use, a failing refresh, Redis lost)', function () {
  this.timeout(60_000);
  let stand: WeChatStand;
  let clients: WeChatApiClient[] = [];
  const client = (overrides: Partial<WeChatApiConfig> = {}, coordination: CoordinationPort = stand.redis()) => {
    const created = createWeChatApiClient(stand.config(overrides), { coordination, secrets: stand.secrets });
    clients.push(created);
    return created;
  };
  const callMany = (replicas: readonly WeChatApiClient[], count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, i) => replicas[i % replicas.length]!.call(stand.account.appId, 'getFollowers')),
    );
  const stats = () => stand.sim.state.tokens.stats(stand.account.appId);

  beforeEach(async () => {
    stand = await startWeChatStand();
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await stand.close();
  });

  it('stable_token force-refreshed by another party: the 40001s mark it stale once, one refresh, every call succeeds', async () => {
    const replicas = [client(), client(), client()];
    await callMany(replicas, 6);
    const { appId, appSecret } = stand.account;
    const other = await stand.otherParty('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: appId,
      secret: appSecret,
      force_refresh: true,
    });
    assert.equal(typeof other.access_token, 'string', 'the other party got a new token; ours is revoked');
    // The replicas' caches are at most localCacheMs old: wait it out so every one uses the revoked token.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const results = await callMany(replicas, 30);
    assert.equal(results.length, 30, 'every call succeeded');
    const after = stats();
    assert.ok((after.refused[40001] ?? 0) >= 1, 'the revoked token was refused');
    // Ours: the first fetch and one refresh (a normal call hands the other party's current token: no force spent).
    assert.equal(after.fetches, 3, `${after.fetches} fetches (1 ours, 1 the other party's, 1 our refresh)`);
    assert.equal(after.forced, 1, "only the other party's forced refresh");
    assert.equal(await replicas[0]!.getAccessToken(appId), other.access_token);
  });

  it('/cgi-bin/token fetched by another party: once the 5-minute overlap has passed, one refresh and the calls recover', async () => {
    const replicas = [client({ tokenMode: 'token' }), client({ tokenMode: 'token' })];
    await callMany(replicas, 4);
    const { appId, appSecret } = stand.account;
    await stand.otherParty(`/cgi-bin/token?grant_type=client_credential&appid=${appId}&secret=${appSecret}`);
    stand.sim.clock.advance(300_000);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await callMany(replicas, 20);
    const after = stats();
    assert.ok((after.refused[40001] ?? 0) >= 1);
    assert.equal(after.fetches, 3, `${after.fetches} fetches: ours, the other party's, one refresh`);
  });

  it('a refresh failing with 40125 (wrong AppSecret) fails every waiting reader with its reason, without a stampede', async () => {
    stand.setSecret('not-the-secret');
    const replicas = [client(), client(), client()];
    const outcomes = await Promise.allSettled(replicas.map((r) => r.getAccessToken(stand.account.appId)));
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(outcome.reason instanceof WeChatUnavailableError, String(outcome.reason));
      assert.match(outcome.reason.message, /40125/);
    }
    assert.equal(stats().fetches, 0, 'no token was issued');
    assert.equal(stand.secretReads(), 1, 'one writer tried, once');
    // Within the failure's retry delay a new reader gets the failure without calling WeChat.
    await assert.rejects(client().getAccessToken(stand.account.appId), /40125/);
    assert.equal(stand.secretReads(), 1);
    stand.setSecret(stand.account.appSecret);
  });

  it('a writer that dies mid-refresh is taken over once its lease has passed', async () => {
    const stuck = createWeChatApiClient(stand.config({ refreshLeaseMs: 1_000 }), {
      coordination: stand.redis(),
      secrets: { appSecret: () => new Promise<string>(() => undefined) }, // never answers: a frozen writer
    });
    clients.push(stuck);
    void stuck.getAccessToken(stand.account.appId).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the stuck replica holds the lease
    const healthy = client({ refreshLeaseMs: 1_000 });
    const startedAt = Date.now();
    const token = await healthy.getAccessToken(stand.account.appId);
    assert.equal(typeof token, 'string');
    assert.ok(Date.now() - startedAt >= 700, 'it waited for the lease to pass, not stampeding');
    assert.equal(stats().fetches, 1);
  });

  it('Redis lost: cached tokens keep working, a cold replica gets a clear error, and one refresh when Redis returns', async () => {
    const redis = await RedisServer.start();
    try {
      const keyPrefix = `${stand.keyPrefix}lost:`;
      const coordination = () => new RedisCoordination({ url: redis.url, keyPrefix, commandTimeoutMs: 500 });
      const ports = [coordination(), coordination(), coordination()];
      try {
        const warm = client({ localCacheMs: 60_000 }, ports[0]);
        await warm.call(stand.account.appId, 'getFollowers');
        await redis.kill();
        // The warm replica's cached token is valid for 2 h: it keeps calling WeChat.
        await warm.call(stand.account.appId, 'getFollowers');
        // A send needs its daily quota counted in Redis: it is not attempted (the caller retries later).
        await assert.rejects(
          warm.sendTemplate(stand.account.appId, { touser: 'o-follower-1', template_id: templateId, data: {} }),
          (error: unknown) => {
            assert.ok(error instanceof AppError);
            assert.equal(error.code, 'unavailable');
            return true;
          },
        );
        assert.equal(stand.sim.state.templateSends(stand.account.appId).length, 0, 'nothing sent without flow control');
        const cold = client({}, ports[1]);
        await assert.rejects(cold.getAccessToken(stand.account.appId), (error: unknown) => {
          assert.ok(error instanceof WeChatUnavailableError);
          assert.match(error.message, /coordination store did not answer/);
          return true;
        });
        const before = stats().fetches;
        await redis.restart();
        // An empty Redis after the restart: every cold replica wants a token at once.
        const colds = [cold, client({}, ports[2]), client({}, ports[1])];
        const tokens = await Promise.all(
          Array.from({ length: 12 }, (_, i) => colds[i % 3]!.getAccessToken(stand.account.appId)),
        );
        assert.equal(new Set(tokens).size, 1);
        assert.equal(stats().fetches - before, 1, 'one refresh for every replica: no stampede');
      } finally {
        await Promise.all(ports.map((port) => port.close()));
      }
    } finally {
      await redis.stop();
    }
  });
});
