import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import { errorResponse } from '@mpstack/common/http';
import express, { type ErrorRequestHandler } from 'express';
import type { KefuRepository } from '../../src/kefu/kefu.repository.js';
import { createKefuRouter } from '../../src/kefu/kefu.router.js';
import type { KefuService } from '../../src/kefu/kefu.service.js';
import type { KefuMessage } from '../../src/kefu/kefu-message.js';

interface Accepted {
  readonly account: string;
  readonly openId: string;
  readonly message: KefuMessage;
}

describe('business/kefu API: validation before anything is stored', () => {
  const accepted: Accepted[] = [];
  let base: string;
  let close: () => Promise<void>;

  before(async () => {
    const kefuService = {
      async accept(send: Accepted) {
        if (send.account !== 'shop') throw new AppError(ErrorCode.notFound, `account "${send.account}" does not exist`);
        accepted.push(send);
        return { sendId: accepted.length };
      },
    } as unknown as KefuService;
    const app = express();
    app.use('/api', createKefuRouter({ kefuService, kefu: {} as KefuRepository }));
    const handler: ErrorRequestHandler = (error, _req, res, _next) => {
      const { status, body } = errorResponse(error);
      res.status(status).json(body);
    };
    app.use(handler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  after(() => close());

  const post = async (body: unknown) => {
    const response = await fetch(`${base}/kefu-sends`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error?: { message: string }; id?: number } };
  };
  const openId = 'oFollower0000000000000000001';
  const text = { msgtype: 'text', text: { content: '您好' } };

  it('answers 202 with the id at once for a valid text', async () => {
    const answer = await post({ account: 'shop', openId, message: text });
    assert.equal(answer.status, 202);
    assert.deepEqual(answer.body, { id: 1, status: 'queued' });
    assert.deepEqual(accepted.at(-1), { account: 'shop', openId, message: text });
  });

  it('400 with the problem named: missing fields, a bad openid, unknown msgtype, text over the limit, an unknown field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ openId, message: text }, /\(account\)/],
      [{ account: 'shop', message: text }, /\(openId\)/],
      [{ account: 'shop', openId }, /a message is required/],
      [{ account: 'shop', openId: 'a b', message: text }, /not an openid \(openId\)/],
      [{ account: 'shop', openId, message: { msgtype: 'location', location: {} } }, /unknown msgtype "location"/],
      [{ account: 'shop', openId, message: { msgtype: 'text', text: { content: '长'.repeat(700) } } }, /2048 bytes/],
      [{ account: 'shop', openId, message: text, templateId: 't' }, /templateId/],
    ];
    const before = accepted.length;
    for (const [body, problem] of cases) {
      const answer = await post(body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(answer.body.error?.message ?? '', problem);
    }
    assert.equal(accepted.length, before, 'nothing accepted');
  });

  it('404 for an account that does not exist', async () => {
    const answer = await post({ account: 'nobody', openId, message: text });
    assert.equal(answer.status, 404);
  });

  it('400 for a bad list filter', async () => {
    const response = await fetch(`${base}/kefu-sends?status=lost`);
    assert.equal(response.status, 400);
  });
});
