import assert from 'node:assert/strict';
import { runParse } from '../../../src/wx/parse.js';
import { loadVector, str } from './fixtures.js';

describe('mpstack wx parse', () => {
  it('prints the typed official plaintext: kind, msgId as a string, fields', () => {
    const mp = loadVector('official-vectors.json', 'tencent-official-mp-sample-decrypt');
    const result = runParse(str(mp, 'verification.decrypted_msg_derived'));
    assert.equal(result.exitCode, 0);
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(parsed['kind'], 'text');
    assert.equal(parsed['content'], 'abcdteT');
    assert.equal(parsed['msgId'], '6054768590064713728');
    assert.equal((parsed['fields'] as Record<string, string>)['MsgType'], 'text');
    assert.match(result.stdout, /\n {2}"kind": "text"/);
  });

  it('prints the event and its typed values', () => {
    const result = runParse(
      '<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>' +
        '<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_42</EventKey></xml>',
    );
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual([parsed['kind'], parsed['event'], parsed['scene']], ['event', 'subscribe', '42']);
  });

  const head = (event: string) =>
    '<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o]]></FromUserName>' +
    `<CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event>` +
    '<EventKey><![CDATA[K]]></EventKey>';
  const fieldsOf = (xml: string) => {
    const result = runParse(xml);
    assert.equal(result.exitCode, 0, result.stderr);
    return (JSON.parse(result.stdout) as { fields: Record<string, unknown> }).fields;
  };

  it('prints nested elements (SendLocationInfo, ScanCodeInfo, SendPicsInfo) as objects, not JSON strings', () => {
    const location = fieldsOf(
      `${head('location_select')}<SendLocationInfo><Location_X><![CDATA[23.13]]></Location_X>` +
        '<Location_Y><![CDATA[113.26]]></Location_Y><Scale><![CDATA[15]]></Scale><Label><![CDATA[广州塔]]></Label>' +
        '<Poiname><![CDATA[]]></Poiname></SendLocationInfo></xml>',
    );
    assert.deepEqual(location['SendLocationInfo'], {
      Location_X: '23.13',
      Location_Y: '113.26',
      Scale: '15',
      Label: '广州塔',
      Poiname: '',
    });
    const scan = fieldsOf(
      `${head('scancode_push')}<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>` +
        '<ScanResult><![CDATA[https://mpstack.dev/qr/42]]></ScanResult></ScanCodeInfo></xml>',
    );
    assert.deepEqual(scan['ScanCodeInfo'], { ScanType: 'qrcode', ScanResult: 'https://mpstack.dev/qr/42' });
    const pics = fieldsOf(
      `${head('pic_weixin')}<SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum><![CDATA[a1]]></PicMd5Sum></item>` +
        '<item><PicMd5Sum><![CDATA[b2]]></PicMd5Sum></item></PicList></SendPicsInfo></xml>',
    );
    assert.deepEqual(pics['SendPicsInfo'], {
      Count: '2',
      PicList: { item: [{ PicMd5Sum: 'a1' }, { PicMd5Sum: 'b2' }] },
    });
  });

  it('a text message whose content is JSON stays a string', () => {
    const fields = fieldsOf(
      '<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>' +
        '<MsgType>text</MsgType><Content><![CDATA[{"a":1}]]></Content><MsgId>1</MsgId></xml>',
    );
    assert.equal(fields['Content'], '{"a":1}');
  });

  it('exits 1 with a hint when the body is still encrypted', () => {
    const result = runParse('<xml><ToUserName>gh</ToUserName><Encrypt>abc=</Encrypt></xml>');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /wx decrypt/);
  });

  it('exits 1 naming xml_invalid and the missing elements', () => {
    const result = runParse('<xml><MsgType>text</MsgType></xml>');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /xml_invalid/);
    assert.match(result.stderr, /ToUserName, FromUserName, CreateTime/);
  });

  it('exits 2 on an empty body', () => {
    assert.equal(runParse('').exitCode, 2);
  });
});
