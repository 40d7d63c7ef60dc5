import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiFailure, createUsersRepository, verifyPassword } from '@mpstack/admin';
import { createDatabase } from '@mpstack/common/db';
import { createUserCommand } from '../../src/commands/admin.js';

describe('mpstack admin create-user', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mpstack-create-user-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates a super-admin with a generated password, refuses a second one, resets on --reset', async () => {
    const env = { MPSTACK_DATA_DIR: dataDir };
    const first = await createUserCommand(env, { username: 'ops', role: 'super-admin' });
    assert.equal(first.created, true);
    assert.ok(first.password.length >= 16);
    await assert.rejects(
      createUserCommand(env, { username: 'ops', role: 'viewer' }),
      (error: unknown) => error instanceof ApiFailure && error.code === 'conflict',
    );
    await assert.rejects(
      createUserCommand(env, { username: 'x', role: 'viewer', password: 'short' }),
      (error: unknown) => error instanceof ApiFailure && error.code === 'invalid_request',
    );
    const reset = await createUserCommand(env, {
      username: 'ops',
      role: 'viewer',
      password: 'a new long password',
      reset: true,
    });
    assert.equal(reset.created, false);
    const db = createDatabase({ sqlitePath: join(dataDir, 'mpstack.db') });
    try {
      const stored = await createUsersRepository(db).findByUsername('ops');
      assert.equal(stored?.role, 'viewer');
      assert.match(stored?.passwordHash ?? '', /^scrypt\$32768\$8\$1\$/);
      assert.equal(await verifyPassword('a new long password', stored?.passwordHash ?? ''), true);
      assert.equal(await verifyPassword(first.password, stored?.passwordHash ?? ''), false);
      assert.equal(stored?.sessionEpoch, 1, 'the reset ended its sessions');
    } finally {
      await db.destroy();
    }
  });
});
