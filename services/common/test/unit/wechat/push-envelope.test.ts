import assert from 'node:assert/strict';
import { buildEnvelope, decodeAesKey, encryptMessage, msgSignature, urlSignature } from '../../../src/wechat/index.js';

const token = 'pushtoken';
const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const stamp = { timestamp: '1700000000', nonce: '123456789' };

describe('buildEnvelope (what WeChat posts to an account)', () => {
  it('writes the query string as URLSearchParams would, for any openid, with the signatures over the stamp', () => {
    for (const openid of ['oAbc-_09', 'o with space', 'o+&=/?#%', "o用户~!*'()", '']) {
      const envelope = buildEnvelope({ appId: 'wx1', token, mode: 'plain' }, '<xml/>', { FromUserName: openid }, stamp);
      const expected = new URLSearchParams({
        signature: urlSignature(token, stamp.timestamp, stamp.nonce),
        timestamp: stamp.timestamp,
        nonce: stamp.nonce,
        openid,
      });
      assert.equal(envelope.search, expected.toString(), openid);
      assert.deepEqual([...envelope.query], [...expected]);
      assert.equal(envelope.body, '<xml/>');
    }
  });

  it('adds encrypt_type and msg_signature in safe mode and sends ToUserName with Encrypt only', () => {
    const account = { appId: 'wx1', token, encodingAesKey, mode: 'safe' as const };
    const encrypt = encryptMessage(decodeAesKey(encodingAesKey), 'wx1', '<xml/>', Buffer.alloc(16));
    const envelope = buildEnvelope(
      account,
      '<xml/>',
      { FromUserName: 'o1', ToUserName: 'gh_1' },
      { ...stamp, encrypt },
    );
    assert.equal(envelope.query.get('encrypt_type'), 'aes');
    assert.equal(envelope.query.get('msg_signature'), msgSignature(token, stamp.timestamp, stamp.nonce, encrypt));
    assert.equal(envelope.search, envelope.query.toString());
    assert.equal(
      envelope.body,
      `<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    );
  });
});
