import assert from 'node:assert/strict';
import { z } from 'zod';
import { commonEnvSchema, intFromEnv, loadConfig } from '../../../src/config/index.js';
import { AppError } from '../../../src/errors/app-error.js';

describe('loadConfig', () => {
  it('applies defaults and freezes the result', () => {
    const config = loadConfig(commonEnvSchema, {});
    assert.equal(config.MPSTACK_LOG_LEVEL, 'info');
    assert.equal(config.MPSTACK_DATABASE_URL, undefined);
    assert.ok(Object.isFrozen(config));
  });

  it('treats an empty URL as not configured (the embedded default)', () => {
    const config = loadConfig(commonEnvSchema, { MPSTACK_REDIS_URL: '' });
    assert.equal(config.MPSTACK_REDIS_URL, undefined);
  });

  it('lists every problem of a bad configuration, not just the first', () => {
    const schema = commonEnvSchema.extend({ PORT: intFromEnv(80, 1, 65535) });
    const error = (() => {
      try {
        loadConfig(schema, { MPSTACK_DATABASE_URL: 'postgres://x', MPSTACK_LOG_LEVEL: 'loud', PORT: '70000' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'config_invalid');
    for (const name of ['MPSTACK_DATABASE_URL', 'MPSTACK_LOG_LEVEL', 'PORT'])
      assert.match(error.message, new RegExp(name));
  });

  it('accepts only the protocols of each server', () => {
    assert.throws(() => loadConfig(commonEnvSchema, { MPSTACK_AMQP_URL: 'http://127.0.0.1:5672' }), /amqp/);
    const ok = loadConfig(commonEnvSchema, { MPSTACK_AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' });
    assert.equal(ok.MPSTACK_AMQP_URL, 'amqp://guest:guest@127.0.0.1:5672');
  });

  it('freezes nested values too', () => {
    const schema = z.object({ LIST: z.string().transform((value) => ({ items: value.split(',') })) });
    const config = loadConfig(schema, { LIST: 'a,b' });
    assert.ok(Object.isFrozen(config.LIST));
    assert.ok(Object.isFrozen(config.LIST.items));
  });
});
