import type { Role, User } from '../api-types.js';

/** A user as stored, with what only the server sees. */
export interface StoredUser extends User {
  readonly passwordHash: string;
  readonly sessionEpoch: number;
}

export interface NewUser {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly passwordHash: string;
}

/** Where the console's users are kept (`admin_users`). */
export interface UsersRepository {
  findByUsername(username: string): Promise<StoredUser | undefined>;
  findById(id: string): Promise<StoredUser | undefined>;
  list(): Promise<readonly StoredUser[]>;
  /** Throws `conflict` when the username is taken. */
  create(user: NewUser): Promise<StoredUser>;
  recordSignIn(id: string, at: Date): Promise<void>;
  /** A new password; the user's sessions end (the epoch rises). */
  setPassword(id: string, passwordHash: string): Promise<void>;
  /** "Sign out everywhere": sessions opened under the previous epoch end. */
  raiseSessionEpoch(id: string): Promise<void>;
  /** Role, disabled, display name; `endSessions` raises the epoch in the same statement. */
  update(id: string, change: UserChange): Promise<void>;
  /**
   * The ids of the active (not disabled) super-admins; inside a MariaDB transaction their rows stay
   * locked until it ends, so two admins demoting each other at once cannot both succeed.
   */
  lockActiveSuperAdmins(): Promise<readonly string[]>;
}

export interface UserChange {
  readonly role?: Role | undefined;
  readonly disabled?: boolean | undefined;
  readonly displayName?: string | undefined;
  readonly endSessions?: boolean | undefined;
}
