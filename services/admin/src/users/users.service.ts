import type { Db } from '@mpstack/common/db';
import { ApiFailure } from '../api-error.js';
import type { CreateUserRequest, Role, User } from '../api-types.js';
import { recordAudit } from '../audit/audit.repository.js';
import { hashPassword, passwordProblems } from './password.js';
import { createUsersRepository, publicUser } from './users.repository.js';
import type { StoredUser } from './users.types.js';

/** Who makes a change, and from where (for the audit trail). */
export interface Actor {
  readonly username: string;
  readonly ip: string;
}

export interface UserPatch {
  readonly role?: Role | undefined;
  readonly disabled?: boolean | undefined;
  readonly displayName?: string | undefined;
  readonly password?: string | undefined;
}

/** `POST /users`: a new user and its audit entry in one transaction; `conflict` when the name is taken. */
export async function createUser(db: Db, actor: Actor, request: CreateUserRequest): Promise<User> {
  const passwordHash = await hashPassword(request.password);
  return db
    .transaction()
    .execute(async (trx) => {
      const user = await createUsersRepository(trx).create({
        username: request.username,
        displayName: request.displayName ?? request.username,
        role: request.role,
        passwordHash,
      });
      const after = publicUser(user);
      await recordAudit(trx, { ...actorOf(actor), action: 'users.create', target: `user:${user.username}`, after });
      return after;
    })
    .catch((error: unknown) => {
      // Two requests creating the same name at once: the unique index refuses the second.
      if (isDuplicateKey(error)) throw new ApiFailure('conflict', `user "${request.username}" exists`);
      throw error;
    });
}

function isDuplicateKey(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * `PATCH /users/:id`. Disabling a user or setting a password ends every session of theirs (the
 * epoch rises); a role change applies on their next request. The last active super-admin can
 * be neither demoted nor disabled (`conflict`): the super-admins' rows are locked first, so two
 * admins demoting each other at once leave one.
 */
export async function updateUser(db: Db, actor: Actor, id: string, patch: UserPatch): Promise<User> {
  const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
  return db.transaction().execute(async (trx) => {
    const users = createUsersRepository(trx);
    const superAdmins = await users.lockActiveSuperAdmins();
    const before = await users.findById(id);
    if (before === undefined) throw new ApiFailure('not_found', 'no such user');
    if (patch.password !== undefined) {
      const problems = passwordProblems(patch.password, before.username);
      if (problems.length > 0) throw new ApiFailure('invalid_request', problems.join('; '), { problems });
    }
    if (losesSuperAdmin(before, patch) && superAdmins.length <= 1) {
      throw new ApiFailure('conflict', 'the last active super-admin cannot be demoted or disabled');
    }
    const disabling = patch.disabled === true && !before.disabled;
    await users.update(id, {
      role: patch.role,
      disabled: patch.disabled,
      displayName: patch.displayName,
      endSessions: disabling,
    });
    if (passwordHash !== undefined) await users.setPassword(id, passwordHash);
    const after = await users.findById(id);
    if (after === undefined) throw new Error('updated user not found');
    await audit(trx, actor, before, after, patch.password !== undefined);
    return publicUser(after);
  });
}

function losesSuperAdmin(user: StoredUser, patch: UserPatch): boolean {
  if (user.role !== 'super-admin' || user.disabled) return false;
  return (patch.role !== undefined && patch.role !== 'super-admin') || patch.disabled === true;
}

/** One entry: the fields that changed, before and after (a password reset shows as `***`). */
async function audit(
  trx: Db,
  actor: Actor,
  before: StoredUser,
  after: StoredUser,
  passwordSet: boolean,
): Promise<void> {
  const fields = ['role', 'disabled', 'displayName'] as const;
  const changed = fields.filter((field) => before[field] !== after[field]);
  const pick = (user: StoredUser) => Object.fromEntries(changed.map((field) => [field, user[field]]));
  const target = `user:${after.username}`;
  if (changed.length > 0) {
    await recordAudit(trx, {
      ...actorOf(actor),
      action: 'users.update',
      target,
      before: pick(before),
      after: pick(after),
    });
  }
  if (passwordSet) {
    await recordAudit(trx, { ...actorOf(actor), action: 'users.reset-password', target, after: { password: 'new' } });
  }
}

const actorOf = (actor: Actor) => ({ actor: actor.username, ip: actor.ip });
