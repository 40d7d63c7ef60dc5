/** A follower's session with one kf account: open while `endedAt` is undefined. */
export interface KfSession {
  readonly openid: string;
  readonly kfAccount: string;
  /** Milliseconds, the simulator's clock. */
  readonly createdAt: number;
  endedAt: number | undefined;
}

/**
 * The kf sessions of every official account: at most one open session per follower, plus the
 * latest sessions (open and ended) of each account, which say which kf account a past message
 * was exchanged with (msgrecord/getmsglist). The history keeps `keptSessions` per account,
 * oldest dropped first, so it stays bounded however long the simulator runs.
 */
export class KfSessionStore {
  private readonly open = new Map<string, Map<string, KfSession>>();
  private readonly history = new Map<string, KfSession[]>();
  /** When each follower's latest session ended: a message after it makes the follower wait again. */
  private readonly lastEnded = new Map<string, Map<string, number>>();

  constructor(private readonly keptSessions = 10_000) {}

  /** The follower's open session, if any. */
  of(appId: string, openid: string): KfSession | undefined {
    return this.open.get(appId)?.get(openid);
  }

  /** Every open session of the account, oldest first. */
  list(appId: string): readonly KfSession[] {
    return [...(this.open.get(appId)?.values() ?? [])];
  }

  start(appId: string, openid: string, kfAccount: string, at: number): KfSession {
    const session: KfSession = { openid, kfAccount, createdAt: at, endedAt: undefined };
    mapOf(this.open, appId).set(openid, session);
    const history = this.history.get(appId) ?? [];
    history.push(session);
    if (history.length > this.keptSessions) history.splice(0, history.length - this.keptSessions);
    this.history.set(appId, history);
    return session;
  }

  end(appId: string, openid: string, at: number): void {
    const session = this.of(appId, openid);
    if (session === undefined) return;
    session.endedAt = at;
    this.open.get(appId)?.delete(openid);
    mapOf(this.lastEnded, appId).set(openid, at);
  }

  /** When the follower's latest session ended (undefined: never, or one is open). */
  endedAt(appId: string, openid: string): number | undefined {
    return this.lastEnded.get(appId)?.get(openid);
  }

  /** The kf account the follower was in session with at `at`, as far as the kept history tells. */
  workerAt(appId: string, openid: string, at: number): string | undefined {
    const history = this.history.get(appId) ?? [];
    for (let i = history.length - 1; i >= 0; i -= 1) {
      const session = history[i];
      if (session === undefined || session.openid !== openid) continue;
      if (session.createdAt <= at && (session.endedAt === undefined || at < session.endedAt)) return session.kfAccount;
    }
    return undefined;
  }

  reset(): void {
    this.open.clear();
    this.history.clear();
    this.lastEnded.clear();
  }
}

function mapOf<V>(maps: Map<string, Map<string, V>>, appId: string): Map<string, V> {
  let map = maps.get(appId);
  if (map === undefined) {
    map = new Map();
    maps.set(appId, map);
  }
  return map;
}
