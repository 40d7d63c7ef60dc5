import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/errors/app-error.js';
import { parseMessageXml } from '../../../src/wechat/messages.js';
import { maxXmlBytes } from '../../../src/wechat/xml.js';
import { body, head, isAppError } from './support.js';

describe('wechat/messages parseMessageXml', () => {
  describe('hostile or malformed bodies', () => {
    it('refuses a DOCTYPE with an external entity (XXE)', () => {
      const xxe = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${body('<MsgType>text</MsgType><Content>&xxe;</Content>')}`;
      assert.throws(() => parseMessageXml(xxe), isAppError(ErrorCode.xmlForbidden));
    });

    it('refuses a billion-laughs entity bomb', () => {
      const lol =
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
        '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>' +
        body('<MsgType>text</MsgType><Content>&lol2;</Content>');
      assert.throws(() => parseMessageXml(lol), isAppError(ErrorCode.xmlForbidden));
    });

    it('reads a user text that merely mentions DOCTYPE or ENTITY inside CDATA, flat or nested', () => {
      const text = '怎么写 <!DOCTYPE html> 和 <!ENTITY x "y"> ？';
      const flat = parseMessageXml(body(`<MsgType>text</MsgType><Content><![CDATA[${text}]]></Content>`));
      assert.ok(flat.kind === 'text');
      assert.equal(flat.content, text);
      const nested = parseMessageXml(
        body(`<MsgType>text</MsgType><Content><![CDATA[${text}]]></Content><Extra><A>1</A></Extra>`),
      );
      assert.ok(nested.kind === 'text');
      assert.equal(nested.content, text);
      const declared = `<!DOCTYPE x>${body(`<MsgType>text</MsgType><Content><![CDATA[${text}]]></Content>`)}`;
      assert.throws(() => parseMessageXml(declared), isAppError(ErrorCode.xmlForbidden));
    });

    it('does not resolve an undeclared entity reference', () => {
      const msg = parseMessageXml(body('<MsgType>text</MsgType><Content>&xxe;</Content>'));
      assert.ok(msg.kind === 'text');
      assert.equal(msg.content, '&xxe;');
    });

    it('refuses a body larger than the XML size bound', () => {
      const big = body(`<MsgType>text</MsgType><Content>${'a'.repeat(maxXmlBytes)}</Content>`);
      assert.throws(() => parseMessageXml(big), isAppError(ErrorCode.bodyTooLarge));
    });

    it('refuses a body that is not XML', () => {
      assert.throws(() => parseMessageXml('{"MsgType":"text"}'), isAppError(ErrorCode.xmlInvalid));
      assert.throws(() => parseMessageXml(''), isAppError(ErrorCode.xmlInvalid));
    });

    it('refuses XML whose root is not <xml>', () => {
      assert.throws(
        () => parseMessageXml(`<message>${head}<MsgType>text</MsgType></message>`),
        isAppError(ErrorCode.xmlInvalid, /<xml>/),
      );
    });

    it('refuses unbalanced XML', () => {
      assert.throws(
        () => parseMessageXml(`<xml>${head}<MsgType>text</Content></xml>`),
        isAppError(ErrorCode.xmlInvalid),
      );
    });
  });
});
