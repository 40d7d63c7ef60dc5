import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { REDIS_URL, uniqueName } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logging/logger.js';

/**
 * A real Redis reply error logged as services log them (`{ err }`): ioredis attaches the failed
 * command's arguments to it, and those are keys holding an openid (the service window's, the
 * dedupe key of an event). The line keeps the command's name and the message, not the arguments.
 */
describe('logging a Redis reply error', () => {
  it('redacts the command arguments ioredis attaches (an openid in the key), keeps the name and message', async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    const key = `${uniqueName('logger-redis')}:kefu:wx123:o6_bmjrPTlm6_2sgVt7hMZOPfL2M`;
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    });
    try {
      await redis.connect();
      await redis.set(key, 'not a number', 'EX', 60);
      const error = await redis.incr(key).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof Error, 'INCR on text fails');
      assert.ok(
        JSON.stringify((error as { command?: unknown }).command).includes('o6_bmjrPTlm6'),
        'ioredis put the key on it',
      );
      const logger = createLogger({ service: 't', level: 'debug', destination });
      logger.debug({ err: error }, 'customer-service window not recorded');
      logger.child({ account: 'demo' }).warn({ outer: { err: error } }, 'nested');
      const text = chunks.join('');
      assert.doesNotMatch(text, /o6_bmjrPTlm6/);
      const line = JSON.parse(chunks[0] ?? '{}') as { err?: { command?: { name?: string }; message?: string } };
      assert.equal(line.err?.command?.name, 'incr');
      assert.match(line.err?.message ?? '', /not an integer/);
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });
});
