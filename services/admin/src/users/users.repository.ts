import { randomUUID } from 'node:crypto';
import { type Db, isMysql, nowTimestamp, toDate } from '@mpstack/common/db';
import { ApiFailure } from '../api-error.js';
import { type Role, roleSchema } from '../api-types.js';
import type { NewUser, StoredUser, UsersRepository } from './users.types.js';

interface UserRow {
  readonly id: string;
  readonly username: string;
  readonly display_name: string;
  readonly role: string;
  readonly password_hash: string;
  readonly disabled: number;
  readonly session_epoch: number;
  readonly created_at: string | Date;
  readonly last_sign_in_at: string | Date | null;
}

const userColumns = [
  'id',
  'username',
  'display_name',
  'role',
  'password_hash',
  'disabled',
  'session_epoch',
  'created_at',
  'last_sign_in_at',
] as const;

/** `admin_users` through Kysely: parameters bound, never spliced into SQL. */
export function createUsersRepository(db: Db): UsersRepository {
  const select = () => db.selectFrom('admin_users').select(userColumns);
  return {
    async findByUsername(username) {
      const row = await select().where('username', '=', username).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },
    async findById(id) {
      const row = await select().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },
    async list() {
      return (await select().orderBy('username').execute()).map(toUser);
    },
    async create(user: NewUser) {
      if ((await this.findByUsername(user.username)) !== undefined) {
        throw new ApiFailure('conflict', `user "${user.username}" exists`);
      }
      const id = randomUUID();
      const now = nowTimestamp();
      await db
        .insertInto('admin_users')
        .values({
          id,
          username: user.username,
          display_name: user.displayName,
          role: user.role,
          password_hash: user.passwordHash,
          created_at: now,
          updated_at: now,
          last_sign_in_at: null,
        })
        .execute();
      const created = await this.findById(id);
      if (created === undefined) throw new Error('created user not found');
      return created;
    },
    async recordSignIn(id, at) {
      await db
        .updateTable('admin_users')
        .set({ last_sign_in_at: nowTimestamp(at) })
        .where('id', '=', id)
        .execute();
    },
    async setPassword(id, passwordHash) {
      await db
        .updateTable('admin_users')
        .set((eb) => ({
          password_hash: passwordHash,
          session_epoch: eb('session_epoch', '+', 1),
          updated_at: nowTimestamp(),
        }))
        .where('id', '=', id)
        .execute();
    },
    async update(id, change) {
      await db
        .updateTable('admin_users')
        .set((eb) => ({
          ...(change.role === undefined ? {} : { role: change.role }),
          ...(change.disabled === undefined ? {} : { disabled: change.disabled ? 1 : 0 }),
          ...(change.displayName === undefined ? {} : { display_name: change.displayName }),
          ...(change.endSessions === true ? { session_epoch: eb('session_epoch', '+', 1) } : {}),
          updated_at: nowTimestamp(),
        }))
        .where('id', '=', id)
        .execute();
    },
    lockActiveSuperAdmins: () => lockActiveSuperAdmins(db),
    async raiseSessionEpoch(id) {
      await db
        .updateTable('admin_users')
        .set((eb) => ({ session_epoch: eb('session_epoch', '+', 1), updated_at: nowTimestamp() }))
        .where('id', '=', id)
        .execute();
    },
  };
}

async function lockActiveSuperAdmins(db: Db): Promise<readonly string[]> {
  const query = db
    .selectFrom('admin_users')
    .select('id')
    .where('role', '=', 'super-admin')
    .where('disabled', '=', 0)
    .orderBy('id');
  // In id order, before any other row of the transaction: every writer locks in the same order, no deadlock.
  const rows = await (isMysql(db) ? query.forUpdate() : query).execute();
  return rows.map((row) => row.id);
}

function toUser(row: UserRow): StoredUser {
  const role: Role = roleSchema.catch('viewer').parse(row.role);
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role,
    disabled: Number(row.disabled) === 1,
    createdAt: toDate(row.created_at).toISOString(),
    ...(row.last_sign_in_at === null ? {} : { lastSignInAt: toDate(row.last_sign_in_at).toISOString() }),
    passwordHash: row.password_hash,
    sessionEpoch: Number(row.session_epoch),
  };
}

/** The user as the API shows it: never the hash or the epoch. */
export function publicUser(user: StoredUser): import('../api-types.js').User {
  const { passwordHash: _hash, sessionEpoch: _epoch, ...rest } = user;
  return rest;
}
