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
