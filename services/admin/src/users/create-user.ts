import { randomBytes } from 'node:crypto';
import type { Db } from '@mpstack/common/db';
import { ApiFailure } from '../api-error.js';
import { type Role, roleSchema } from '../api-types.js';
import { recordAudit } from '../audit/audit.repository.js';
import { hashPassword, passwordProblems } from './password.js';
import { createUsersRepository, publicUser } from './users.repository.js';

export interface CreateUserInput {
  readonly username: string;
  readonly role: Role;
  readonly displayName?: string;
  /** A generated one (printed once) when absent. */
  readonly password?: string;
  /** An existing user gets this password (and role) instead of a `conflict`. */
  readonly reset?: boolean;
}

/** `mpstack admin create-user` and the demo admin of `mpstack dev`: creates (or resets) a console user. */
export async function createConsoleUser(
  db: Db,
  input: CreateUserInput,
): Promise<{ readonly username: string; readonly password: string; readonly created: boolean }> {
  const role = roleSchema.parse(input.role);
  if (!/^[\w.@-]{1,64}$/.test(input.username)) {
    throw new ApiFailure('invalid_request', 'username: 1 to 64 letters, digits, _ . @ -');
  }
  const password = input.password ?? randomBytes(12).toString('base64url');
  const problems = passwordProblems(password, input.username);
  if (problems.length > 0) throw new ApiFailure('invalid_request', problems.join('; '), { problems });
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const users = createUsersRepository(trx);
    const existing = await users.findByUsername(input.username);
    const audit = { actor: cliActor, ip: 'local', target: `user:${input.username}` };
    if (existing === undefined) {
      const user = await users.create({
        username: input.username,
        displayName: input.displayName ?? input.username,
        role,
        passwordHash,
      });
      await recordAudit(trx, { ...audit, action: 'users.create', after: publicUser(user) });
      return { username: input.username, password, created: true };
    }
    if (input.reset !== true)
      throw new ApiFailure('conflict', `user "${input.username}" exists (--reset sets a new password)`);
    await users.setPassword(existing.id, passwordHash);
    await trx.updateTable('admin_users').set({ role }).where('id', '=', existing.id).execute();
    await recordAudit(trx, {
      ...audit,
      action: 'users.reset-password',
      before: { role: existing.role },
      after: { role, password: 'reset' },
    });
    return { username: input.username, password, created: false };
  });
}

/** The actor of writes made from the command line (`mpstack admin create-user`), which has no console user. */
export const cliActor = '(cli)';
