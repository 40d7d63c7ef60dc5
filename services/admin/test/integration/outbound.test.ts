import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminHarness, type SignedIn } from '../support/admin-harness.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly contentType: string;
  readonly body: string;
}

/**
 * A stand-in for the business service's HTTP API that records what reaches it: the boundary
 * under test is the admin service's (who may pass what on); the business API itself is tested
 * in services/business, and the console's journey runs against the real one (test/browser).
 */
class BusinessStandIn {
  readonly received: Received[] = [];
  failWith: number | undefined;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      void this.#answer(req).then(({ status, type, body, disposition }) => {
        res.writeHead(status, {
          'content-type': type,
          ...(disposition === undefined ? {} : { 'content-disposition': disposition }),
        });
        res.end(body);
      });
    });
  }

  async #answer(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      contentType: req.headers['content-type'] ?? '',
      body,
    });
    if (this.failWith !== undefined) {
      return { status: this.failWith, type: 'text/html', body: '<h1>boom</h1>', disposition: undefined };
    }
    if (req.url === '/api/pushes/7/failures.csv') {
      return {
        status: 200,
        type: 'text/csv; charset=utf-8',
        body: 'seq,openid\r\n1,o-x\r\n',
        disposition: 'attachment; filename="push-7-failures.csv"',
      };
    }
    if (req.url === '/api/templates/sync' && body.includes('refused-by-wechat')) {
      const message = 'WeChat getAllPrivateTemplates answered errcode 48001 (api 功能未授权): api unauthorized';
      return {
        status: 502,
        type: 'application/json',
        body: JSON.stringify({ error: { code: 'wechat_error', message } }),
        disposition: undefined,
      };
    }
    if (req.url === '/api/kefu-sends' && body.includes('sticker')) {
      const message = 'unknown msgtype "sticker"; one of text, image (message.msgtype)';
      return {
        status: 400,
        type: 'application/json',
        body: JSON.stringify({ error: { code: 'bad_request', message } }),
        disposition: undefined,
      };
    }
    if (req.url === '/api/pushes/404') {
      return {
        status: 404,
        type: 'application/json',
        body: JSON.stringify({ error: { code: 'not_found', message: 'push 404 does not exist' } }),
        disposition: undefined,
      };
    }
    if (req.method === 'PUT') {
      return {
        status: 200,
        type: 'application/json',
        body: JSON.stringify({ accepted: body.split('\n').length - 1, rejected: 0, duplicates: 0 }),
        disposition: undefined,
      };
    }
    return {
      status: req.method === 'POST' ? 202 : 200,
      type: 'application/json',
      body: JSON.stringify({ id: 7, url: req.url }),
      disposition: undefined,
    };
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describe('admin API: the business service passed through under /outbound (MariaDB, Redis)', function () {
  this.timeout(120_000);
  const harness = new AdminHarness();
  const business = new BusinessStandIn();
  let root: SignedIn;
  let operator: SignedIn;
  let viewer: SignedIn;

  before(async () => {
    const url = await business.listen();
    await harness.start({ root: 'super-admin', vera: 'viewer', otto: 'operator' }, { MPSTACK_BUSINESS_URL: url });
    root = await harness.signIn('root');
    operator = await harness.signIn('otto');
    viewer = await harness.signIn('vera');
  });
  after(async () => {
    await harness.stop();
    await business.close().catch(() => undefined);
  });

  it('lets a viewer read pushes with the query passed on, and streams a failure report with its file name', async () => {
    const list = await harness.as(viewer, 'GET', '/outbound/pushes?account=demo&limit=5');
    assert.equal(list.status, 200, list.text);
    assert.equal(business.received.at(-1)?.url, '/api/pushes?account=demo&limit=5');
    const csv = await harness.as(viewer, 'GET', '/outbound/pushes/7/failures.csv');
    assert.equal(csv.status, 200);
    assert.equal(csv.headers.get('content-disposition'), 'attachment; filename="push-7-failures.csv"');
    assert.equal(csv.text, 'seq,openid\r\n1,o-x\r\n');
  });

  it('refuses every outbound write to a viewer with 403 — nothing reaches the business service — and audits it', async () => {
    const before = business.received.length;
    const writes: [string, string][] = [
      ['POST', '/outbound/pushes'],
      ['POST', '/outbound/pushes/7/start'],
      ['POST', '/outbound/pushes/7/pause'],
      ['POST', '/outbound/pushes/7/resume'],
      ['POST', '/outbound/pushes/7/cancel'],
      ['POST', '/outbound/pushes/7/preview'],
      ['POST', '/outbound/sends'],
      ['POST', '/outbound/kefu-sends'],
      ['POST', '/outbound/mass'],
      ['POST', '/outbound/mass/7/cancel'],
      ['POST', '/outbound/mass/7/delete'],
      ['POST', '/outbound/templates/sync'],
      ['POST', '/outbound/health/check'],
      ['PUT', '/outbound/pushes/7/recipients'],
    ];
    for (const [method, path] of writes) {
      const answer = await harness.as(viewer, method, path, { body: { account: 'demo' } });
      assert.equal(answer.status, 403, `${method} ${path}: ${answer.text}`);
      assert.equal(answer.body.error.code, 'forbidden');
    }
    assert.equal(business.received.length, before, 'nothing was sent to the business service');
    const denied = await harness.as(root, 'GET', '/audit?actor=vera&action=api.denied&limit=50');
    assert.equal(denied.body.items.length, writes.length);
  });

  it('lets a viewer read templates, tags, token health and the estimate, the query passed on', async () => {
    for (const path of ['/templates', '/tags', '/health', '/estimate']) {
      const answer = await harness.as(viewer, 'GET', `/outbound${path}?account=demo&recipients=5`);
      assert.equal(answer.status, 200, `${path}: ${answer.text}`);
      assert.equal(business.received.at(-1)?.url, `/api${path}?account=demo&recipients=5`);
    }
  });

  it("passes an operator's template sync and connection check on, audited against the account", async () => {
    for (const [path, action] of [
      ['/outbound/templates/sync', 'outbound.templates-sync'],
      ['/outbound/health/check', 'outbound.connection-check'],
    ] as const) {
      const answer = await harness.as(operator, 'POST', path, { body: { account: 'demo' } });
      assert.equal(answer.status, 202, answer.text);
      assert.deepEqual(JSON.parse(business.received.at(-1)?.body ?? ''), { account: 'demo' });
      const audit = await harness.as(root, 'GET', `/audit?actor=otto&action=${action}&limit=1`);
      assert.equal(audit.body.items[0]?.target, 'account:demo', JSON.stringify(audit.body));
    }
  });

  it("shows WeChat's errcode and meaning when the business service's call to WeChat failed", async () => {
    const answer = await harness.as(operator, 'POST', '/outbound/templates/sync', {
      body: { account: 'refused-by-wechat' },
    });
    assert.equal(answer.status, 502);
    assert.equal(answer.body.error.code, 'upstream_failed');
    assert.match(answer.body.error.message, /errcode 48001 \(api 功能未授权\)/);
    const audit = await harness.as(root, 'GET', '/audit?actor=otto&action=outbound.templates-sync&limit=5');
    assert.equal(
      audit.body.items.some((item: { target: string }) => item.target === 'account:refused-by-wechat'),
      false,
      'a sync that failed is not audited as done',
    );
  });

  it('refuses an operator write without the CSRF token — nothing sent', async () => {
    const before = business.received.length;
    const answer = await harness.call('POST', '/outbound/pushes/7/start', { cookie: operator.cookie, body: {} });
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error.code, 'csrf_failed');
    assert.equal(business.received.length, before);
  });

  it('passes an operator write on with its JSON body and records it in the audit trail', async () => {
    const body = { account: 'demo', name: 'n', templateId: 't', fields: { thing1: '{{name}}' } };
    const created = await harness.as(operator, 'POST', '/outbound/pushes', { body });
    assert.equal(created.status, 202, created.text);
    const sent = business.received.at(-1);
    assert.equal(sent?.url, '/api/pushes');
    assert.deepEqual(JSON.parse(sent?.body ?? ''), body);
    const audit = await harness.as(root, 'GET', '/audit?actor=otto&action=outbound.&limit=10');
    assert.equal(audit.body.items[0].action, 'outbound.push-create');
    assert.equal(audit.body.items[0].target, 'push:7');
  });

  it("passes an operator's customer-service send on, audited with the follower and type (not the text); a viewer reads the sends", async () => {
    const body = {
      account: 'demo',
      openId: 'oFollower0001',
      message: { msgtype: 'text', text: { content: '私密内容' } },
    };
    const sent = await harness.as(operator, 'POST', '/outbound/kefu-sends', { body });
    assert.equal(sent.status, 202, sent.text);
    assert.equal(business.received.at(-1)?.url, '/api/kefu-sends');
    assert.deepEqual(JSON.parse(business.received.at(-1)?.body ?? ''), body);
    const audit = await harness.as(root, 'GET', '/audit?actor=otto&action=outbound.kefu-send&limit=1');
    const [entry] = audit.body.items;
    assert.equal(entry?.target, 'kefu-send:7');
    assert.deepEqual(entry?.after, { account: 'demo', openId: 'oFollower0001', msgtype: 'text' });
    assert.doesNotMatch(JSON.stringify(audit.body), /私密内容/);
    for (const path of ['/kefu-sends?account=demo&openId=oFollower0001', '/kefu-sends/7']) {
      const answer = await harness.as(viewer, 'GET', `/outbound${path}`);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(business.received.at(-1)?.url, `/api${path}`);
    }
    const refused = await harness.as(operator, 'POST', '/outbound/kefu-sends', {
      body: { ...body, message: { msgtype: 'sticker', sticker: {} } },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /unknown msgtype "sticker"/);
  });

  it('streams an upload on as CSV bytes (not JSON), and refuses a JSON upload with 415', async () => {
    const csv = 'openid,name\noAAAAAAA1,Ann\noAAAAAAA2,Bob\n';
    const answer = await harness.call('PUT', '/outbound/pushes/7/recipients', {
      cookie: operator.cookie,
      csrf: operator.csrf,
      rawBody: csv,
      contentType: 'text/csv',
    });
    assert.equal(answer.status, 200, answer.text);
    const sent = business.received.at(-1);
    assert.equal(sent?.method, 'PUT');
    assert.equal(sent?.contentType, 'text/csv');
    assert.equal(sent?.body, csv);
    const before = business.received.length;
    const json = await harness.as(operator, 'PUT', '/outbound/pushes/7/recipients', { body: { openid: 'x' } });
    assert.equal(json.status, 415);
    assert.equal(business.received.length, before);
  });

  it('refuses an id that is not a positive integer with 400, before calling the business service', async () => {
    const before = business.received.length;
    const answer = await harness.as(viewer, 'GET', '/outbound/pushes/..%2Fsends');
    assert.equal(answer.status, 400);
    assert.equal(business.received.length, before);
  });

  it("passes the business service's 404 on with its message", async () => {
    const answer = await harness.as(viewer, 'GET', '/outbound/pushes/404');
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.body.error, { code: 'not_found', message: 'push 404 does not exist' });
  });

  it('answers 502 upstream_failed when the business service fails (its HTML not passed on)', async () => {
    business.failWith = 500;
    const answer = await harness.as(viewer, 'GET', '/outbound/pushes');
    assert.equal(answer.status, 502);
    assert.equal(answer.body.error.code, 'upstream_failed');
    assert.doesNotMatch(answer.text, /boom/);
    business.failWith = undefined;
  });

  it('answers 503 unavailable when the business service is down, for reads and writes', async () => {
    await business.close();
    const read = await harness.as(viewer, 'GET', '/outbound/pushes');
    assert.equal(read.status, 503);
    assert.equal(read.body.error.code, 'unavailable');
    assert.match(read.body.error.message, /business service is not reachable/);
    const write = await harness.as(operator, 'POST', '/outbound/pushes/7/cancel', { body: {} });
    assert.equal(write.status, 503);
    const audit = await harness.as(root, 'GET', '/audit?actor=otto&action=outbound.push-cancel');
    assert.equal(audit.body.items.length, 0, 'a write that did not happen is not audited as done');
  });
});
