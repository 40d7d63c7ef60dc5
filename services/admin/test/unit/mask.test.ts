import assert from 'node:assert/strict';
import { maskSecrets } from '../../src/audit/mask.js';

describe('audit: secrets masked before they are stored', () => {
  it('masks every secret-named field, at any depth and in any spelling', () => {
    const masked = maskSecrets({
      appId: 'wx123',
      token: 'tok',
      encodingAesKey: 'k'.repeat(43),
      previous_aes_key: 'old',
      appSecret: 'sec',
      app_secret: 'sec',
      password: 'p',
      passwordHash: 'scrypt$…',
      nested: [{ csrfToken: 'c', name: 'x' }],
      hasAppSecret: true,
      secretNote: null,
    });
    assert.deepEqual(masked, {
      appId: 'wx123',
      token: '***',
      encodingAesKey: '***',
      previous_aes_key: '***',
      appSecret: '***',
      app_secret: '***',
      password: '***',
      passwordHash: '***',
      nested: [{ csrfToken: '***', name: 'x' }],
      hasAppSecret: true,
      secretNote: null,
    });
  });

  it('masks a secret that is an object as a whole, and never throws on cycles, dates or bigints', () => {
    const cyclic: Record<string, unknown> = { at: new Date(0), n: 10n, secret: { value: 'x' } };
    cyclic['self'] = cyclic;
    assert.deepEqual(maskSecrets(cyclic), { at: '1970-01-01T00:00:00.000Z', n: '10', secret: '***', self: '[cycle]' });
    assert.equal(maskSecrets('token'), 'token', 'a value is not a name');
  });
});
