import assert from 'node:assert/strict';
import { parseMessageXml, type WxMessage } from '@mpstack/common/wechat';
import type { ReplyRule } from '../../../src/rules/rule.types.js';
import { RuleSet } from '../../../src/rules/rule-set.js';
import { rule } from '../../support/accounts.js';

const head = '<ToUserName>gh_a</ToUserName><FromUserName>oU</FromUserName><CreateTime>1700000000</CreateTime>';
const text = (content: string): WxMessage =>
  parseMessageXml(`<xml>${head}<MsgType>text</MsgType><Content><![CDATA[${content}]]></Content><MsgId>1</MsgId></xml>`);
const event = (name: string, key = ''): WxMessage =>
  parseMessageXml(`<xml>${head}<MsgType>event</MsgType><Event>${name}</Event><EventKey>${key}</EventKey></xml>`);

const reply = (content: string) => ({ type: 'text', content }) as const;
const keyword = (kw: string, matchType: ReplyRule['matchType'], extra: Partial<ReplyRule> = {}) =>
  rule('a', { kind: 'keyword', keyword: kw, matchType, reply: reply(`${matchType}:${kw}`), ...extra });

function replyText(decision: ReturnType<RuleSet['decide']>): string | undefined {
  return decision.reply?.type === 'text' ? decision.reply.content : undefined;
}

describe('rules/RuleSet', () => {
  it('prefers an exact keyword over a higher-priority contains rule', () => {
    const set = new RuleSet([keyword('pri', 'contains', { priority: 100 }), keyword('price', 'exact')]);
    assert.equal(replyText(set.decide(text('price'))), 'exact:price');
    assert.equal(replyText(set.decide(text('prices'))), 'contains:pri');
  });

  it('tries contains and regex rules by priority, ties by id', () => {
    const low = keyword('a', 'contains', { priority: 1 });
    const high = keyword('b', 'contains', { priority: 5 });
    const tieFirst = keyword('x', 'contains', { priority: 3 });
    const tieSecond = keyword('^x', 'regex', { priority: 3 });
    const set = new RuleSet([low, tieSecond, high, tieFirst]);
    assert.equal(set.matchKeyword('ab')?.id, high.id);
    assert.equal(set.matchKeyword('xa')?.id, tieFirst.id);
    assert.equal(set.matchKeyword('a')?.id, low.id);
  });

  it('matches case-insensitively and ignores surrounding white space', () => {
    const set = new RuleSet([keyword('Hello', 'exact'), keyword('WORLD', 'contains')]);
    assert.equal(replyText(set.decide(text('  hELLO \n'))), 'exact:Hello');
    assert.equal(replyText(set.decide(text('new world order'))), 'contains:WORLD');
  });

  it('matches regex rules (unicode, case-insensitive)', () => {
    const set = new RuleSet([keyword('^order\\s*(\\d+)$', 'regex'), keyword('^查.+', 'regex')]);
    assert.equal(replyText(set.decide(text('ORDER 123'))), 'regex:^order\\s*(\\d+)$');
    assert.equal(replyText(set.decide(text('查话费'))), 'regex:^查.+');
    assert.equal(set.matchKeyword('order abc'), undefined);
  });

  it('answers a keyword hit in the fast path alone (not forwarded)', () => {
    const hit = keyword('hi', 'exact');
    assert.deepEqual(new RuleSet([hit]).decide(text('hi')), {
      reply: hit.reply,
      forward: false,
      decidedBy: `rule:${hit.id}`,
    });
  });

  it('answers a CLICK menu event by its event key, without forwarding', () => {
    const menu = keyword('MENU_PRICE', 'exact');
    const set = new RuleSet([menu]);
    assert.deepEqual(set.decide(event('CLICK', 'MENU_PRICE')), {
      reply: menu.reply,
      forward: false,
      decidedBy: `rule:${menu.id}`,
    });
    assert.deepEqual(set.decide(event('CLICK', 'OTHER')), {
      reply: undefined,
      forward: true,
      decidedBy: 'event:CLICK',
    });
  });

  it('replies to subscribe with the subscribe rule and still forwards the event', () => {
    const welcome = rule('a', { kind: 'subscribe', reply: reply('welcome') });
    const decision = new RuleSet([welcome]).decide(event('subscribe'));
    assert.deepEqual(decision, { reply: welcome.reply, forward: true, decidedBy: `rule:${welcome.id}` });
    assert.deepEqual(new RuleSet([]).decide(event('subscribe')), {
      reply: undefined,
      forward: true,
      decidedBy: 'subscribe',
    });
  });

  it('gives unmatched messages the default reply and forwards them', () => {
    const fallback = rule('a', { kind: 'default', reply: reply('we will get back to you') });
    const set = new RuleSet([keyword('hi', 'exact'), fallback]);
    assert.deepEqual(set.decide(text('something else')), {
      reply: fallback.reply,
      forward: true,
      decidedBy: `rule:${fallback.id}`,
    });
    const image = parseMessageXml(
      `<xml>${head}<MsgType>image</MsgType><PicUrl>u</PicUrl><MediaId>m</MediaId><MsgId>2</MsgId></xml>`,
    );
    assert.equal(set.decide(image).forward, true);
    assert.equal(replyText(set.decide(image)), 'we will get back to you');
  });

  it('ignores disabled rules of every kind', () => {
    const set = new RuleSet([
      keyword('hi', 'exact', { enabled: false }),
      keyword('h', 'contains', { enabled: false }),
      rule('a', { kind: 'subscribe', reply: reply('off'), enabled: false }),
      rule('a', { kind: 'default', reply: reply('off'), enabled: false }),
    ]);
    assert.deepEqual(set.decide(text('hi')), { reply: undefined, forward: true, decidedBy: 'no-rule:text' });
    assert.equal(set.decide(event('subscribe')).reply, undefined);
  });

  it('forwards an unknown message type without a reply', () => {
    const unknown = parseMessageXml(`<xml>${head}<MsgType>miniprogrampage</MsgType><Title>t</Title></xml>`);
    const set = new RuleSet([rule('a', { kind: 'default', reply: reply('default') })]);
    assert.deepEqual(set.decide(unknown), { reply: undefined, forward: true, decidedBy: 'unknown-type' });
  });
});
