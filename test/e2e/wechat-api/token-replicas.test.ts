import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createWeChatApiClient, type TokenMode, type WeChatApiClient } from '@mpstack/common/wechat-api';
import { REDIS_URL } from '@mpstack/testkit';
import { startWeChatStand, type WeChatStand } from '../../support/wechat-stand.js';

const replicaScript = fileURLToPath(new URL('../../support/wechat-replica.js', import.meta.url));

/**
 * Token lifetimes shortened in the simulator (4 s, WeChat's 5-minute overlap as 2 s) so a
 * run of 12 s covers three lifetimes; replicas refresh 1.5 s ahead of the end.
 */
const lifetimeMs = 4_000;
const overlapMs = 2_000;
const aheadMs = 1_500;
const runMs = 12_000;

interface ReplicaResult {
  readonly calls: number;
  readonly errors: readonly string[];
}

/** Calls in a loop until `runMs` passed; every failure is kept. */
async function callLoop(client: WeChatApiClient, appId: string): Promise<ReplicaResult> {
  const errors: string[] = [];
  let calls = 0;
  const endAt = Date.now() + runMs;
  while (Date.now() < endAt) {
    try {
      await client.call(appId, 'getFollowers');
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
    calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { calls, errors };
}

function replicaProcess(stand: WeChatStand, mode: TokenMode): Promise<ReplicaResult> {
  const child = spawn(process.execPath, [replicaScript], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      WX_REPLICA_APPID: stand.account.appId,
      WX_REPLICA_SECRET: stand.account.appSecret,
      WX_REPLICA_SIM: stand.sim.url,
      WX_REPLICA_REDIS: REDIS_URL,
      WX_REPLICA_PREFIX: stand.keyPrefix,
      WX_REPLICA_MODE: mode,
      WX_REPLICA_AHEAD_MS: String(aheadMs),
      WX_REPLICA_MS: String(runMs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`replica exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim()) as ReplicaResult);
    });
  });
}

for (const mode of ['stable', 'token'] as const) {
  describe(`access_token shared by replicas over three token lifetimes (${mode === 'stable' ? 'stable_token' : '/cgi-bin/token'})`, function () {
    this.timeout(60_000);
    let stand: WeChatStand;

    beforeEach(async () => {
      stand = await startWeChatStand({ tokenLifetimeMs: lifetimeMs, tokenOverlapMs: overlapMs });
    });
    afterEach(() => stand.close());

    it('three replicas in this process and two in their own: one refresh per lifetime, zero 40001', async () => {
      const clients = Array.from({ length: 3 }, () =>
        createWeChatApiClient(stand.config({ tokenMode: mode, refreshAheadMs: aheadMs, localCacheMs: 200 }), {
          coordination: stand.redis(),
          secrets: stand.secrets,
        }),
      );
      const startedAt = Date.now();
      try {
        const results = await Promise.all([
          ...clients.map((client) => callLoop(client, stand.account.appId)),
          replicaProcess(stand, mode),
          replicaProcess(stand, mode),
        ]);
        const stats = stand.sim.state.tokens.stats(stand.account.appId);
        const errors = results.flatMap((r) => r.errors);
        const calls = results.reduce((sum, r) => sum + r.calls, 0);
        const stored = await stand.redis().readCredential(`wx:token:${stand.account.appId}`);
        // A new token is due every lifetime − refresh-ahead from the first fetch on (the child
        // processes start and end later than the loops here: the span is measured).
        const elapsedMs = Date.now() - startedAt;
        const bound = 1 + Math.ceil(elapsedMs / (lifetimeMs - aheadMs));
        process.stdout.write(
          `      ${mode}: ${calls} calls by 5 replicas in ${elapsedMs} ms, ${stats.fetches} token fetches (bound ${bound}), ` +
            `${stored.generation} stored, refused ${JSON.stringify(stats.refused)}, ${errors.length} errors\n`,
        );
        assert.deepEqual(errors, [], 'no call failed');
        assert.deepEqual(stats.refused, {}, 'WeChat refused no token (no 40001, no 42001)');
        assert.ok(calls > 100, `${calls} calls`);
        assert.equal(stats.fetches, stored.generation, 'every fetch was stored: no replica refreshed twice');
        assert.ok(stats.fetches >= Math.floor(runMs / lifetimeMs), `${stats.fetches} fetches: refreshed each lifetime`);
        assert.ok(stats.fetches <= bound, `${stats.fetches} fetches > ${bound}: more than one refresh per lifetime`);
      } finally {
        await Promise.all(clients.map((client) => client.close()));
      }
    });
  });
}
