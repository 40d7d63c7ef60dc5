import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningSimulator, startSimulator } from '@mpstack/simulators';
import { simSend, simSendDefaults } from '../../src/commands/sim.js';
import { renderChat } from '../../src/commands/sim-chat.js';
import { demoAccount, demoSimAccount } from '../../src/dev/demo-account.js';

/** A developer server that acknowledges everything with `success`. */
async function successServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end('success'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wx/${demoAccount.id}` };
}

describe('mpstack sim send and the simulator', () => {
  let simulator: RunningSimulator;
  let webhook: { server: Server; url: string };

  beforeEach(async () => {
    webhook = await successServer();
    simulator = await startSimulator({
      port: 0,
      ingressBaseUrl: 'http://127.0.0.1:9',
      // the demo users are followers already; o_cli_user is not, until a message makes them one
      accounts: [demoSimAccount],
    });
  });

  afterEach(async () => {
    await simulator.close();
    await new Promise((resolve) => webhook.server.close(resolve));
  });

  const options = (simulatorUrl: string | false, text = '你好 👋') => ({
    ...simSendDefaults,
    url: webhook.url,
    from: 'o_cli_user',
    text,
    timeoutMs: 2000,
    deliveries: 1,
    simulator: simulatorUrl,
    waitMs: 0,
  });

  /** A customer-service send through the simulator's public API: 0 when the user's window is open. */
  async function kefuSend(): Promise<number> {
    const base = simulator.url;
    const token = (await (
      await fetch(
        `${base}/cgi-bin/token?grant_type=client_credential&appid=${demoAccount.appId}&secret=${demoAccount.appSecret}`,
      )
    ).json()) as { access_token: string };
    const sent = (await (
      await fetch(`${base}/cgi-bin/message/custom/send?access_token=${token.access_token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ touser: 'o_cli_user', msgtype: 'text', text: { content: 'hi' } }),
      })
    ).json()) as { errcode: number };
    return sent.errcode;
  }

  it('tells the simulator first, so a customer-service reply to that user is accepted', async () => {
    const report = await simSend(options(simulator.url));
    assert.deepEqual(report.simulator, { recorded: true });
    assert.equal(report.userSees.kind, 'nothing');
    assert.equal(await kefuSend(), 0);
  });

  it('without a simulator the window stays closed, and the report says why', async () => {
    const skipped = await simSend(options(false));
    assert.equal(skipped.simulator, 'not asked');
    const unreachable = await simSend(options('http://127.0.0.1:9'));
    assert.equal(unreachable.simulator !== 'not asked' && unreachable.simulator.recorded, false);
    assert.match(JSON.stringify(unreachable.simulator), /no simulator at http:\/\/127\.0\.0\.1:9/);
    assert.equal(unreachable.userSees.kind, 'nothing', 'the delivery itself still happens');
    assert.equal(await kefuSend(), 40003, 'the simulator never heard of the user');
  });

  it('shows the chat: the message, the delivery, then the customer-service message sent while it waited', async () => {
    // the account acknowledges, then answers later through the customer-service API
    webhook.server.removeAllListeners('request');
    webhook.server.on('request', (request, response) => {
      request.resume();
      request.on('end', () => {
        response.end('success');
        void kefuSend();
      });
    });
    const sent = { ...options(simulator.url, '宽带 😀'), waitMs: 1500 };
    const report = await simSend(sent);
    assert.ok('messages' in report.customerService, JSON.stringify(report.customerService));
    assert.deepEqual(
      report.customerService.messages.map((m) => m.body),
      [{ msgtype: 'text', text: { content: 'hi' } }],
    );
    const chat = renderChat(sent, report).split('\n');
    assert.equal(chat[0], 'user o_cli_user: 宽带 😀');
    assert.match(chat[1] ?? '', /^ {4}· delivery 1: HTTP 200 in \d+ ms$/);
    assert.match(chat[2] ?? '', /no passive reply .*the user sees nothing yet/);
    assert.equal(chat[3], 'account (customer service): hi');
    assert.match(chat[4] ?? '', /waited 1\.\d s for customer-service messages: 1 arrived/);
  });

  it('only what arrives after the message is shown, not the earlier conversation', async () => {
    await simSend(options(simulator.url));
    assert.equal(await kefuSend(), 0, 'an earlier customer-service message is in the inbox');
    const report = await simSend({ ...options(simulator.url), waitMs: 200 });
    assert.ok('messages' in report.customerService);
    assert.deepEqual(report.customerService.messages, []);
  });

  it('does not wait for customer-service messages when the simulator could not be told', async () => {
    const started = Date.now();
    const report = await simSend({ ...options('http://127.0.0.1:9'), waitMs: 10_000 });
    assert.ok(Date.now() - started < 5_000, 'no 10 s wait for an inbox nobody can write to');
    assert.deepEqual(report.customerService, { unread: 'the simulator could not be told (above)' });
  });

  it('refuses to send without --text, --event or --file', async () => {
    const { text: _text, ...nothing } = options(false);
    await assert.rejects(simSend(nothing), /--text <content>, --event <event> or --file/);
  });
});
