import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { createHttpApp } from '../../../src/http/app-factory.js';
import { createServiceServer, type ServiceServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';

const silent = createLogger({
  service: 'test',
  level: 'silent',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

describe('createHttpApp + createServiceServer', () => {
  let server: ServiceServer;
  let base: string;
  let ready = true;

  before(async () => {
    const telemetry = createTelemetry({ service: 'test', traceSampleRatio: 0, registerGlobalTracer: false });
    telemetry.meter.createCounter('test_requests_total').add(3, { outcome: 'ok' });
    const app = createHttpApp({
      service: 'test',
      logger: silent,
      metricsHandler: telemetry.metricsHandler,
      readiness: async () => ({ cache: ready, queue: true }),
      bodyLimitBytes: 1024,
      routes: (router) => {
        router.post('/echo', (req, res) => {
          res.json({ got: req.body as unknown });
        });
        router.get('/boom', () => {
          throw new Error('secret internal detail');
        });
        router.get('/conflict', () => {
          throw new AppError(ErrorCode.conflict, 'already there');
        });
      },
    });
    server = createServiceServer(app, (request, response) => {
      if (request.url !== '/fast') return false;
      response.end('fast');
      return true;
    });
    base = await server.listen(0, '127.0.0.1');
    assert.ok((server.server.address() as AddressInfo).port > 0);
  });
  after(async () => server.close());

  it('/healthz answers while the process is alive', async () => {
    const response = await fetch(`${base}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok', service: 'test' });
  });

  it('/readyz is 503 naming the dependency that does not answer', async () => {
    ready = false;
    const response = await fetch(`${base}/readyz`);
    ready = true;
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { status: 'not_ready', checks: { cache: false, queue: true } });
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  });

  it('/metrics serves the Prometheus text of the service meters', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /test_requests_total\{outcome="ok"\} 3/);
  });

  it('a body over the limit is 413 body_too_large in the error format', async () => {
    const response = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ big: 'x'.repeat(2000) }),
    });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'body_too_large');
  });

  it('malformed JSON is 400 bad_request', async () => {
    const response = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal(response.status, 400);
  });

  it('an unexpected error is 500 internal without its message or stack', async () => {
    const response = await fetch(`${base}/boom`);
    assert.equal(response.status, 500);
    const text = await response.text();
    assert.doesNotMatch(text, /secret internal detail|at /);
    assert.deepEqual(JSON.parse(text), { error: { code: 'internal', message: 'internal error' } });
  });

  it('an AppError keeps its code and message with the status from the one table', async () => {
    const response = await fetch(`${base}/conflict`);
    assert.equal(response.status, 409);
    assert.deepEqual(await response.json(), { error: { code: 'conflict', message: 'already there' } });
  });

  it('an unknown route is 404 not_found', async () => {
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });

  it('the fast handler takes its requests before express sees them', async () => {
    assert.equal(await (await fetch(`${base}/fast`)).text(), 'fast');
  });
});
