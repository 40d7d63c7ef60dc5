import assert from 'node:assert/strict';
import { encodeAccountSendLimits } from '@mpstack/common/contracts';
import { createDatabase } from '@mpstack/common/db';
import { assertSentOnce, startPush, untilPush } from '../../support/outbound-api.js';
import { createOutboundStand, type OutboundStand } from '../../support/outbound-stand.js';

const templateApi = '/cgi-bin/message/template/send';

/**
 * A slow account (its own template rate, 2 sends/s) pushed by two business replicas whose lease
 * (1 s) is shorter than a default batch takes at that rate, with the sweeper and the test handing
 * the chunks out again all along: the claims in flight are renewed and the batches are sized to
 * the rate, so WeChat (the simulator) is called once per recipient — not once per worker that
 * saw the chunk.
 */
describe('outbound e2e: push claims at a slow account rate', function () {
  this.timeout(180_000);
  let stand: OutboundStand;

  afterEach(async () => {
    await stand?.dispose();
  });

  it('two replicas, the chunks handed out again, 2 sends/s: every recipient called exactly once', async () => {
    const n = 24;
    stand = await createOutboundStand({ followers: n });
    const db = createDatabase({ url: stand.stack.databaseUrl });
    try {
      await db
        .updateTable('accounts')
        .set({ send_limits: encodeAccountSendLimits({ rates: { template: { perSecond: 2, burst: 1 } } }) })
        .where('id', '=', stand.account)
        .execute();
    } finally {
      await db.destroy();
    }
    const env = {
      MPSTACK_PUSH_LEASE_MS: '1000',
      MPSTACK_PUSH_STALL_MS: '1000',
      MPSTACK_PUSH_CHUNK: '8',
      MPSTACK_PUSH_BATCH: '8',
      MPSTACK_PUSH_PREFETCH: '2',
    };
    const replicas = [await stand.business(env), await stand.business(env)];
    const openIds = Array.from({ length: n }, (_, i) => stand.openId(i));
    const id = await startPush(replicas[0]!.url, stand.account, openIds);
    // Each chunk's ticket again every 700 ms while the push runs, to either replica.
    const republish = setInterval(() => {
      void (async () => {
        const push = await replicas[1]!.pushes.get(id);
        if (push?.state === 'running') await replicas[1]!.pushService.publishTickets(push);
      })().catch(() => undefined);
    }, 700);
    try {
      await untilPush(
        () => replicas[0]!.url,
        id,
        (p) => p.state === 'completed',
        120_000,
        'the push completed',
        250,
      );
    } finally {
      clearInterval(republish);
    }
    const { calls } = (await stand.control('GET', `/_sim/calls?api=${encodeURIComponent(templateApi)}`)) as {
      calls: { calls: number; byOpenid: Record<string, { calls: number }> }[];
    };
    const byOpenid = calls[0]?.byOpenid ?? {};
    const repeated = Object.entries(byOpenid).filter(([, c]) => c.calls > 1);
    assert.deepEqual(repeated, [], 'recipients WeChat was called for more than once');
    assert.equal(calls[0]?.calls, n, 'one call per recipient');
    await assertSentOnce(stand, replicas[0]!.url, id, openIds);
  });
});
