import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/errors/app-error.js';
import { parseMessage, parseMessageXml } from '../../../src/wechat/messages.js';
import { body, head, isAppError } from './support.js';

describe('wechat/messages parseMessage', () => {
  describe('user messages', () => {
    it('types a text message and keeps the base fields', () => {
      const msg = parseMessageXml(
        body('<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content><MsgId>1234567890123456</MsgId>'),
      );
      assert.equal(msg.kind, 'text');
      assert.ok(msg.kind === 'text');
      assert.equal(msg.content, '你好');
      assert.equal(msg.toUserName, 'gh_account');
      assert.equal(msg.fromUserName, 'oUser');
      assert.equal(msg.createTime, 1700000000);
      assert.equal(msg.msgId, '1234567890123456');
      assert.equal(msg.fields['Content'], '你好');
    });

    it('exposes bizmsgmenuid of a kefu menu tap', () => {
      const msg = parseMessageXml(
        body('<MsgType>text</MsgType><Content>yes</Content><bizmsgmenuid>101</bizmsgmenuid>'),
      );
      assert.ok(msg.kind === 'text');
      assert.equal(msg.bizMsgMenuId, '101');
    });

    it('types image, voice with Recognition, video and shortvideo', () => {
      const image = parseMessageXml(
        body('<MsgType>image</MsgType><PicUrl>http://p/1.jpg</PicUrl><MediaId>m1</MediaId>'),
      );
      assert.deepEqual([image.kind, image.kind === 'image' && image.picUrl], ['image', 'http://p/1.jpg']);
      const voice = parseMessageXml(
        body('<MsgType>voice</MsgType><MediaId>m2</MediaId><Format>amr</Format><Recognition>腾讯</Recognition>'),
      );
      assert.ok(voice.kind === 'voice');
      assert.deepEqual([voice.mediaId, voice.format, voice.recognition], ['m2', 'amr', '腾讯']);
      for (const kind of ['video', 'shortvideo'] as const) {
        const video = parseMessageXml(
          body(`<MsgType>${kind}</MsgType><MediaId>v</MediaId><ThumbMediaId>t</ThumbMediaId>`),
        );
        assert.ok(video.kind === kind);
        assert.deepEqual([video.mediaId, video.thumbMediaId], ['v', 't']);
      }
    });

    it('leaves recognition unset when speech recognition is off', () => {
      const voice = parseMessageXml(body('<MsgType>voice</MsgType><MediaId>m2</MediaId><Format>amr</Format>'));
      assert.ok(voice.kind === 'voice');
      assert.equal('recognition' in voice, false);
    });

    it('maps Location_X to latitude and Location_Y to longitude', () => {
      const msg = parseMessageXml(
        body(
          '<MsgType>location</MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y>' +
            '<Scale>20</Scale><Label><![CDATA[位置信息]]></Label>',
        ),
      );
      assert.ok(msg.kind === 'location');
      assert.deepEqual([msg.latitude, msg.longitude, msg.scale, msg.label], [23.134521, 113.358803, 20, '位置信息']);
    });

    it('refuses a location message whose coordinates are not numbers', () => {
      assert.throws(
        () =>
          parseMessageXml(
            body('<MsgType>location</MsgType><Location_X>north</Location_X><Location_Y>1</Location_Y><Scale>1</Scale>'),
          ),
        isAppError(ErrorCode.xmlInvalid, /Location_X/),
      );
    });

    it('types a link message', () => {
      const msg = parseMessageXml(
        body('<MsgType>link</MsgType><Title>t</Title><Description>d</Description><Url>u</Url>'),
      );
      assert.ok(msg.kind === 'link');
      assert.deepEqual([msg.title, msg.description, msg.url], ['t', 'd', 'u']);
    });

    it('preserves an unknown MsgType as kind unknown with its raw type and fields', () => {
      const msg = parseMessageXml(body('<MsgType>miniprogrampage</MsgType><Title>x</Title><MsgId>77</MsgId>'));
      assert.ok(msg.kind === 'unknown');
      assert.equal(msg.msgType, 'miniprogrampage');
      assert.equal(msg.msgId, '77');
      assert.equal(msg.fields['Title'], 'x');
    });
  });

  describe('message ids', () => {
    it('keeps a 64-bit MsgId exactly (beyond Number.MAX_SAFE_INTEGER)', () => {
      const msg = parseMessageXml(
        body('<MsgType>text</MsgType><Content>a</Content><MsgId>18446744073709551615</MsgId>'),
      );
      assert.ok(msg.kind === 'text');
      assert.equal(msg.msgId, '18446744073709551615');
    });

    it('reads MsgID (capital D) on a user message as well as MsgId', () => {
      const msg = parseMessageXml(
        body('<MsgType>text</MsgType><Content>a</Content><MsgID>6547288321577417974</MsgID>'),
      );
      assert.ok(msg.kind === 'text');
      assert.equal(msg.msgId, '6547288321577417974');
    });

    it('leaves msgId undefined when the message has none', () => {
      const msg = parseMessageXml(body('<MsgType>text</MsgType><Content>a</Content>'));
      assert.ok(msg.kind === 'text');
      assert.equal(msg.msgId, undefined);
    });
  });

  describe('required envelope', () => {
    for (const name of ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType']) {
      it(`refuses a message without ${name}, naming it`, () => {
        const fields: Record<string, string> = {
          ToUserName: 'gh',
          FromUserName: 'o',
          CreateTime: '1700000000',
          MsgType: 'text',
        };
        delete fields[name];
        assert.throws(() => parseMessage(fields), isAppError(ErrorCode.xmlInvalid, new RegExp(name)));
      });
    }

    it('names every missing element in one error', () => {
      assert.throws(
        () => parseMessage({ MsgType: 'text' }),
        isAppError(ErrorCode.xmlInvalid, /ToUserName, FromUserName, CreateTime/),
      );
    });

    it('refuses a non-numeric CreateTime', () => {
      const fields = { ToUserName: 'gh', FromUserName: 'o', CreateTime: '2024-01-01', MsgType: 'text' };
      assert.throws(() => parseMessage(fields), isAppError(ErrorCode.xmlInvalid, /CreateTime/));
    });

    it('does not mistake Object.prototype members for elements', () => {
      const fields = { ToUserName: 'gh', FromUserName: 'o', CreateTime: '1', MsgType: 'event', Event: 'constructor' };
      const msg = parseMessage(fields);
      assert.ok(msg.kind === 'event');
      assert.equal(msg.event, 'constructor');
    });
  });

  describe('text content', () => {
    it('keeps emoji and 4-byte UTF-8 characters intact', () => {
      const msg = parseMessageXml(body('<MsgType>text</MsgType><Content><![CDATA[😀𠮷 ok]]></Content>'));
      assert.ok(msg.kind === 'text');
      assert.equal(msg.content, '😀𠮷 ok');
    });

    it('reassembles content split across CDATA sections around ]]>', () => {
      const msg = parseMessageXml(body('<MsgType>text</MsgType><Content><![CDATA[a]]]]><![CDATA[>b]]></Content>'));
      assert.ok(msg.kind === 'text');
      assert.equal(msg.content, 'a]]>b');
    });

    it('keeps leading and trailing spaces of Content', () => {
      const msg = parseMessageXml(body('<MsgType>text</MsgType><Content><![CDATA[  hi  ]]></Content>'));
      assert.ok(msg.kind === 'text');
      assert.equal(msg.content, '  hi  ');
    });

    it('parses an indented body without leaking whitespace into fields', () => {
      const msg = parseMessageXml(`<xml>\n  ${head}\n  <MsgType>text</MsgType>\n  <Content>x</Content>\n</xml>\n`);
      assert.equal(Object.hasOwn(msg.fields, '#text'), false);
    });
  });
});
