import assert from 'node:assert/strict';
import { cdata, msgSignature, urlSignature } from '@mpstack/common/wechat';
import { uniqueName } from '@mpstack/testkit';
import fc from 'fast-check';
import type { TestAccount } from '../support/accounts.js';
import { callbackUrl, freshStamp, plainPost, seal, send, textXml, toAnswer } from '../support/callback.js';
import { type Harness, startHarness } from '../support/harness.js';

/** Pieces of WeChat XML and of every hostile construct, glued at random. */
const fragments = [
  '<xml>',
  '</xml>',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<?xml version="1.0"?>',
  '<?pi "?>" ?>',
  '<!DOCTYPE x [',
  '<!ENTITY a "aaaaaaaa">',
  ']>',
  '&a;',
  '&amp;',
  '&#x1F600;',
  '&#0;',
  '<Encrypt>',
  '</Encrypt>',
  '<ToUserName>gh_x</ToUserName>',
  '<FromUserName>',
  '</FromUserName>',
  '<CreateTime>1700000000</CreateTime>',
  '<MsgType>text</MsgType>',
  '<MsgType>event</MsgType>',
  '<Event>subscribe</Event>',
  '<Content>',
  '</Content>',
  '<MsgId>1</MsgId>',
  '<a>',
  '</a>',
  '<a b="1" c=\'>\'>',
  '<__proto__>',
  '</__proto__>',
  '"',
  '<',
  '>',
  ' ',
  '\n',
  '😀',
];

const xmlish = fc.array(fc.constantFrom(...fragments), { maxLength: 40 }).map((parts) => parts.join(''));
/** A WeChat-shaped message whose values are random: reaches the parser, the claim and the rules. */
const message = fc
  .record({
    to: fc.constantFrom('gh_plain', 'gh_safe', 'gh_compat'),
    from: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
    type: fc.constantFrom('text', 'event', 'image', 'location', 'made_up'),
    event: fc.constantFrom('subscribe', 'CLICK', 'SCAN', 'LOCATION', 'made_up'),
    value: fc.string({ unit: 'binary', maxLength: 40 }),
    id: fc.bigInt({ min: 1n, max: 2n ** 63n }),
  })
  .map(
    (m) =>
      `<xml><ToUserName>${cdata(m.to)}</ToUserName><FromUserName>${cdata(m.from)}</FromUserName>` +
      `<CreateTime>1700000000</CreateTime><MsgType>${cdata(m.type)}</MsgType><Event>${cdata(m.event)}</Event>` +
      `<EventKey>${cdata(m.value)}</EventKey><Content>${cdata(m.value)}</Content><MsgId>${m.id}</MsgId></xml>`,
  );

const body = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), xmlish, { weight: 3, arbitrary: message });

/** Mostly `likely`, sometimes anything from `other`: keeps runs reaching the deeper steps. */
function mostly<T>(likely: T, other: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(likely) }, other);
}

type AccountName = 'plain' | 'safe' | 'compat';

interface FuzzRequest {
  readonly method: string;
  readonly account: AccountName | string;
  readonly signed: boolean;
  readonly timestamp: string | undefined;
  readonly nonce: string;
  readonly encryptType: string | undefined;
  readonly msgSignature: 'valid' | 'random' | undefined;
  readonly sealed: boolean;
  readonly openid: string | undefined;
  readonly echostr: string | undefined;
  readonly contentType: string;
  readonly body: string;
}

const request: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: mostly('POST', fc.constantFrom('GET', 'PUT', 'DELETE')),
    account: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom<AccountName>('plain', 'safe', 'compat') },
      fc.string({ maxLength: 8 }),
    ),
    signed: fc.boolean(),
    timestamp: fc.option(fc.oneof(fc.constant('now'), fc.string({ maxLength: 12 }), fc.integer().map(String))),
    nonce: fc.string({ maxLength: 12 }),
    encryptType: fc.option(fc.constantFrom('aes', 'raw', 'AES', '')),
    msgSignature: fc.option(fc.constantFrom<'valid' | 'random'>('valid', 'random')),
    sealed: fc.boolean(),
    openid: fc.option(fc.string({ maxLength: 30 })),
    echostr: fc.option(fc.string({ maxLength: 20 })),
    contentType: fc.constantFrom('text/xml', 'application/json', 'application/octet-stream', ''),
    body,
  })
  .map((r) => ({
    ...r,
    timestamp: r.timestamp ?? undefined,
    encryptType: r.encryptType ?? undefined,
    msgSignature: r.msgSignature ?? undefined,
    openid: r.openid ?? undefined,
    echostr: r.echostr ?? undefined,
  }));

