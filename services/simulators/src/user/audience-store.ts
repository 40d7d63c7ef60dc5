import type { Clock } from '../clock.js';
import type { QrScene } from '../qrcode/qrcode-store.js';
import type { SimLimits, SimUser } from '../types.js';

/** What opened a kefu window: a user message (5 / 48 h) or a click/follow/scan (3 / 1 min). */
export type InteractionKind = 'message' | 'event';

interface KefuWindow {
  readonly expiresAt: number;
  remaining: number;
}

/** A user as the simulator tracks them for one account. */
export interface UserRecord {
  readonly openid: string;
  nickname: string;
  unionid: string | undefined;
  wechatId: string | undefined;
  /** The account's note on the user (user/info/updateremark), shown by user/info. */
  remark: string;
  isSubscribed: boolean;
  isBlocking: boolean;
  subscribedAt: number;
  /** The parametric QR code the current follow came through (user/info `qr_scene`). */
  qrScene: QrScene | undefined;
  readonly windows: Partial<Record<InteractionKind, KefuWindow>>;
  /** When the user last messaged or clicked, scanned, followed (ms; 0 never): the typing rule's clock. */
  lastInteractionAt: number;
  /** Until when the 'typing…' indicator shows (ms; 0 or past: not shown). */
  typingUntil: number;
  /** When the user last sent a message (ms): kf sessions' wait queue orders by it. */
  lastMessageAt: number | undefined;
}

/** A follow (`viaQrCode`: through a parametric QR code) or an unfollow, as it happens. */
export type FollowListener = (appId: string, isSubscribed: boolean, viaQrCode: boolean) => void;

/** Result of asking to send one kefu message: 0 allowed, else the errcode WeChat returns. */
export type KefuVerdict = 0 | 40003 | 45015 | 45047;

/** Result of `message/custom/typing`: 0 done, else the errcode WeChat returns. */
export type TypingVerdict = 0 | 40003 | 45015 | 45080 | 45081;

/** api.json customTyping: typing needs a user interaction in the previous 30 s (45080)… */
export const typingInteractionWindowMs = 30_000;
/** …and shows for up to 15 s, during which it cannot be sent again (45081). */
export const typingIndicatorMs = 15_000;

/**
 * Followers, blocking flags and the customer-service windows of every account's users.
 * Kefu rules (kf/intro doc, PROTOCOL.md): a user message opens 5 messages / 48 h; a menu
 * click, follow or scan opens 3 / 1 min; outside every window or after unfollow → 45015,
 * quota used up → 45047. A newer interaction of the same kind replaces the older window.
 */
