import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import { api } from '../../support/outbound-api.js';
import { createOutboundStand, type OutboundStand, pushTemplate } from '../../support/outbound-stand.js';

interface TemplateList {
  syncedAt: number | null;
  templates: { templateId: string; title: string; fields: { key: string; label: string }[] }[];
}
interface Health {
  token: { isUsable: boolean; generation: number; ageMs: number | null; remainingMs: number };
  quotas: { api: string; used: number; limit: number }[];
  rates: { template: { perSecond: number; burst: number } | 'off' };
}
interface Check {
  ok: boolean;
  errcode?: number;
  meaning?: string;
  kind: string;
}
interface Mass {
  id: number;
  state: string;
  finishStatus: string | null;
  counts: { total: number; filter: number; sent: number; error: number } | null;
}

/** A JSON call expected to fail: its status and error message. */
async function refused(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}/api${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...answer.error };
}

/**
 * The business API behind the console's outbound pages, on MariaDB, Redis, RabbitMQ and the
 * WeChat simulator: the template library, token health and the connection check, the push
 * estimate against the template rate and quota, tags and mass sends to a tag.
 */
describe('outbound e2e: the console API (templates, health, estimate, tags, mass sends)', function () {
  this.timeout(120_000);
  let stand: OutboundStand;
  let base: string;

  before(async () => {
    stand = await createOutboundStand({ followers: 4 });
    const business = await stand.business({
      MPSTACK_WECHAT_RATE_TEMPLATE: '50:10',
      MPSTACK_WECHAT_DAILY_QUOTAS: 'sendTemplateMessage=100',
    });
    base = business.url;
  });
  after(async () => {
    await stand?.dispose();
  });

  it('syncs the templates from WeChat, stores them with their fields, and drops one deleted on WeChat', async () => {
    const before = await api<TemplateList>(base, 'GET', `/templates?account=${stand.account}`);
    assert.deepEqual([before.syncedAt, before.templates], [undefined, []]);
    const synced = await api<TemplateList>(base, 'POST', '/templates/sync', { account: stand.account });
    const ours = synced.templates.find((t) => t.templateId === pushTemplate);
    assert.ok(ours, JSON.stringify(synced));
    assert.deepEqual(
      ours.fields.map((f) => f.key),
      ['first', 'keyword1', 'keyword2', 'keyword3', 'remark'],
    );
    // Read back from the database, not from WeChat.
    const calls = await (await fetch(`${stand.simulator.hosts.api2}/_sim/calls`)).json();
    const again = await api<TemplateList>(base, 'GET', `/templates?account=${stand.account}`);
    assert.deepEqual(again, synced);
    assert.deepEqual(await (await fetch(`${stand.simulator.hosts.api2}/_sim/calls`)).json(), calls);

    const removed = await fetch(
      `${stand.simulator.hosts.api2}/_sim/accounts/${stand.account}/templates/${pushTemplate}`,
      { method: 'DELETE' },
    );
    assert.equal(removed.status, 200, await removed.text());
    const after = await api<TemplateList>(base, 'POST', '/templates/sync', { account: stand.account });
    assert.equal(
      after.templates.some((t) => t.templateId === pushTemplate),
      false,
    );
    // Put it back for the tests below.
    await fetch(`${stand.simulator.hosts.api2}/_sim/accounts/${stand.account}/templates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        templateId: pushTemplate,
        title: '推送通知',
        content: '{{first.DATA}}\n内容：{{keyword1.DATA}}\n时间：{{keyword2.DATA}}\n{{remark.DATA}}',
      }),
    });
    const restored = await api<TemplateList>(base, 'POST', '/templates/sync', { account: stand.account });
    assert.deepEqual(restored.templates.find((t) => t.templateId === pushTemplate)?.fields, [
      { key: 'first', label: '' },
      { key: 'keyword1', label: '内容' },
      { key: 'keyword2', label: '时间' },
      { key: 'remark', label: '' },
    ]);
  });

  it('a sync WeChat refuses is its errcode and meaning, and keeps the stored list', async () => {
    const stored = await api<TemplateList>(base, 'GET', `/templates?account=${stand.account}`);
    await fetch(`${stand.simulator.hosts.api2}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api: '/cgi-bin/template/get_all_private_template', errcode: 48001, times: 1 }),
    });
    const failed = await refused(base, 'POST', '/templates/sync', { account: stand.account });
    assert.equal(failed.status, 502);
    assert.equal(failed.code, 'wechat_error');
    assert.match(failed.message, /48001/);
    assert.deepEqual(await api<TemplateList>(base, 'GET', `/templates?account=${stand.account}`), stored);
  });

  it('bad input: an unknown template or field is refused once the library is synced; nothing is created', async () => {
    const before = await api<{ pushes: unknown[] }>(base, 'GET', `/pushes?account=${stand.account}`);
    const badTemplate = await refused(base, 'POST', '/pushes', {
      account: stand.account,
      name: 'x',
      templateId: 'no-such-template',
      fields: { first: 'hi' },
    });
    assert.equal(badTemplate.status, 400);
    assert.match(badTemplate.message, /no-such-template.*not among/);
    const badField = await refused(base, 'POST', '/sends', {
      account: stand.account,
      openId: stand.openId(0),
      templateId: pushTemplate,
      data: { thing9: { value: 'x' } },
    });
    assert.equal(badField.status, 400);
    assert.match(badField.message, /no field thing9/);
    const after = await api<{ pushes: unknown[] }>(base, 'GET', `/pushes?account=${stand.account}`);
    assert.equal(after.pushes.length, before.pushes.length);
    assert.equal((await refused(base, 'GET', '/templates?account=')).status, 400);
    assert.equal((await refused(base, 'GET', '/health?account=nobody')).status, 404);
  });

  it('token health and the connection check: the shared token fetched once, its age and expiry shown', async () => {
    const check = await api<Check & { token: Health['token'] }>(base, 'POST', '/health/check', {
      account: stand.account,
    });
    assert.equal(check.ok, true, JSON.stringify(check));
    assert.equal(check.token.isUsable, true);
    const health = await api<Health>(base, 'GET', `/health?account=${stand.account}`);
    assert.ok(health.token.generation >= 1);
    assert.ok(health.token.ageMs !== null && health.token.ageMs >= 0);
    assert.ok(health.token.remainingMs > 0);
    assert.deepEqual(health.rates.template, { perSecond: 50, burst: 10 });
    assert.equal(health.quotas.find((q) => q.api === 'sendTemplateMessage')?.limit, 100);
    const generation = health.token.generation;
    await api<Check>(base, 'POST', '/health/check', { account: stand.account });
    const later = await api<Health>(base, 'GET', `/health?account=${stand.account}`);
    assert.equal(later.token.generation, generation, 'a second check reuses the shared token');
  });

  it('a check after the AppSecret was reset shows the typed errcode (40125) and its meaning', async () => {
    await fetch(`${stand.simulator.hosts.api2}/_sim/accounts/${stand.account}/secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appSecret: 'another-secret-0123456789abcdef' }),
    });
    await fetch(`${stand.simulator.hosts.api2}/_sim/accounts/${stand.account}/tokens/invalidate`, { method: 'POST' });
    const check = await api<Check>(base, 'POST', '/health/check', { account: stand.account });
    assert.equal(check.ok, false);
    assert.equal(check.errcode, 40125, JSON.stringify(check));
    assert.ok((check.meaning ?? '').length > 0);
    await fetch(`${stand.simulator.hosts.api2}/_sim/accounts/${stand.account}/secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appSecret: 'not-used-by-the-ingress' }),
    });
    // The failed refresh holds readers off for its retry delay (10 s), then the check is OK again.
    await until(
      async () => ((await api<Check>(base, 'POST', '/health/check', { account: stand.account })).ok ? true : undefined),
      30_000,
      'connection back after the secret was restored',
      1_000,
    );
  });

  it('estimates a push at the template rate and shows a push past the daily quota', async () => {
    const fits = await api<{ seconds: number; exceedsQuota: boolean; quota: { remaining: number } }>(
      base,
      'GET',
      `/estimate?account=${stand.account}&recipients=60`,
    );
    assert.equal(fits.seconds, 1, '60 recipients: 10 at once, 50 at 50/s');
    assert.equal(fits.exceedsQuota, false);
    const over = await api<{ seconds: number; exceedsQuota: boolean; quota: { limit: number } }>(
      base,
      'GET',
      `/estimate?account=${stand.account}&recipients=250`,
    );
    assert.equal(over.seconds, 5);
    assert.equal(over.exceedsQuota, true);
    assert.equal(over.quota.limit, 100);
    assert.equal((await refused(base, 'GET', `/estimate?account=${stand.account}&recipients=-1`)).status, 400);
  });

  it('lists tags, refuses a mass send to a missing tag, sends to a tag and joins MASSSENDJOBFINISH', async () => {
    const appId = stand.stack.account.appId;
    const tag = stand.simulator.state.tags.create(appId, '会员');
    for (const n of [0, 2]) stand.simulator.state.tags.tag(appId, stand.openId(n), tag.id);
    const { tags } = await api<{ tags: { id: number; name: string; count: number }[] }>(
      base,
      'GET',
      `/tags?account=${stand.account}`,
    );
    assert.deepEqual(
      tags.find((t) => t.id === tag.id),
      { id: tag.id, name: '会员', count: 2 },
    );
    const listed = await api<{ mass: Mass[] }>(base, 'GET', `/mass?account=${stand.account}`);
    const missing = await refused(base, 'POST', '/mass', {
      account: stand.account,
      target: { tagId: 9999 },
      msgtype: 'text',
      content: { content: '会员日' },
    });
    assert.equal(missing.status, 400);
    assert.match(missing.message, /no tag 9999/);
    assert.equal(
      (await api<{ mass: Mass[] }>(base, 'GET', `/mass?account=${stand.account}`)).mass.length,
      listed.mass.length,
    );

    const created = await api<Mass>(base, 'POST', '/mass', {
      account: stand.account,
      target: { tagId: tag.id },
      msgtype: 'text',
      content: { content: '会员日' },
    });
    const finished = await until(
      async () => {
        const mass = await api<Mass>(base, 'GET', `/mass/${created.id}`);
        return mass.state === 'finished' ? mass : undefined;
      },
      30_000,
      'MASSSENDJOBFINISH joined',
      200,
    );
    assert.equal(finished.finishStatus, 'send success');
    assert.equal(finished.counts?.sent, 2);
    const deleted = await api<Mass>(base, 'POST', `/mass/${created.id}/delete`, {});
    assert.equal(deleted.state, 'deleted');
    const again = await refused(base, 'POST', `/mass/${created.id}/delete`, {});
    assert.equal(again.status, 409);
  });
});
