import assert from 'node:assert/strict';
import { AppError } from '@mpstack/common/errors';
import { WeChatApiError, WeChatLocalRefusal, WeChatUnavailableError } from '@mpstack/common/wechat';
import { KEFU_TEXT_MAX_BYTES, parseKefuMessage } from '../../src/kefu/kefu-message.js';
import { kefuOutcomeOf } from '../../src/kefu/kefu-worker.js';

/** The 400 a message gets, or fails the test. */
function refusal(message: unknown): string {
  try {
    parseKefuMessage(message);
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'bad_request');
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(message)}`);
}

describe('business/kefu message', () => {
  it("accepts WeChat's message/custom/send bodies: text, image, news (a link), mpnews, miniprogrampage, msgmenu", () => {
    const messages = [
      { msgtype: 'text', text: { content: '您好，订单已发货 😀' } },
      { msgtype: 'image', image: { media_id: 'MEDIA_1' } },
      { msgtype: 'voice', voice: { media_id: 'MEDIA_2' } },
      { msgtype: 'video', video: { media_id: 'MEDIA_3', thumb_media_id: 'T', title: '视频', description: 'd' } },
      {
        msgtype: 'news',
        news: {
          articles: [
            {
              title: '物流',
              description: '查看详情',
              url: 'https://shop.example/o/1',
              picurl: 'https://shop.example/p.png',
            },
          ],
        },
      },
      { msgtype: 'mpnews', mpnews: { media_id: 'MEDIA_4' } },
      { msgtype: 'mpnewsarticle', mpnewsarticle: { article_id: 'A1' } },
      {
        msgtype: 'msgmenu',
        msgmenu: { head_content: '满意吗', list: [{ id: '101', content: '满意' }], tail_content: '谢谢' },
      },
      { msgtype: 'wxcard', wxcard: { card_id: 'card1' } },
      {
        msgtype: 'miniprogrampage',
        miniprogrampage: { title: '小程序', appid: 'wx0123456789abcdef', pagepath: 'pages/index', thumb_media_id: 'T' },
      },
      { msgtype: 'text', text: { content: 'x' }, customservice: { kf_account: 'test1@kftest' } },
    ];
    for (const message of messages) assert.deepEqual(parseKefuMessage(message), message);
  });

  it('refuses an unknown msgtype, a missing object, another type beside it, an empty text', () => {
    assert.match(refusal({ msgtype: 'sticker', sticker: {} }), /unknown msgtype "sticker"; one of text, image/);
    assert.match(refusal({ text: { content: 'x' } }), /unknown msgtype null/);
    assert.match(refusal('hello'), /message must be an object/);
    assert.match(refusal({ msgtype: 'text' }), /a text message needs its text object \(message\.text\)/);
    assert.match(refusal({ msgtype: 'text', text: { content: 'x' }, image: { media_id: 'm' } }), /has no image/);
    assert.match(refusal({ msgtype: 'text', text: { content: '' } }), /the text is empty \(message\.text\.content\)/);
    assert.match(refusal({ msgtype: 'image', image: {} }), /message\.image\.media_id/);
    assert.match(refusal({ msgtype: 'text', text: { content: 'x', extra: 1 } }), /message\.text/);
    assert.match(refusal({ msgtype: 'text', text: { content: 'x' }, customservice: {} }), /kf_account/);
  });

  it('names the field and what is wrong with it: missing, empty, over its limit, not a URL, too many items', () => {
    assert.match(refusal({ msgtype: 'image', image: {} }), /^media_id is missing \(message\.image\.media_id\)/);
    assert.match(
      refusal({ msgtype: 'voice', voice: { media_id: '' } }),
      /^media_id is empty \(message\.voice\.media_id\)/,
    );
    assert.match(
      refusal({ msgtype: 'video', video: { media_id: 'm', title: 't'.repeat(65) } }),
      /^title is over its limit of 64 characters \(message\.video\.title\)/,
    );
    assert.match(
      refusal({
        msgtype: 'music',
        music: { musicurl: 'not a url', hqmusicurl: 'https://x.test/a.mp3', thumb_media_id: 't' },
      }),
      /^musicurl is not a URL \(message\.music\.musicurl\)/,
    );
    assert.match(
      refusal({ msgtype: 'music', music: { musicurl: 'https://x.test/a.mp3', hqmusicurl: 'https://x.test/a.mp3' } }),
      /^thumb_media_id is missing \(message\.music\.thumb_media_id\)/,
    );
    const item = (n: number) => ({ id: String(n), content: `选项 ${n}` });
    assert.match(
      refusal({ msgtype: 'msgmenu', msgmenu: { list: Array.from({ length: 11 }, (_, n) => item(n)) } }),
      /^list: at most 10 items \(message\.msgmenu\.list\)/,
    );
    assert.match(refusal({ msgtype: 'msgmenu', msgmenu: { list: [] } }), /^list: at least 1 item\(s\)/);
    assert.match(
      refusal({ msgtype: 'wxcard', wxcard: { card_id: 7 } }),
      /^card_id must be a string \(message\.wxcard\.card_id\)/,
    );
    assert.match(
      refusal({
        msgtype: 'miniprogrampage',
        miniprogrampage: { title: 't', appid: 'x', pagepath: 'p', thumb_media_id: 'm' },
      }),
      /not a mini program AppID \(message\.miniprogrampage\.appid\)/,
    );
    assert.match(refusal({ msgtype: 'mpnewsarticle', mpnewsarticle: {} }), /^article_id is missing/);
    assert.match(
      refusal({ msgtype: 'image', image: { media_id: 'm', url: 'x' } }),
      /^unknown field\(s\) url \(message\.image\)/,
    );
  });

  it("refuses a text over WeChat's 2,048 bytes (counted in UTF-8: 682 Chinese characters fit, 683 do not)", () => {
    assert.equal(KEFU_TEXT_MAX_BYTES, 2048);
    assert.ok(parseKefuMessage({ msgtype: 'text', text: { content: '好'.repeat(682) } }));
    assert.ok(parseKefuMessage({ msgtype: 'text', text: { content: 'a'.repeat(2048) } }));
    assert.match(
      refusal({ msgtype: 'text', text: { content: '好'.repeat(683) } }),
      /over WeChat's limit of 2048 bytes/,
    );
  });

  it('refuses a news message with more than one article (WeChat: 45008) or without a link', () => {
    const article = { title: 't', url: 'https://a.example/' };
    assert.match(refusal({ msgtype: 'news', news: { articles: [article, article] } }), /exactly one article/);
    assert.match(refusal({ msgtype: 'news', news: { articles: [{ title: 't' }] } }), /message\.news\.articles\.0\.url/);
  });
});

describe('business/kefu outcome of a failed call', () => {
  it('a local refusal is failed with its errcode and reason; a WeChat errcode is failed', () => {
    const refused = kefuOutcomeOf(new WeChatLocalRefusal('sendCustomMessage', 'window_closed', 'no interaction'));
    assert.deepEqual(
      { ...refused, errmsg: undefined },
      {
        status: 'failed',
        errcode: 45015,
        reason: 'window_closed',
        errmsg: undefined,
      },
    );
    assert.match((refused as { errmsg: string }).errmsg, /window_closed, would get 45015/);
    const wechat = kefuOutcomeOf(new WeChatApiError('sendCustomMessage', 45015, 'out of time'));
    assert.equal(wechat.status, 'failed');
    assert.equal((wechat as { errcode: number }).errcode, 45015);
    assert.equal((wechat as { reason?: string }).reason, undefined);
  });

  it('unknown when the call may have reached WeChat; retried only when nothing went out', () => {
    const lost = new WeChatUnavailableError('sendCustomMessage', 'api: socket hang up', {
      isMaybeDelivered: true,
    });
    assert.equal(kefuOutcomeOf(lost).status, 'unknown');
    const refusedConnection = new WeChatUnavailableError('sendCustomMessage', 'ECONNREFUSED', {
      isMaybeDelivered: false,
    });
    assert.equal(kefuOutcomeOf(refusedConnection).status, 'retry');
    assert.equal(
      kefuOutcomeOf(new WeChatUnavailableError('token', 'the coordination store did not answer')).status,
      'retry',
    );
  });
});