export class AudienceStore {
  private readonly users = new Map<string, Map<string, UserRecord>>();
  /** Per account, the openids it blacklisted, in the order they were added (getblacklist's paging order). */
  private readonly blacklists = new Map<string, Set<string>>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: () => SimLimits,
    /** Told of every follow and unfollow (the analytics count them). */
    private readonly onFollowChange: FollowListener = () => {},
  ) {}

  /** Adds or updates a user; new users follow unless `isSubscribed: false`. */
  upsert(appId: string, user: SimUser): UserRecord {
    const existing = this.of(appId).get(user.openid);
    const isSubscribed = user.isSubscribed ?? existing?.isSubscribed ?? true;
    // A user who (re)starts following here did not come through a QR code.
    const isNewFollow = isSubscribed && existing?.isSubscribed !== true;
    const record: UserRecord = {
      openid: user.openid,
      nickname: user.nickname ?? existing?.nickname ?? `用户${user.openid.slice(-4)} 🐼`,
      unionid: user.unionid ?? existing?.unionid,
      wechatId: user.wechatId ?? existing?.wechatId,
      remark: existing?.remark ?? '',
      isSubscribed,
      isBlocking: user.isBlocking ?? existing?.isBlocking ?? false,
      subscribedAt: existing === undefined || isNewFollow ? Math.floor(this.clock() / 1000) : existing.subscribedAt,
      qrScene: isNewFollow ? undefined : existing?.qrScene,
      windows: existing?.windows ?? {},
      lastInteractionAt: existing?.lastInteractionAt ?? 0,
      typingUntil: existing?.typingUntil ?? 0,
      lastMessageAt: existing?.lastMessageAt,
    };
    this.of(appId).set(user.openid, record);
    if (isSubscribed !== (existing?.isSubscribed ?? false)) this.onFollowChange(appId, isSubscribed, false);
    return record;
  }

  get(appId: string, openid: string): UserRecord | undefined {
    return this.users.get(appId)?.get(openid);
  }

  /** A user by openid or by WeChat ID (微信号), as menu/trymatch's `user_id` names them. */
  find(appId: string, openidOrWechatId: string): UserRecord | undefined {
    return this.get(appId, openidOrWechatId) ?? this.list(appId).find((user) => user.wechatId === openidOrWechatId);
  }

  list(appId: string): readonly UserRecord[] {
    return [...this.of(appId).values()];
  }

  /** Openids of current followers, in the order they followed (the paging order). */
  followers(appId: string): readonly string[] {
    return this.list(appId)
      .filter((user) => user.isSubscribed)
      .map((user) => user.openid);
  }

  /** Follow or unfollow; a follow through a parametric QR code remembers its scene. */
  setSubscribed(appId: string, openid: string, isSubscribed: boolean, qrScene?: QrScene): UserRecord {
    const existing = this.get(appId, openid);
    // A new user is made unfollowed, so that the follow below is told once, with its QR code.
    const user = existing ?? this.upsert(appId, { openid, isSubscribed: false });
    if (isSubscribed && existing?.isSubscribed !== true) {
      user.subscribedAt = Math.floor(this.clock() / 1000);
      user.qrScene = qrScene;
    }
    if (user.isSubscribed !== isSubscribed) {
      this.onFollowChange(appId, isSubscribed, isSubscribed && qrScene !== undefined);
    }
    user.isSubscribed = isSubscribed;
    if (!isSubscribed) {
      delete user.windows.message;
      delete user.windows.event;
    }
    return user;
  }

  /** Opens (or renews) the kefu window an interaction grants. */
  recordInteraction(appId: string, openid: string, kind: InteractionKind): void {
    const user = this.get(appId, openid) ?? this.upsert(appId, { openid });
    const limits = this.limits();
    user.lastInteractionAt = this.clock();
    if (kind === 'message') user.lastMessageAt = this.clock();
    user.windows[kind] =
      kind === 'message'
        ? { expiresAt: this.clock() + limits.kefuMessageWindowMs, remaining: limits.kefuPerUserMessage }
        : { expiresAt: this.clock() + limits.kefuEventWindowMs, remaining: limits.kefuPerEvent };
  }

  /** Whether the user follows and messaged within the 48 h window (a kf session needs both). */
  hasMessageWindow(appId: string, openid: string): boolean {
    const user = this.get(appId, openid);
    const window = user?.windows.message;
    return user?.isSubscribed === true && window !== undefined && this.clock() < window.expiresAt;
  }

  /** Consumes one kefu message from the shortest open window that still has quota. */
  consumeKefu(appId: string, openid: string): KefuVerdict {
    const user = this.get(appId, openid);
    if (user === undefined) return 40003;
    if (!user.isSubscribed) return 45015;
    const now = this.clock();
    const open = [user.windows.event, user.windows.message].filter(
      (window): window is KefuWindow => window !== undefined && now < window.expiresAt,
    );
    if (open.length === 0) return 45015;
    const usable = open.find((window) => window.remaining > 0);
    if (usable === undefined) return 45047;
    usable.remaining -= 1;
    return 0;
  }

  /** The account's blacklist, oldest entry first. */
  blacklist(appId: string): readonly string[] {
    return [...(this.blacklists.get(appId) ?? [])];
  }

  /** Adds users to the blacklist (already listed ones keep their place) or takes them off. */
  setBlacklisted(appId: string, openids: readonly string[], isBlacklisted: boolean): void {
    let list = this.blacklists.get(appId);
    if (list === undefined) {
      list = new Set();
      this.blacklists.set(appId, list);
    }
    for (const openid of openids) {
      if (isBlacklisted) list.add(openid);
      else list.delete(openid);
    }
  }

  /**
   * `Typing` shows the indicator (unknown user 40003, unfollowed 45015 as for a kefu message,
   * no interaction in the last 30 s 45080, already showing 45081); `CancelTyping` hides it.
   */
  setTyping(appId: string, openid: string, isTyping: boolean): TypingVerdict {
    const user = this.get(appId, openid);
    if (user === undefined) return 40003;
    if (!user.isSubscribed) return 45015;
    const now = this.clock();
    if (!isTyping) {
      user.typingUntil = 0;
      return 0;
    }
    if (user.lastInteractionAt === 0 || now - user.lastInteractionAt > typingInteractionWindowMs) return 45080;
    if (now < user.typingUntil) return 45081;
    user.typingUntil = now + typingIndicatorMs;
    return 0;
  }

  /** Whether the user sees the 'typing…' indicator now. */
  isTyping(appId: string, openid: string): boolean {
    return this.clock() < (this.get(appId, openid)?.typingUntil ?? 0);
  }

  reset(): void {
    this.users.clear();
    this.blacklists.clear();
  }

  private of(appId: string): Map<string, UserRecord> {
    let users = this.users.get(appId);
    if (users === undefined) {
      users = new Map();
      this.users.set(appId, users);
    }
    return users;
  }
}
