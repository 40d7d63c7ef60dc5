import assert from 'node:assert/strict';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { buildReply, newsArticleLimit, type ReplyEnvelope, validateReply } from '../../../src/wechat/replies.js';
import type { NewsArticle, Reply } from '../../../src/wechat/reply-types.js';
import { parseXml } from '../../../src/wechat/xml.js';

const toMessage: ReplyEnvelope = { toUser: 'oUser', fromUser: 'gh_1', createTime: 1700000000, inReplyTo: 'message' };
const toEvent: ReplyEnvelope = { ...toMessage, inReplyTo: 'event' };
const head =
  '<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_1]]></FromUserName>' +
  '<CreateTime>1700000000</CreateTime>';

function articles(n: number): NewsArticle[] {
  return Array.from({ length: n }, (_, i) => ({
    title: `t${i}`,
    description: 'd',
    picUrl: 'http://p',
    url: 'http://u',
  }));
}

function replyInvalid(pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof AppError, `expected AppError, got ${String(error)}`);
    assert.equal(error.code, ErrorCode.replyInvalid);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

describe('wechat/replies', () => {
  describe('buildReply', () => {
    it('builds a text reply in the passive-reply layout', () => {
      assert.equal(
        buildReply({ type: 'text', content: '你好' }, toMessage),
        `${head}<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>`,
      );
    });

    it('builds image and voice replies around their MediaId', () => {
      assert.equal(
        buildReply({ type: 'image', mediaId: 'm1' }, toMessage),
        `${head}<MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[m1]]></MediaId></Image></xml>`,
      );
      assert.equal(
        buildReply({ type: 'voice', mediaId: 'm2' }, toMessage),
        `${head}<MsgType><![CDATA[voice]]></MsgType><Voice><MediaId><![CDATA[m2]]></MediaId></Voice></xml>`,
      );
    });

    it('builds a video reply with optional title and description', () => {
      const xml = buildReply({ type: 'video', mediaId: 'v', title: 't', description: 'd' }, toMessage);
      assert.match(
        xml,
        /<Video><MediaId><!\[CDATA\[v\]\]><\/MediaId><Title><!\[CDATA\[t\]\]><\/Title><Description><!\[CDATA\[d\]\]><\/Description><\/Video>/,
      );
      assert.doesNotMatch(buildReply({ type: 'video', mediaId: 'v' }, toMessage), /<Title>/);
    });

    it('builds a music reply with ThumbMediaId and HQMusicUrl', () => {
      const xml = buildReply(
        {
          type: 'music',
          thumbMediaId: 'th',
          title: 't',
          description: 'd',
          musicUrl: 'http://m',
          hqMusicUrl: 'http://hq',
        },
        toMessage,
      );
      assert.match(
        xml,
        /<Music><Title>.*<\/Title><Description>.*<\/Description><MusicUrl><!\[CDATA\[http:\/\/m\]\]><\/MusicUrl><HQMusicUrl><!\[CDATA\[http:\/\/hq\]\]><\/HQMusicUrl><ThumbMediaId><!\[CDATA\[th\]\]><\/ThumbMediaId><\/Music>/,
      );
    });

    it('builds a news reply with ArticleCount and one item per article', () => {
      const xml = buildReply({ type: 'news', articles: articles(2) }, toEvent);
      assert.match(xml, /<ArticleCount>2<\/ArticleCount><Articles><item><Title><!\[CDATA\[t0\]\]><\/Title>/);
      assert.equal(xml.split('<item>').length - 1, 2);
      assert.match(xml, /<PicUrl><!\[CDATA\[http:\/\/p\]\]><\/PicUrl><Url><!\[CDATA\[http:\/\/u\]\]><\/Url><\/item>/);
    });

    it('builds transfer_customer_service with and without a TransInfo KfAccount', () => {
      assert.equal(
        buildReply({ type: 'transfer_customer_service' }, toMessage),
        `${head}<MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>`,
      );
      assert.match(
        buildReply({ type: 'transfer_customer_service', kfAccount: 'test1@test' }, toMessage),
        /<TransInfo><KfAccount><!\[CDATA\[test1@test\]\]><\/KfAccount><\/TransInfo><\/xml>$/,
      );
    });

    it('keeps content containing ]]> intact through CDATA splitting', () => {
      const xml = buildReply({ type: 'text', content: 'a]]>b<c>&d' }, toMessage);
      assert.equal(parseXml(xml)['Content'], 'a]]>b<c>&d');
    });

    it('keeps emoji and 4-byte UTF-8 characters', () => {
      const xml = buildReply({ type: 'text', content: '😀𠮷' }, toMessage);
      assert.equal(parseXml(xml)['Content'], '😀𠮷');
    });

    it('refuses a CreateTime in milliseconds', () => {
      assert.throws(
        () => buildReply({ type: 'text', content: 'x' }, { ...toMessage, createTime: 1700000000000 }),
        replyInvalid(/milliseconds/),
      );
    });

    it('refuses a fractional or negative CreateTime', () => {
      assert.throws(
        () => buildReply({ type: 'text', content: 'x' }, { ...toMessage, createTime: 1.5 }),
        replyInvalid(),
      );
      assert.throws(() => buildReply({ type: 'text', content: 'x' }, { ...toMessage, createTime: -1 }), replyInvalid());
    });

    it('refuses an empty toUser or fromUser', () => {
      assert.throws(
        () => buildReply({ type: 'text', content: 'x' }, { ...toMessage, toUser: '' }),
        replyInvalid(/toUser/),
      );
      assert.throws(
        () => buildReply({ type: 'text', content: 'x' }, { ...toMessage, fromUser: '' }),
        replyInvalid(/fromUser/),
      );
    });
  });

  describe('news article limits', () => {
    it('allows 1 article in reply to a user message and refuses 2', () => {
      assert.equal(newsArticleLimit.message, 1);
      buildReply({ type: 'news', articles: articles(1) }, toMessage);
      assert.throws(
        () => buildReply({ type: 'news', articles: articles(2) }, toMessage),
        replyInvalid(/at most 1 .*45008/),
      );
    });

    it('allows 8 articles in reply to an event and refuses 9', () => {
      assert.equal(newsArticleLimit.event, 8);
      buildReply({ type: 'news', articles: articles(8) }, toEvent);
      assert.throws(() => buildReply({ type: 'news', articles: articles(9) }, toEvent), replyInvalid(/at most 8/));
    });

    it('refuses a news reply without articles', () => {
      assert.throws(() => validateReply({ type: 'news', articles: [] }, 'event'), replyInvalid(/at least one/));
    });

    it('refuses an article without a title', () => {
      assert.throws(
        () => validateReply({ type: 'news', articles: [{ title: '' }] }, 'event'),
        replyInvalid(/articles\[0\]\.title/),
      );
    });
  });

  describe('validateReply', () => {
    it('refuses empty text content (WeChat would show nothing; answer "success" instead)', () => {
      assert.throws(() => validateReply({ type: 'text', content: '' }, 'message'), replyInvalid(/content/));
    });

    it('refuses a missing media id', () => {
      assert.throws(() => validateReply({ type: 'image', mediaId: '' }, 'message'), replyInvalid(/mediaId/));
      assert.throws(() => validateReply({ type: 'music', thumbMediaId: '' }, 'message'), replyInvalid(/thumbMediaId/));
    });

    it('refuses control characters XML cannot carry', () => {
      assert.throws(
        () => validateReply({ type: 'text', content: 'a\u0001b' }, 'message'),
        replyInvalid(/control character/),
      );
    });

    it('refuses a lone UTF-16 surrogate', () => {
      assert.throws(() => validateReply({ type: 'text', content: 'a\uD83Db' }, 'message'), replyInvalid(/surrogate/));
    });

    it('allows tabs and newlines in text', () => {
      validateReply({ type: 'text', content: 'line1\n\tline2\r\n' }, 'message');
    });

    it('refuses an unknown reply type coming from stored JSON', () => {
      assert.throws(
        () => validateReply({ type: 'card' } as unknown as Reply, 'message'),
        replyInvalid(/unknown reply type/),
      );
    });
  });
});
