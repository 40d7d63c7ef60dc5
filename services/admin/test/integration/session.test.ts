import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@mpstack/common/logging';
import { type Infrastructure, openInfrastructure } from '@mpstack/common/runtime';
import type { RunningService } from '@mpstack/common/shell';
import { loadAdminConfig } from '../../src/config.js';
import { startAdmin } from '../../src/main.js';
import { hashPassword } from '../../src/users/password.js';
import { createUsersRepository } from '../../src/users/users.repository.js';

type Body = { error?: { code: string; retryAfterSeconds?: number }; csrfToken?: string; permissions?: string[] };

describe('admin API: sign-in, sessions, CSRF and lockout (embedded database and coordination)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let infrastructure: Infrastructure;
  let admin: RunningService;
  const password = 'correct horse battery';

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mpstack-admin-session-'));
    const env = { MPSTACK_DATA_DIR: dataDir, MPSTACK_ADMIN_PORT: '0', MPSTACK_LOG_LEVEL: 'silent' };
    const config = loadAdminConfig(env);
    infrastructure = await openInfrastructure(
      { service: 'admin-test', ...config, migrate: true },
      createLogger({ service: 't', level: 'silent' }),
    );
    const users = createUsersRepository(infrastructure.db);
    for (const [username, role] of [
      ['root', 'super-admin'],
      ['alice', 'viewer'],
      ['bob', 'viewer'],
    ] as const) {
      await users.create({ username, displayName: username, role, passwordHash: await hashPassword(password) });
    }
    admin = await startAdmin({ config, infrastructure });
  });

  after(async () => {
    await admin?.close();
    await infrastructure?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async (
    method: string,
    path: string,
    init: { body?: unknown; cookie?: string; csrf?: string; origin?: string | null; ip?: string } = {},
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const origin = init.origin === undefined ? admin.url : init.origin;
    if (origin !== null) headers.origin = origin;
    if (init.cookie !== undefined) headers.cookie = init.cookie;
    if (init.csrf !== undefined) headers['x-csrf-token'] = init.csrf;
    if (init.ip !== undefined) headers['x-forwarded-for'] = init.ip;
    const response = await fetch(`${admin.url}/admin/api${path}`, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text === '' ? {} : JSON.parse(text)) as Body,
      cookie: response.headers.get('set-cookie'),
    };
  };
  const signIn = async (username: string, pass = password, ip = '10.0.0.1') => {
    const response = await call('POST', '/session', { body: { username, password: pass }, ip });
    return { ...response, session: response.cookie?.split(';')[0] ?? '' };
  };

  it('signs in with the right password only: HttpOnly SameSite=Strict cookie, CSRF token, permissions of the role', async () => {
    assert.equal((await signIn('root', 'wrong password!')).status, 401);
    assert.equal((await signIn('nobody')).body.error?.code, 'unauthenticated');
    const ok = await signIn('root');
    assert.equal(ok.status, 200);
    assert.match(ok.cookie ?? '', /^mpstack_session=[\w-]{43}; Path=\/admin; HttpOnly; SameSite=Strict$/);
    const me = await call('GET', '/session', { cookie: ok.session });
    assert.equal(me.status, 200);
    assert.equal(me.body.csrfToken, ok.body.csrfToken);
    assert.ok(!JSON.stringify(me.body).includes('scrypt'), 'no password hash in the answer');
    const viewer = await signIn('alice');
    assert.deepEqual((await call('GET', '/me/permissions', { cookie: viewer.session })).body.permissions, [
      'accounts:read',
      'logs:read',
      'logs:export',
      'dashboard:read',
    ]);
    assert.equal((await call('GET', '/session')).status, 401);
  });

  it('refuses a state change without the CSRF token, with a wrong one, from another origin or without Origin', async () => {
    const { session, body } = await signIn('root');
    const csrf = body.csrfToken ?? '';
    assert.equal((await call('DELETE', '/session', { cookie: session })).body.error?.code, 'csrf_failed');
    assert.equal((await call('DELETE', '/session', { cookie: session, csrf: `${csrf}x` })).status, 403);
    const foreign = await call('DELETE', '/session', { cookie: session, csrf, origin: 'https://evil.example' });
    assert.equal(foreign.body.error?.code, 'csrf_failed');
    assert.equal((await call('DELETE', '/session', { cookie: session, csrf, origin: null })).status, 403);
    assert.equal((await call('GET', '/session', { cookie: session })).status, 200, 'still signed in');
    assert.equal((await call('DELETE', '/session', { cookie: session, csrf })).status, 204);
    assert.equal((await call('GET', '/session', { cookie: session })).status, 401);
  });

  it('signs out everywhere: every session of the user ends, another user keeps theirs', async () => {
    const first = await signIn('bob');
    const second = await signIn('bob');
    const other = await signIn('root');
    const revoked = await call('POST', '/session/revoke-all', {
      cookie: first.session,
      csrf: first.body.csrfToken ?? '',
    });
    assert.equal(revoked.status, 204);
    assert.equal((await call('GET', '/session', { cookie: second.session })).status, 401);
    assert.equal((await call('GET', '/session', { cookie: other.session })).status, 200);
  });

  it('locks a user out after 5 failures with a growing wait, even for the right password', async () => {
    const ip = '10.0.1.1';
    for (let i = 0; i < 5; i++) assert.equal((await signIn('alice', 'wrong password!', ip)).status, 401);
    const first = await signIn('alice', password, ip);
    assert.equal(first.status, 423);
    assert.equal(first.body.error?.code, 'locked');
    assert.equal(first.body.error?.retryAfterSeconds, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await signIn('alice', 'wrong password!', ip)).status, 401);
    const second = await signIn('alice', password, ip);
    assert.equal(second.status, 423);
    assert.equal(second.body.error?.retryAfterSeconds, 2, 'the wait doubles');
  });

  it('slows a password spray across users from one address: locked after 20 failures whatever the name', async () => {
    const ip = '10.0.2.2';
    for (let i = 0; i < 20; i++) assert.equal((await signIn(`user${i}`, 'Winter2026!', ip)).status, 401);
    const next = await signIn('root', password, ip);
    assert.equal(next.status, 423);
    assert.equal((await signIn('root', password, '10.0.2.3')).status, 200, 'another address is not locked');
  });
});
