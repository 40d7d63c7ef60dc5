import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import type { ClaimRequest, CoordinationPort } from '../../src/ports/coordination.js';
import { uniqueSuffix } from './support.js';

/** One backing store (a Redis prefix, a memory store) that replicas share. */
export interface CoordinationHarness {
  /** A new replica (its own connections) over the shared store. */
  replica(): CoordinationPort;
  /**
   * Lets `ms` pass on the store's clock: moves the fake clock in memory; on a real server it
   * waits that long (leases are judged on the server's clock — there is nothing to poll).
   */
  elapse(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** The coordination contract every adapter honours; see `ports/coordination.ts`. */
export function describeCoordinationContract(name: string, createHarness: () => Promise<CoordinationHarness>): void {
  describe(`CoordinationPort contract: ${name}`, () => {
    let harness: CoordinationHarness;
    let replicas: CoordinationPort[] = [];
    let port: CoordinationPort;
    let run: string;

    const replica = (): CoordinationPort => {
      const created = harness.replica();
      replicas.push(created);
      return created;
    };
    /**
     * A replica whose connections are up, made before a timed step: on a loaded machine a new
     * Cluster client's first command (connect, slot table) can take longer than a short window.
     */
    const connectedReplica = async (): Promise<CoordinationPort> => {
      const created = replica();
      assert.equal(await created.ping(), true);
      return created;
    };
    /** A claim by one delivery; the holder defaults to the nonce (one request, one nonce). */
    const claim = (message: string, nonce: string, ttlSeconds = 60, leaseMs = 60_000): ClaimRequest => ({
      messageKey: `${run}:msg:${message}`,
      nonceKey: `${run}:nonce:${nonce}`,
      ttlSeconds,
      holder: `holder-${nonce}`,
      leaseMs,
    });
    const key = (message: string): string => `${run}:msg:${message}`;
    const first = { status: 'claimed', fence: 1 } as const;
    const pending = { status: 'duplicate', reply: undefined } as const;

    before(async () => {
      harness = await createHarness();
    });
    after(async () => harness.cleanup());
    beforeEach(() => {
      run = uniqueSuffix();
      port = replica();
    });
    afterEach(async () => {
      await Promise.all(replicas.map((r) => r.close()));
      replicas = [];
    });

    it('claims a new message once; a retry while the first runs is a duplicate without reply', async () => {
      assert.deepEqual(await port.claimMessage(claim('m1', 'n1')), first);
      assert.deepEqual(await port.claimMessage(claim('m1', 'n2')), pending);
      assert.equal(await port.getReply(claim('m1', 'n1').messageKey), undefined);
    });

    it('replays the stored reply of the first delivery to every retry', async () => {
      const request = claim('m1', 'n1');
      await port.claimMessage(request);
      await port.storeReply(request.messageKey, '<xml>first</xml>', 60, 1);
      assert.deepEqual(await port.claimMessage(claim('m1', 'n2')), { status: 'duplicate', reply: '<xml>first</xml>' });
      assert.equal(await port.getReply(request.messageKey), '<xml>first</xml>');
    });

    it('a claim carrying its reply stores it at once: the retry replays it without storeReply', async () => {
      const request = { ...claim('m1', 'n1'), reply: '<xml>precomputed</xml>' };
      assert.deepEqual(await port.claimMessage(request), first);
      assert.deepEqual(await replica().claimMessage(claim('m1', 'n2')), {
        status: 'duplicate',
        reply: '<xml>precomputed</xml>',
      });
      assert.deepEqual(await port.claimMessage({ ...claim('m1', 'n3'), reply: '<xml>other</xml>' }), {
        status: 'duplicate',
        reply: '<xml>precomputed</xml>',
      });
    });

    it('stores an empty reply as a reply, distinct from pending', async () => {
      await port.claimMessage(claim('m1', 'n1'));
      await port.storeReply(claim('m1', 'n1').messageKey, '', 60, 1);
      assert.deepEqual(await port.claimMessage(claim('m1', 'n2')), { status: 'duplicate', reply: '' });
    });

    it('release after a failure lets the retry take the message over at once, with the next fence', async () => {
      await port.claimMessage(claim('m1', 'n1'));
      await port.releaseMessage(key('m1'), 1);
      assert.deepEqual(await port.claimMessage(claim('m1', 'n2')), { status: 'claimed', fence: 2 });
    });

    it('a release by a holder that was taken over is a no-op', async () => {
      await port.claimMessage(claim('m1', 'n1', 60, 200));
      await harness.elapse(300);
      assert.deepEqual(await replica().claimMessage(claim('m1', 'n2')), { status: 'claimed', fence: 2 });
      await port.releaseMessage(key('m1'), 1);
      assert.deepEqual(await port.claimMessage(claim('m1', 'n3')), pending);
    });

    it('release does not drop a claim whose reply is already stored', async () => {
      await port.claimMessage(claim('m1', 'n1'));
      await port.storeReply(claim('m1', 'n1').messageKey, 'ok', 60, 1);
      await port.releaseMessage(claim('m1', 'n1').messageKey, 1);
      assert.deepEqual(await port.claimMessage(claim('m1', 'n2')), { status: 'duplicate', reply: 'ok' });
    });

    it('a retry reusing its nonce is a duplicate, not a replay', async () => {
      await port.claimMessage(claim('m1', 'n1'));
      assert.deepEqual(await port.claimMessage({ ...claim('m1', 'n1'), holder: 'retry' }), pending);
    });

    it('a released message retried with the same nonce is claimed again', async () => {
      await port.claimMessage(claim('m1', 'n1'));
      await port.releaseMessage(key('m1'), 1);
      assert.deepEqual(await port.claimMessage({ ...claim('m1', 'n1'), holder: 'retry' }), {
        status: 'claimed',
        fence: 2,
      });
    });

    it('the holder claiming again gets its own claim back (a claim Redis applied after the caller gave up)', async () => {
      assert.deepEqual(await port.claimMessage(claim('m1', 'n1')), first);
      assert.deepEqual(await replica().claimMessage(claim('m1', 'n1')), first);
      assert.deepEqual(await port.claimMessage(claim('m1', 'n2')), pending, 'another holder still waits');
    });

    it('a lease not renewed expires: the next delivery takes over; the old holder is fenced out', async () => {
      const other = await connectedReplica();
      // The second claim must land inside the first one's lease: 1 s leaves a loaded machine room.
      assert.deepEqual(await port.claimMessage(claim('m1', 'n1', 60, 1_000)), first);
      assert.deepEqual(await port.claimMessage(claim('m1', 'n2', 60, 1_000)), pending, 'live lease');
      await harness.elapse(1_100);
      assert.deepEqual(await other.claimMessage(claim('m1', 'n3', 60, 5_000)), { status: 'claimed', fence: 2 });
      assert.equal(await port.renewClaim(key('m1'), 1, { holder: 'holder-n1', leaseMs: 5_000 }), false);
      assert.equal(await port.storeReply(key('m1'), 'late', 60, 1), false, 'the late first holder stores nothing');
      assert.equal(await other.storeReply(key('m1'), 'taken over', 60, 2), true);
      assert.equal(await port.storeReply(key('m1'), 'late', 60, 1), false);
      assert.deepEqual(await port.claimMessage(claim('m1', 'n4')), { status: 'duplicate', reply: 'taken over' });
    });

    it('renewing keeps the lease: no takeover while the holder renews', async () => {
      const other = await connectedReplica();
      // Four renewals 300 ms apart outlive the 1 s lease; each lands well inside the lease before.
      await port.claimMessage(claim('m1', 'n1', 60, 1_000));
      for (let i = 0; i < 4; i += 1) {
        await harness.elapse(300);
        assert.equal(await port.renewClaim(key('m1'), 1, { holder: 'holder-n1', leaseMs: 1_000 }), true);
      }
      assert.deepEqual(await other.claimMessage(claim('m1', 'n2')), pending);
    });

    it('a reply given with a claim takes over an expired lease by storing that reply', async () => {
      await port.claimMessage(claim('m1', 'n1', 60, 200));
      await harness.elapse(300);
      assert.deepEqual(await port.claimMessage({ ...claim('m1', 'n2'), reply: 'computed' }), {
        status: 'claimed',
        fence: 2,
      });
      assert.deepEqual(await port.claimMessage(claim('m1', 'n3')), { status: 'duplicate', reply: 'computed' });
    });

    it('a stored reply is never taken over, renewed or replaced', async () => {
      await port.claimMessage(claim('m1', 'n1', 60, 200));
      assert.equal(await port.storeReply(key('m1'), 'done', 60, 1), true);
      await harness.elapse(300);
      assert.equal(await port.renewClaim(key('m1'), 1, { holder: 'holder-n1', leaseMs: 200 }), false);
      assert.equal(await port.storeReply(key('m1'), 'again', 60, 1), false);
      assert.deepEqual(await port.claimMessage(claim('m1', 'n2')), { status: 'duplicate', reply: 'done' });
    });

    it('rejects a nonce reused by another message as a replay, without claiming that message', async () => {
      await port.claimMessage(claim('m1', 'n1'));
      assert.deepEqual(await port.claimMessage(claim('m2', 'n1')), { status: 'nonce_replayed' });
      assert.deepEqual(await port.claimMessage(claim('m2', 'n2')), first);
    });

    it('exactly one of many concurrent claims across replicas wins', async () => {
      const other = replica();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? port : other).claimMessage(claim('hot', `n${i}`))),
      );
      assert.equal(results.filter((r) => r.status === 'claimed').length, 1);
      assert.equal(results.filter((r) => r.status === 'duplicate').length, 19);
    });

    it('claims and nonces expire after their TTL', async () => {
      await port.claimMessage(claim('m1', 'n1', 1));
      await harness.elapse(1_100);
      await until(
        async () => (await port.claimMessage(claim('m2', 'n1', 1))).status === 'claimed',
        5_000,
        'nonce expiry',
      );
      await until(
        async () => (await port.claimMessage(claim('m1', 'n3', 1))).status === 'claimed',
        5_000,
        'claim expiry',
      );
    });

    it('storing a reply keeps the claim TTL instead of extending it', async () => {
      await port.claimMessage(claim('m1', 'n1', 1));
      await port.storeReply(claim('m1', 'n1').messageKey, 'ok', 600, 1);
      await harness.elapse(1_100);
      await until(async () => (await port.getReply(claim('m1', 'n1').messageKey)) === undefined, 5_000, 'reply expiry');
    });

    it('token bucket grants the burst, then asks to wait about 1/rate', async () => {
      // 1 token/s: the four takes must land within the second in which a token comes back. At
      // 10/s (100 ms) a loaded Cluster run spread them wider even when sent in one turn ("wait 0 ms").
      const bucket = { ratePerSecond: 1, burst: 3 };
      const key = `${run}:bucket`;
      const waits = await Promise.all(Array.from({ length: 4 }, () => port.takeToken(key, bucket)));
      assert.deepEqual(waits.slice(0, 3), [0, 0, 0]);
      assert.ok(waits[3]! > 0 && waits[3]! <= 1_000, `wait ${waits[3]} ms`);
    });

    it('token bucket refills with time and is shared by replicas', async () => {
      // 2 tokens/s: the second take must land within 500 ms of the first to find the bucket
      // empty, which a loaded machine still manages (at 20/s it had only 50 ms).
      const bucket = { ratePerSecond: 2, burst: 1 };
      const key = `${run}:bucket`;
      const other = await connectedReplica();
      assert.equal(await port.takeToken(key, bucket), 0);
      const wait = await other.takeToken(key, bucket);
      assert.ok(wait > 0 && wait <= 500, `wait ${wait} ms`);
      assert.equal(await port.takeToken(`${run}:other`, bucket), 0, 'buckets are per key');
      await harness.elapse(wait);
      await until(async () => (await port.takeToken(key, bucket)) === 0, 5_000, 'refill');
    });

    it('a message published on one replica reaches subscribers on another', async () => {
      const received: string[] = [];
      await port.subscribe(`${run}:rules`, (message) => received.push(message));
      await replica().publish(`${run}:rules`, 'account-1');
      await until(() => received.length === 1, 5_000, 'delivery');
      assert.deepEqual(received, ['account-1']);
    });

    it('unsubscribe stops delivery to that listener only', async () => {
      const first: string[] = [];
      const second: string[] = [];
      const unsubscribe = await port.subscribe(`${run}:c`, (m) => first.push(m));
      await port.subscribe(`${run}:c`, (m) => second.push(m));
      await unsubscribe();
      await replica().publish(`${run}:c`, 'x');
      await until(() => second.length === 1, 5_000, 'delivery to the remaining listener');
      assert.deepEqual(first, []);
    });

    it('a session opened on one replica is read on another until it is closed', async () => {
      const lifetime = { idleMs: 60_000, absoluteMs: 120_000 };
      await port.openSession(`${run}:s1`, '{"user":"u1"}', lifetime);
      assert.equal(await replica().touchSession(`${run}:s1`, lifetime), '{"user":"u1"}');
      assert.equal(await port.touchSession(`${run}:unknown`, lifetime), undefined);
      await replica().closeSession(`${run}:s1`);
      assert.equal(await port.touchSession(`${run}:s1`, lifetime), undefined);
      await port.closeSession(`${run}:s1`);
    });

    it('a session ends when unused for its idle time; each use restarts it, never past its absolute end', async () => {
      // Each touch of the busy one lands 500 ms or more inside its idle time, room for a loaded machine.
      const lifetime = { idleMs: 1_500, absoluteMs: 2_600 };
      await port.openSession(`${run}:busy`, 'b', lifetime);
      await port.openSession(`${run}:idle`, 'i', lifetime);
      await harness.elapse(800);
      assert.equal(await port.touchSession(`${run}:busy`, lifetime), 'b');
      await harness.elapse(900);
      // 1700 ms: the idle one ended at 1500; the busy one was used at 800.
      assert.equal(await port.touchSession(`${run}:idle`, lifetime), undefined);
      assert.equal(await port.touchSession(`${run}:busy`, lifetime), 'b');
      await harness.elapse(1_000);
      // 2700 ms: used 1000 ms ago (inside its idle time) but past its absolute end.
      assert.equal(await port.touchSession(`${run}:busy`, lifetime), undefined);
    });

    it('counts failures per key inside a window that starts at the first, and forgets them when cleared', async () => {
      assert.deepEqual(
        [
          await port.recordFailure(`${run}:f:alice`, 60_000),
          await replica().recordFailure(`${run}:f:alice`, 60_000),
          await port.recordFailure(`${run}:f:alice`, 60_000),
        ],
        [1, 2, 3],
      );
      assert.equal(await port.failureCount(`${run}:f:alice`), 3);
      assert.equal(await port.failureCount(`${run}:f:bob`), 0);
      await port.clearFailures(`${run}:f:alice`);
      assert.equal(await port.failureCount(`${run}:f:alice`), 0);
      await port.recordFailure(`${run}:f:short`, 300);
      await harness.elapse(500);
      assert.equal(await port.failureCount(`${run}:f:short`), 0);
    });

    describe('shared credentials (the access_token: one writer, compare-and-set staleness)', () => {
      const ahead = { leaseMs: 60_000, refreshAheadMs: 1_000 };

      it('nothing stored: no value, generation 0; the first claim wins, a second replica loses', async () => {
        const key = `${run}:cred`;
        assert.deepEqual(await port.readCredential(key), {
          value: undefined,
          remainingMs: 0,
          isStale: false,
          generation: 0,
          failure: undefined,
          ageMs: undefined,
        });
        const results = await Promise.all(
          [port, replica(), replica()].map((r, i) => r.claimCredentialRefresh(key, { ...ahead, holder: `w${i}` })),
        );
        assert.equal(results.filter((r) => r.claimed).length, 1, 'exactly one writer');
      });

      it('stores only for the lease holder; the stored value is fresh and no refresh is due', async () => {
        const key = `${run}:cred`;
        assert.equal((await port.claimCredentialRefresh(key, { ...ahead, holder: 'a' })).claimed, true);
        assert.equal(await replica().storeCredential(key, 'b', 'intruder', 60_000), false, 'not the holder');
        assert.equal(await port.storeCredential(key, 'a', 'token-1', 60_000), true);
        const state = await replica().readCredential(key);
        assert.equal(state.value, 'token-1');
        assert.equal(state.generation, 1);
        assert.equal(state.isStale, false);
        assert.ok(state.remainingMs > 50_000 && state.remainingMs <= 60_000, `${state.remainingMs}`);
        assert.ok(state.ageMs !== undefined && state.ageMs >= 0 && state.ageMs < 10_000, `age ${state.ageMs}`);
        const again = await replica().claimCredentialRefresh(key, { ...ahead, holder: 'b' });
        assert.equal(again.claimed, false, 'fresh: nothing to refresh');
        assert.equal(again.state.value, 'token-1');
        assert.equal(await port.storeCredential(key, 'a', 'late', 60_000), false, 'the lease ended with the store');
      });

      it('marks stale only the value that failed; a stale value is due for a refresh at once', async () => {
        const key = `${run}:cred`;
        await port.claimCredentialRefresh(key, { ...ahead, holder: 'a' });
        await port.storeCredential(key, 'a', 'token-1', 60_000);
        assert.equal(await replica().markCredentialStale(key, 'token-0'), false, 'an older value: no-op');
        assert.equal((await port.readCredential(key)).isStale, false);
        assert.equal(await replica().markCredentialStale(key, 'token-1'), true);
        assert.equal((await port.readCredential(key)).isStale, true);
        const claim = await replica().claimCredentialRefresh(key, { ...ahead, holder: 'b' });
        assert.equal(claim.claimed, true);
        assert.equal(await port.claimCredentialRefresh(key, { ...ahead, holder: 'c' }).then((r) => r.claimed), false);
        await replica().storeCredential(key, 'b', 'token-2', 60_000);
        assert.equal(await port.markCredentialStale(key, 'token-1'), false, 'replaced meanwhile: nothing to mark');
        const state = await port.readCredential(key);
        assert.deepEqual([state.value, state.isStale, state.generation], ['token-2', false, 2]);
      });

      it('a value with less than refreshAheadMs left is due; a lease not ended is taken over after leaseMs', async () => {
        const key = `${run}:cred`;
        await port.claimCredentialRefresh(key, { ...ahead, holder: 'a' });
        // Due 1 s after the store: the first claim lands well before that on a loaded machine too.
        await port.storeCredential(key, 'a', 'token-1', 3_000);
        const due = { leaseMs: 1_000, refreshAheadMs: 2_000 };
        assert.equal((await port.claimCredentialRefresh(key, { ...due, holder: 'b' })).claimed, false);
        await harness.elapse(1_100);
        assert.equal((await port.claimCredentialRefresh(key, { ...due, holder: 'b' })).claimed, true, 'due');
        assert.equal((await port.claimCredentialRefresh(key, { ...due, holder: 'c' })).claimed, false, 'leased');
        await harness.elapse(1_100);
        assert.equal((await port.claimCredentialRefresh(key, { ...due, holder: 'c' })).claimed, true, 'taken over');
        assert.equal(await port.storeCredential(key, 'b', 'stale writer', 60_000), false, 'fenced out');
      });

      it('a failed refresh is shown to readers and blocks claims until its retry delay passed', async () => {
        const key = `${run}:cred`;
        await port.claimCredentialRefresh(key, { ...ahead, holder: 'a' });
        await port.releaseCredential(key, 'b', { reason: 'not mine', retryAfterMs: 60_000 });
        assert.equal((await port.readCredential(key)).failure, undefined, 'only the holder releases');
        const [other, third] = [await connectedReplica(), await connectedReplica()];
        // Both reads must land inside the retry delay: 1 s leaves a loaded machine room.
        await port.releaseCredential(key, 'a', { reason: '40125 invalid appsecret', retryAfterMs: 1_000 });
        assert.equal((await other.readCredential(key)).failure, '40125 invalid appsecret');
        assert.equal((await third.claimCredentialRefresh(key, { ...ahead, holder: 'b' })).claimed, false);
        await harness.elapse(1_100);
        assert.equal((await port.readCredential(key)).failure, undefined);
        assert.equal((await replica().claimCredentialRefresh(key, { ...ahead, holder: 'b' })).claimed, true);
        await port.releaseCredential(key, 'b');
        assert.equal((await port.claimCredentialRefresh(key, { ...ahead, holder: 'c' })).claimed, true, 'released');
      });
    });

    it('daily quotas count across replicas up to their limit; a filled quota refuses at once', async () => {
      const key = `${run}:quota`;
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => (i % 2 === 0 ? port : replica()).consumeQuota(key, 3, 60_000)),
      );
      assert.equal(results.filter((r) => r.allowed).length, 3);
      assert.deepEqual(results.map((r) => r.used).sort(), [1, 2, 3, 3, 3]);
      assert.equal(await replica().quotaUsed(key), 3);
      assert.equal(await port.quotaUsed(`${run}:none`), 0);
      await port.fillQuota(`${run}:filled`, 10, 60_000);
      assert.deepEqual(await port.consumeQuota(`${run}:filled`, 10, 60_000), { allowed: false, used: 10 });
      await replica().resetQuota(`${run}:filled`);
      assert.deepEqual(await port.consumeQuota(`${run}:filled`, 10, 60_000), { allowed: true, used: 1 }, 'reset');
      await port.resetQuota(`${run}:never-counted`);
      // A batch counted at once: the first ones that fit are granted, across replicas too.
      assert.deepEqual(await port.consumeQuotas(`${run}:batch`, 10, 60_000, 4), { granted: 4, used: 4 });
      assert.deepEqual(await replica().consumeQuotas(`${run}:batch`, 10, 60_000, 8), { granted: 6, used: 10 });
      assert.deepEqual(await port.consumeQuotas(`${run}:batch`, 10, 60_000, 3), { granted: 0, used: 10 });
      assert.deepEqual(await port.consumeQuota(`${run}:batch`, 10, 60_000), { allowed: false, used: 10 });
      await port.consumeQuotas(`${run}:short-batch`, 5, 300, 2);
      await port.consumeQuota(`${run}:short`, 5, 300);
      await harness.elapse(500);
      assert.equal(await port.quotaUsed(`${run}:short`), 0, 'the count lives its ttl');
      assert.equal(await port.quotaUsed(`${run}:short-batch`), 0, "a batch's count lives its ttl");
    });

    it('service windows: closed until opened, a budget per window, the window ending first used first', async () => {
      const key = `${run}:window`;
      const [other, third] = [await connectedReplica(), await connectedReplica()];
      assert.equal(await port.takeServiceWindow(key), 'closed');
      await port.openServiceWindow(key, 'message', 60_000, 2);
      // Opened later, it still ends first (a 400 ms one used to end before a loaded machine took from it).
      await other.openServiceWindow(key, 'event', 30_000, 1);
      assert.equal(await third.takeServiceWindow(key), 'allowed', 'from the event window');
      assert.equal(await port.takeServiceWindow(key), 'allowed');
      assert.equal(await port.takeServiceWindow(key), 'allowed');
      assert.equal(await port.takeServiceWindow(key), 'exhausted');
      await port.openServiceWindow(key, 'message', 60_000, 1);
      assert.equal(await port.takeServiceWindow(key), 'allowed', 'a new message renews the window');
      await port.closeServiceWindows(key);
      assert.equal(await port.takeServiceWindow(key), 'closed', 'closed by an unfollow');
      await port.openServiceWindow(key, 'event', 300, 3);
      await harness.elapse(500);
      assert.equal(await port.takeServiceWindow(key), 'closed', 'the window ended');
    });

    it('service windows: a message given back by the attempt that took it, once, to the window it came from', async () => {
      const key = `${run}:giveback`;
      const other = await connectedReplica();
      await port.openServiceWindow(key, 'message', 60_000, 1);
      await port.openServiceWindow(key, 'event', 30_000, 1);
      assert.equal(await port.takeServiceWindow(key, 'a1'), 'allowed', 'from the event window (ends first)');
      assert.equal(await port.takeServiceWindow(key, 'a2'), 'allowed', 'from the message window');
      assert.equal(await port.takeServiceWindow(key, 'a3'), 'exhausted');
      assert.equal(await other.giveBackServiceWindow(key, 'a3'), false, 'a refused take took nothing');
      assert.equal(await other.giveBackServiceWindow(key, 'nobody'), false, 'an unknown attempt gives nothing');
      assert.equal(await other.giveBackServiceWindow(key, 'a1'), true, 'given back on another replica');
      assert.equal(await port.giveBackServiceWindow(key, 'a1'), false, 'once per attempt');
      assert.equal(await port.takeServiceWindow(key, 'a4'), 'allowed', 'the message given back');
      assert.equal(await port.takeServiceWindow(key, 'a5'), 'exhausted', 'only that one: never above the budget');
      // Both given back (a1's already was): the budgets are whole again, and no more.
      assert.equal(await port.giveBackServiceWindow(key, 'a2'), true);
      assert.equal(await port.giveBackServiceWindow(key, 'a4'), true);
      assert.equal(await port.giveBackServiceWindow(key, 'a2'), false);
      assert.equal(await port.takeServiceWindow(key), 'allowed');
      assert.equal(await port.takeServiceWindow(key), 'allowed');
      assert.equal(await port.takeServiceWindow(key), 'exhausted', 'a budget of 1 + 1, never more');
    });

    it('service windows: nothing given back to a window that ended, was closed or was renewed', async () => {
      const key = `${run}:giveback-ended`;
      await port.openServiceWindow(key, 'event', 300, 2);
      assert.equal(await port.takeServiceWindow(key, 'e1'), 'allowed');
      await harness.elapse(500);
      assert.equal(await port.giveBackServiceWindow(key, 'e1'), false, 'the window ended: not revived');
      assert.equal(await port.takeServiceWindow(key), 'closed');
      await port.openServiceWindow(key, 'message', 60_000, 2);
      assert.equal(await port.takeServiceWindow(key, 'c1'), 'allowed');
      await port.closeServiceWindows(key);
      assert.equal(await port.giveBackServiceWindow(key, 'c1'), false, 'closed by an unfollow: not reopened');
      assert.equal(await port.takeServiceWindow(key), 'closed');
      await port.openServiceWindow(key, 'message', 60_000, 2);
      assert.equal(await port.takeServiceWindow(key, 'r1'), 'allowed');
      await harness.elapse(5);
      await port.openServiceWindow(key, 'message', 60_000, 2);
      assert.equal(await port.giveBackServiceWindow(key, 'r1'), false, 'renewed with a whole budget: nothing to add');
      assert.equal(await port.takeServiceWindow(key), 'allowed');
      assert.equal(await port.takeServiceWindow(key), 'allowed');
      assert.equal(await port.takeServiceWindow(key), 'exhausted', "the renewal's budget, no more");
    });

    it('service windows: attempts of renewed windows are forgotten, those of the open one kept', async () => {
      const key = `${run}:giveback-many`;
      for (let i = 0; i < 30; i += 1) {
        await port.openServiceWindow(key, 'message', 60_000, 1);
        assert.equal(await port.takeServiceWindow(key, `p${i}`), 'allowed');
        await harness.elapse(2);
      }
      assert.equal(await port.giveBackServiceWindow(key, 'p0'), false, 'its window was renewed since');
      assert.equal(await port.giveBackServiceWindow(key, 'p29'), true, 'the open window keeps its attempts');
      assert.equal(await port.takeServiceWindow(key), 'allowed');
    });

    it('service windows in a batch: each change applied in order, as one call after the other would', async () => {
      const keys = Array.from({ length: 40 }, (_, i) => `${run}:batch:${i}`);
      const opened = keys.slice(0, 20);
      const reopened = keys.slice(20, 30);
      const unfollowed = keys.slice(30);
      for (const key of unfollowed) await port.openServiceWindow(key, 'message', 60_000, 5);
      await replica().recordServiceWindows([
        ...opened.map((key) => ({
          key,
          change: 'open' as const,
          kind: 'message' as const,
          windowMs: 60_000,
          budget: 2,
        })),
        ...reopened.flatMap((key) => [
          { key, change: 'open' as const, kind: 'message' as const, windowMs: 60_000, budget: 5 },
          { key, change: 'closed' as const },
          { key, change: 'open' as const, kind: 'event' as const, windowMs: 60_000, budget: 1 },
        ]),
        ...unfollowed.map((key) => ({ key, change: 'closed' as const })),
        { key: `${run}:batch:short`, change: 'open', kind: 'event', windowMs: 300, budget: 1 },
      ]);
      for (const key of opened) {
        assert.equal(await port.takeServiceWindow(key), 'allowed');
        assert.equal(await port.takeServiceWindow(key), 'allowed');
        assert.equal(await port.takeServiceWindow(key), 'exhausted', 'the budget given in the batch');
      }
      for (const key of reopened) {
        assert.equal(await port.takeServiceWindow(key), 'allowed', 'opened after the close');
        assert.equal(await port.takeServiceWindow(key), 'exhausted', 'the message window before the close is gone');
      }
      for (const key of unfollowed) assert.equal(await port.takeServiceWindow(key), 'closed');
      await port.recordServiceWindows([]);
      await harness.elapse(500);
      assert.equal(await port.takeServiceWindow(`${run}:batch:short`), 'closed', 'the batch window ended with its ms');
    });

    it('ping answers while open; close can be called twice', async () => {
      assert.equal(await port.ping(), true);
      await port.close();
      await port.close();
    });
  });
}