describe('ingress webhook: fuzzed requests into the real handler (fast-check, bounded)', function () {
  this.timeout(120_000);
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  function accountOf(name: string): TestAccount | undefined {
    return Object.values(h.accounts).find((a) => a.id === name);
  }

  /** The body to send: random, or (sealed) random bytes encrypted for the account as WeChat would. */
  function payload(r: FuzzRequest, account: TestAccount | undefined): { body: string; encrypt: string } {
    if (!r.sealed || account?.encodingAesKey === undefined) return { body: r.body, encrypt: r.body };
    const encrypt = seal(account, r.body);
    return {
      body: `<xml><ToUserName>${cdata(account.originalId)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`,
      encrypt,
    };
  }

  function urlOf(
    r: FuzzRequest,
    account: TestAccount | undefined,
    encrypt: string,
  ): { url: string; authentic: boolean } {
    const timestamp = r.timestamp === 'now' || r.timestamp === undefined ? freshStamp().timestamp : r.timestamp;
    const token = account?.token ?? 'no-token';
    const query: Record<string, string> = { timestamp, nonce: r.nonce };
    query['signature'] = r.signed ? urlSignature(token, timestamp, r.nonce) : 'f'.repeat(40);
    if (r.encryptType !== undefined) query['encrypt_type'] = r.encryptType;
    if (r.msgSignature !== undefined) {
      query['msg_signature'] =
        r.msgSignature === 'valid' ? msgSignature(token, timestamp, r.nonce, encrypt) : 'e'.repeat(40);
    }
    if (r.openid !== undefined) query['openid'] = r.openid;
    if (r.echostr !== undefined) query['echostr'] = r.echostr;
    // Only a valid URL signature over a non-empty nonce and a timestamp in the window lets a request through.
    return {
      url: callbackUrl(h.url, r.account, query),
      authentic: r.signed && account !== undefined && r.nonce !== '',
    };
  }

  it('never answers 5xx, never crashes, and never executes anything without a valid signature', async () => {
    const executedBefore = h.executed.length;
    let executedByAuthentic = 0;
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const account = accountOf(r.account);
        const { body, encrypt } = payload(r, account);
        const { url, authentic } = urlOf(r, account, encrypt);
        const before = h.executed.length;
        const response = await fetch(url, {
          method: r.method,
          headers: r.contentType === '' ? {} : { 'content-type': r.contentType },
          ...(r.method === 'GET' ? {} : { body }),
        });
        const answer = toAnswer(response.status, await response.text());
        assert.ok(answer.status < 500, `${answer.status} ${answer.body}`);
        statuses.add(answer.status);
        // A plaintext body is authenticated by nothing but the URL; an encrypted one also needs msg_signature.
        const executed = h.executed.length - before;
        if (!authentic) assert.equal(executed, 0, 'executed without a valid signature');
        if (account !== undefined && account.encryptMode !== 'plain' && r.msgSignature !== 'valid') {
          assert.equal(executed, 0, 'executed without a valid msg_signature');
        }
        executedByAuthentic += executed;
      }),
      { numRuns: 300 },
    );
    assert.equal(h.executed.length - executedBefore, executedByAuthentic);
    // Not vacuous: the runs reached refusals at every step and executions behind valid signatures.
    assert.ok(executedByAuthentic > 0, 'no run reached the fast path');
    for (const status of [200, 400, 401, 404]) assert.ok(statuses.has(status), `no run answered ${status}`);
    // Still serving: a well-formed message is answered.
    const plain = h.accounts.plain;
    const answer = await send(
      plainPost(h.url, plain, textXml({ to: plain.originalId, from: uniqueName('o'), content: 'x' })),
    );
    assert.equal(answer.status, 200);
  });
});
