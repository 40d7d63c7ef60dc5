import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CoordinationPort, SessionLifetime } from '@mpstack/common/ports';
import { ApiFailure } from '../api-error.js';
import { type Permission, rolePermissions, type SignInRequest } from '../api-types.js';
import type { AuditEntry } from '../audit/audit.types.js';
import { unknownUserHash, verifyPassword } from '../users/password.js';
import type { StoredUser, UsersRepository } from '../users/users.types.js';
import type { Lockout, LockSet } from './lockout.js';

/** What a session holds: whose it is, under which epoch it opened, its CSRF token. */
interface SessionPayload {
  readonly userId: string;
  readonly epoch: number;
  readonly csrf: string;
}

/** A live session: the user as stored now (role and disabled read on every request) and its CSRF token. */
export interface ActiveSession {
  readonly id: string;
  readonly user: StoredUser;
  readonly csrfToken: string;
}

export interface SessionServiceDeps {
  readonly coordination: CoordinationPort;
  readonly users: UsersRepository;
  readonly lockout: Lockout;
  readonly lifetime: SessionLifetime;
  /** Appends to the audit trail (sign-ins, failures, locks, sign-outs). */
  readonly audit: (entry: AuditEntry) => Promise<void>;
  readonly now?: () => Date;
}

/** The coordination key of a session: a hash of its id, so a dump of Redis holds no usable cookie. */
const sessionKey = (id: string) => `admin:session:${createHash('sha256').update(id).digest('base64url')}`;

export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  /** Checks the lock, then the password (the same work for an unknown name); opens a session. */
  async signIn(request: SignInRequest, ip: string): Promise<ActiveSession> {
    const { lockout, users, coordination } = this.deps;
    await lockout.check(request.username, ip);
    const user = await users.findByUsername(request.username);
    const isValid = await verifyPassword(request.password, user?.passwordHash ?? unknownUserHash);
    if (user === undefined || !isValid || user.disabled) {
      const locks = await lockout.failed(request.username, ip);
      await this.#recordFailure(
        request.username,
        ip,
        user === undefined ? 'unknown user' : isValid ? 'disabled' : 'wrong password',
        locks,
      );
      throw new ApiFailure('unauthenticated', 'wrong username or password');
    }
    await lockout.succeeded(request.username);
    const id = randomBytes(32).toString('base64url');
    const payload: SessionPayload = {
      userId: user.id,
      epoch: user.sessionEpoch,
      csrf: randomBytes(32).toString('base64url'),
    };
    await coordination.openSession(sessionKey(id), JSON.stringify(payload), this.deps.lifetime);
    await users.recordSignIn(user.id, (this.deps.now ?? (() => new Date()))());
    const signedIn = (await users.findById(user.id)) ?? user;
    await this.deps.audit({ actor: user.username, ip, action: 'session.sign-in', target: `user:${user.username}` });
    return { id, user: signedIn, csrfToken: payload.csrf };
  }

  /** A failed sign-in, and each lock it started (a lock refusal itself is not recorded: a flood would fill the trail). */
  async #recordFailure(username: string, ip: string, reason: string, locks: readonly LockSet[]): Promise<void> {
    const { audit } = this.deps;
    await audit({
      actor: username,
      ip,
      action: 'session.sign-in',
      target: `user:${username}`,
      outcome: 'denied',
      after: { reason },
    });
    for (const lock of locks) {
      await audit({
        actor: username,
        ip,
        action: 'session.lockout',
        target: `${lock.scope}:${lock.who}`,
        outcome: 'denied',
        after: { lockedSeconds: lock.seconds },
      });
    }
  }

  /** The session of a cookie, its idle expiry restarted; undefined when ended, revoked or the user disabled. */
  async resume(id: string | undefined): Promise<ActiveSession | undefined> {
    if (id === undefined || id.length === 0 || id.length > 128) return undefined;
    const stored = await this.deps.coordination.touchSession(sessionKey(id), this.deps.lifetime);
    if (stored === undefined) return undefined;
    const payload = JSON.parse(stored) as SessionPayload;
    const user = await this.deps.users.findById(payload.userId);
    if (user === undefined || user.disabled || user.sessionEpoch !== payload.epoch) {
      await this.deps.coordination.closeSession(sessionKey(id));
      return undefined;
    }
    return { id, user, csrfToken: payload.csrf };
  }

  /** Ends this session (recorded when the request's address is given). */
  async signOut(session: ActiveSession, ip: string): Promise<void> {
    await this.deps.coordination.closeSession(sessionKey(session.id));
    const { username } = session.user;
    await this.deps.audit({ actor: username, ip, action: 'session.sign-out', target: `user:${username}` });
  }

  /** Ends every session of the user, this one included. */
  async signOutEverywhere(session: ActiveSession, ip: string): Promise<void> {
    await this.deps.users.raiseSessionEpoch(session.user.id);
    await this.deps.coordination.closeSession(sessionKey(session.id));
    const { username } = session.user;
    await this.deps.audit({ actor: username, ip, action: 'session.revoke-all', target: `user:${username}` });
  }
}

/** Constant-time comparison of the header's CSRF token with the session's. */
export function csrfMatches(session: ActiveSession, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function permissionsOf(user: StoredUser): readonly Permission[] {
  return rolePermissions[user.role];
}
