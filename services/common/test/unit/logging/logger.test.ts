import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, logHash, maskPhone } from '../../../src/logging/logger.js';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON with the service name and redacts secrets at the top level and one level down', () => {
    const out = capture();
    const logger = createLogger({ service: 'ingress', level: 'info', destination: out.stream });
    logger.info(
      { appSecret: 's1', access_token: 't1', account: { encodingAesKey: 'k1', appSecret: 's2', id: 'demo' } },
      'hello',
    );
    const [line] = out.lines();
    assert.equal(line?.service, 'ingress');
    assert.equal(line?.appSecret, '[redacted]');
    assert.equal(line?.access_token, '[redacted]');
    assert.deepEqual(line?.account, { encodingAesKey: '[redacted]', appSecret: '[redacted]', id: 'demo' });
    assert.doesNotMatch(JSON.stringify(line), /s1|t1|k1|s2/);
  });

  it('child loggers carry request context', () => {
    const out = capture();
    createLogger({ service: 'ingress', level: 'info', destination: out.stream })
      .child({ reqId: 'r1', account: 'demo' })
      .warn('x');
    assert.equal(out.lines()[0]?.reqId, 'r1');
  });
});

describe('maskPhone', () => {
  it('keeps the first three and last four digits of a mobile number', () => {
    assert.equal(maskPhone('13812345678'), '138****5678');
    assert.equal(maskPhone('123'), '****');
  });
});

describe('logHash', () => {
  it('gives one short tag per openid that does not contain it', () => {
    const openid = 'oABCD1234567890abcdefghijklm';
    assert.equal(logHash(openid), logHash(openid));
    assert.match(logHash(openid), /^[\w-]{12}$/);
    assert.notEqual(logHash(openid), logHash(`${openid}x`));
    assert.ok(!openid.includes(logHash(openid)));
  });
});
