import assert from 'node:assert/strict';
import { urlSignature } from '@mpstack/common/wechat';
import { runJssdkSign, runSign } from '../../../src/wx/sign.js';
import { loadVector, str } from './fixtures.js';

describe('mpstack wx sign / jssdk-sign', () => {
  const mp = loadVector('official-vectors.json', 'tencent-official-mp-sample-decrypt');

  it('prints the msg_signature of the official vector when --encrypt is given', () => {
    const result = runSign({
      token: str(mp, 'token'),
      timestamp: str(mp, 'timestamp'),
      nonce: str(mp, 'nonce'),
      encrypt: str(mp, 'encrypt'),
    });
    assert.deepEqual(result, { exitCode: 0, stdout: `${str(mp, 'msg_signature')}\n`, stderr: '' });
  });

  it('prints the URL signature (token, timestamp, nonce) without --encrypt', () => {
    const result = runSign({ token: 't', timestamp: '1', nonce: 'n' });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, `${urlSignature('t', '1', 'n')}\n`);
  });

  it('exits 2 and lists every missing option', () => {
    const result = runSign({ token: 't' });
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /--timestamp, --nonce/);
    assert.equal(result.stdout, '');
  });

  it('prints the JS-SDK signature of the official worked example', () => {
    const v = loadVector('official-vectors.json', 'jssdk-official-example');
    const result = runJssdkSign({
      ticket: str(v, 'jsapi_ticket'),
      noncestr: str(v, 'noncestr'),
      timestamp: str(v, 'timestamp'),
      url: `${str(v, 'url')}#wechat_redirect`,
    });
    assert.deepEqual(result, { exitCode: 0, stdout: `${str(v, 'signature')}\n`, stderr: '' });
  });

  it('exits 2 when jssdk-sign lacks --url', () => {
    const result = runJssdkSign({ ticket: 't', noncestr: 'n', timestamp: '1' });
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /--url/);
  });
});
