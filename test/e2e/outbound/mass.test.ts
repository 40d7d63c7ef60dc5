import assert from 'node:assert/strict';
import type { RunningBusiness } from '@mpstack/business';
import { until } from '@mpstack/testkit';
import { api } from '../../support/outbound-api.js';
import { createOutboundStand, type OutboundStand } from '../../support/outbound-stand.js';

interface MassView {
  readonly id: number;
  readonly state: string;
  readonly msgId: string | null;
  readonly finishStatus: string | null;
  readonly counts: { total: number; filter: number; sent: number; error: number } | null;
}

interface SimMassSend {
  readonly msgId: number;
  readonly clientmsgid: string | undefined;
  readonly at: number;
  readonly touser: readonly string[];
  readonly audience: 'openids' | 'all' | { readonly tagId: number };
  readonly result: {
    readonly status: string;
    readonly totalCount: number;
    readonly filterCount: number;
    readonly sentCount: number;
    readonly errorCount: number;
  };
}

/**
 * A mass send (群发) end to end: the business API → `mass/sendall` to a tag at the simulator →
 * `MASSSENDJOBFINISH` pushed to the ingress → `mpstack.receipts` → joined onto the mass send.
 */
describe('outbound e2e: a mass send to a tag, its MASSSENDJOBFINISH joined back', function () {
  this.timeout(120_000);
  let stand: OutboundStand;
  let business: RunningBusiness;

  afterEach(async () => {
    await stand?.dispose();
  });

  it('sends once to the tag’s followers only and stores the counts WeChat reported', async () => {
    const followers = 120;
    stand = await createOutboundStand({ followers, blocking: [3, 7] });
    business = await stand.business();
    // The tag: every third follower, set up through WeChat's API as a tool outside mpstack would.
    const tag = (await stand.wechat<{ tag: { id: number } }>('tags/create', { tag: { name: 'VIP 会员' } })).tag;
    const tagged = Array.from({ length: followers }, (_, i) => i)
      .filter((i) => i % 3 === 0 || i === 7)
      .map((i) => stand.openId(i));
    for (let i = 0; i < tagged.length; i += 50) {
      await stand.wechat('tags/members/batchtagging', { openid_list: tagged.slice(i, i + 50), tagid: tag.id });
    }
    const created = await api<MassView>(business.url, 'POST', '/mass', {
      account: stand.account,
      target: { tagId: tag.id },
      msgtype: 'text',
      content: { content: '会员日：流量包八折 🎁' },
    });
    const finished = await until(
      async () => {
        const view = await api<MassView>(business.url, 'GET', `/mass/${created.id}`);
        return view.state === 'finished' ? view : undefined;
      },
      60_000,
      'the mass send finished (its MASSSENDJOBFINISH joined)',
      200,
    );
    const { sends } = (await stand.control('GET', `/_sim/accounts/${stand.account}/mass-sends`)) as {
      sends: SimMassSend[];
    };
    assert.equal(sends.length, 1, 'one sendall reached WeChat');
    const [sent] = sends;
    assert.ok(sent !== undefined);
    assert.deepEqual(sent.audience, { tagId: tag.id });
    assert.equal(sent.clientmsgid, `m${created.id}`);
    assert.deepEqual([...sent.touser].sort(), [...tagged].sort(), 'the tag’s followers, each once, nobody else');
    assert.equal(new Set(sent.touser).size, sent.touser.length);
    // What was stored is what WeChat reported: 41 tagged, 2 of them blocking.
    assert.equal(finished.msgId, String(sent.msgId));
    assert.equal(finished.finishStatus, sent.result.status);
    assert.deepEqual(finished.counts, {
      total: sent.result.totalCount,
      filter: sent.result.filterCount,
      sent: sent.result.sentCount,
      error: sent.result.errorCount,
    });
    assert.deepEqual(finished.counts, {
      total: tagged.length,
      filter: tagged.length,
      sent: tagged.length - 2,
      error: 2,
    });
  });

  it('sendall’s answer lost after WeChat took the send: sent again with the same clientmsgid only a minute after 45066, 45065 joins it', async () => {
    stand = await createOutboundStand({ followers: 20 });
    // The service's clock, moved past WeChat's minute instead of waiting for it.
    let offsetMs = 0;
    business = await stand.business({}, { clock: () => Date.now() + offsetMs });
    // WeChat takes the send and pushes MASSSENDJOBFINISH at once; the answer is lost (502).
    await stand.control('POST', '/_sim/faults', {
      api: '/cgi-bin/message/mass/sendall',
      status: 502,
      phase: 'after',
      times: 1,
    });
    const created = await api<MassView>(business.url, 'POST', '/mass', {
      account: stand.account,
      target: { all: true },
      msgtype: 'text',
      content: { content: '全体通知' },
    });
    const sendallCalls = async () => {
      const { calls } = (await stand.control('GET', '/_sim/calls')) as {
        calls: { api: string; calls: number; errcodes: Record<string, number> }[];
      };
      return calls.find((c) => c.api.endsWith('/mass/sendall'));
    };
    // The client repeats the call on api2 with the same clientmsgid: 45066, retry too fast.
    await until(
      async () => ((await sendallCalls())?.errcodes['45066'] ?? 0) >= 1 || undefined,
      30_000,
      'a repeat answered 45066',
      100,
    );
    const waiting = await until(
      async () => {
        const view = await api<MassView & { errcode: number | null; nextAttemptAt: number | null }>(
          business.url,
          'GET',
          `/mass/${created.id}`,
        );
        return view.errcode === 45066 ? view : undefined;
      },
      10_000,
      'the 45066 recorded with the next attempt',
      100,
    );
    assert.equal(waiting.state, 'sending');
    assert.ok(
      waiting.nextAttemptAt !== null && waiting.nextAttemptAt - Date.now() > 55_000,
      `the next attempt a minute later (${waiting.nextAttemptAt})`,
    );
    // 15 scheduler ticks (200 ms) and not one more call: before, every tick sent it again.
    const before = await sendallCalls();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal((await sendallCalls())?.calls, before?.calls, 'no resend within the minute WeChat asked for');
    // A minute later for WeChat and for the service: the same clientmsgid gets 45065 with the first msg_id.
    await stand.control('POST', '/_sim/clock/advance', { ms: 61_000 });
    offsetMs = 61_000;
    const finished = await until(
      async () => {
        const view = await api<MassView>(business.url, 'GET', `/mass/${created.id}`);
        return view.state === 'finished' ? view : undefined;
      },
      30_000,
      'the early MASSSENDJOBFINISH joined once the msg_id was known',
      200,
    );
    const { sends } = (await stand.control('GET', `/_sim/accounts/${stand.account}/mass-sends`)) as {
      sends: SimMassSend[];
    };
    const seen = sends.map((send) => ({ clientmsgid: send.clientmsgid, msgId: send.msgId, at: send.at }));
    assert.equal(sends.length, 1, `sent once; WeChat saw ${JSON.stringify(seen)}`);
    assert.equal(finished.msgId, String(sends[0]?.msgId));
    assert.deepEqual(finished.counts, { total: 20, filter: 20, sent: 20, error: 0 });
    const calls = await sendallCalls();
    // The first call (taken, its answer lost), the client's repeat on api2 (45066), one a minute later (45065).
    assert.equal(calls?.calls, 3, `sendall calls: ${JSON.stringify(calls)}`);
    assert.equal(calls?.errcodes['45066'], 1);
    assert.equal(calls?.errcodes['45065'], 1);
  });

  it('a mass send deleted before its MASSSENDJOBFINISH arrives stays deleted, with the figures WeChat reported', async () => {
    stand = await createOutboundStand({ followers: 12, blocking: [2] });
    // The API alone (no scheduler, no receipt consumer): the event waits in mpstack.receipts.
    const apiOnly = await stand.business({}, { workers: false });
    const created = await api<MassView>(apiOnly.url, 'POST', '/mass', {
      account: stand.account,
      target: { all: true },
      msgtype: 'text',
      content: { content: '撤回测试' },
    });
    await apiOnly.mass.runDue();
    assert.equal((await api<MassView>(apiOnly.url, 'GET', `/mass/${created.id}`)).state, 'submitted');
    const deleted = await api<MassView>(apiOnly.url, 'POST', `/mass/${created.id}/delete`);
    assert.equal(deleted.state, 'deleted');
    // A replica with workers takes the waiting MASSSENDJOBFINISH.
    business = await stand.business();
    const joined = await until(
      async () => {
        const view = await api<MassView>(business.url, 'GET', `/mass/${created.id}`);
        return view.finishStatus === null ? undefined : view;
      },
      30_000,
      'the MASSSENDJOBFINISH recorded on the deleted send',
      200,
    );
    assert.equal(joined.state, 'deleted', 'the deletion is the operator’s last word');
    const { sends } = (await stand.control('GET', `/_sim/accounts/${stand.account}/mass-sends`)) as {
      sends: SimMassSend[];
    };
    const [sent] = sends;
    assert.ok(sent !== undefined);
    assert.equal(joined.finishStatus, sent.result.status);
    assert.deepEqual(joined.counts, { total: 12, filter: 12, sent: 11, error: 1 });
  });
});
