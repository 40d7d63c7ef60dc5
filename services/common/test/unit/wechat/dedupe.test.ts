import assert from 'node:assert/strict';
import { dedupeKey, dedupeKeyPrefix } from '../../../src/wechat/dedupe.js';
import { parseMessageXml } from '../../../src/wechat/messages.js';

function msg(inner: string, from = 'oUser', createTime = 1700000000) {
  return parseMessageXml(
    `<xml><ToUserName>gh_1</ToUserName><FromUserName>${from}</FromUserName><CreateTime>${createTime}</CreateTime>${inner}</xml>`,
  );
}

const safeKey = /^[\x21-\x7e]{1,100}$/;

describe('wechat/dedupe dedupeKey', () => {
  it('keys a user message on account and MsgId, readable', () => {
    const key = dedupeKey(
      'wx2c2769f8efd9abc2',
      msg('<MsgType>text</MsgType><Content>a</Content><MsgId>6054768590064713728</MsgId>'),
    );
    assert.equal(key, `${dedupeKeyPrefix}wx2c2769f8efd9abc2:m6054768590064713728`);
  });

  it('gives the same key to a retry of the same message', () => {
    const body = '<MsgType>text</MsgType><Content>a</Content><MsgId>1</MsgId>';
    assert.equal(dedupeKey('acc', msg(body)), dedupeKey('acc', msg(body)));
  });

  it('keys the job-finish events on MsgID (capital D), apart from user message ids', () => {
    const job = msg(
      '<MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><MsgID>42</MsgID><Status>success</Status>',
    );
    const user = msg('<MsgType>text</MsgType><Content>a</Content><MsgId>42</MsgId>');
    assert.equal(dedupeKey('acc', job), `${dedupeKeyPrefix}acc:j42`);
    assert.notEqual(dedupeKey('acc', job), dedupeKey('acc', user));
  });

  it('keys an event on FromUserName + CreateTime + Event + EventKey', () => {
    const click = (key: string, from = 'oUser', time = 1700000000) =>
      dedupeKey('acc', msg(`<MsgType>event</MsgType><Event>CLICK</Event><EventKey>${key}</EventKey>`, from, time));
    assert.equal(click('A'), click('A'));
    assert.notEqual(click('A'), click('B'));
    assert.notEqual(click('A'), click('A', 'oOther'));
    assert.notEqual(click('A'), click('A', 'oUser', 1700000001));
    const view = dedupeKey('acc', msg('<MsgType>event</MsgType><Event>VIEW</Event><EventKey>A</EventKey>'));
    assert.notEqual(click('A'), view);
  });

  it('separates accounts', () => {
    const body = '<MsgType>text</MsgType><Content>a</Content><MsgId>1</MsgId>';
    assert.notEqual(dedupeKey('acc1', msg(body)), dedupeKey('acc2', msg(body)));
  });

  it('stays short and printable for hostile accounts, openids and event keys', () => {
    const hostile = `a b\r\n:*?${'x'.repeat(500)}`;
    const key = dedupeKey(
      hostile,
      msg(`<MsgType>event</MsgType><Event>CLICK</Event><EventKey><![CDATA[${'k'.repeat(128)} \n*]]></EventKey>`),
    );
    assert.match(key, safeKey);
    assert.ok(key.length <= 60, key);
  });

  it('does not confuse field boundaries of the event tuple', () => {
    const a = dedupeKey('acc', msg('<MsgType>event</MsgType><Event>CLICK</Event><EventKey>bc</EventKey>', 'oa'));
    const b = dedupeKey('acc', msg('<MsgType>event</MsgType><Event>CLICK</Event><EventKey>c</EventKey>', 'oab'));
    assert.notEqual(a, b);
  });
});
