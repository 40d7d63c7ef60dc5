import type { XmlFields } from '@mpstack/common';
import type { Clock } from '../clock.js';
import { defaultLimits, type SimAccount, type SimLimits, type SimUser } from '../types.js';
import { AudienceStore, type InteractionKind, type UserRecord } from './audience-store.js';
import { IdempotencyMap } from './idempotency-map.js';
import { KfAccountStore } from './kf-account-store.js';
import { MenuStore } from './menu-store.js';
import { type InboxMessage, MessageStore, type TemplateSendRecord } from './message-store.js';
import { OAuthStore } from './oauth-store.js';
import { QrCodeStore } from './qrcode-store.js';
import { QuotaCounter } from './quota-counter.js';
import { TokenStore } from './token-store.js';

export interface SimulatorStateOptions {
  readonly clock: Clock;
  readonly accounts: readonly SimAccount[];
  readonly limits?: Partial<SimLimits>;
}

/** Events that open the 3-per-minute kefu window: a menu click (click/scancode only), a follow, a QR scan. */
const windowEvents: ReadonlySet<string> = new Set(['subscribe', 'SCAN', 'CLICK', 'scancode_push', 'scancode_waitmsg']);

/**
 * All in-memory state of the simulated WeChat: tokens, audiences, kefu windows, inboxes,
 * menus, OAuth codes and sends. One instance is shared by the API, the phone page and the
 * sender, and tests inspect or reset it directly.
 */
export class SimulatorState {
  readonly tokens: TokenStore;
  readonly audience: AudienceStore;
  readonly messages = new MessageStore();
  readonly menus = new MenuStore();
  readonly oauth: OAuthStore;
  readonly qrcodes: QrCodeStore;
  readonly kfAccounts = new KfAccountStore();
  /** Daily and per-minute API counters (template sends, mass sends). */
  readonly quota = new QuotaCounter();
  /** msgid per `appId:openid:client_msg_id` of template sends. */
  readonly templateClientIds = new IdempotencyMap<number>();
  /** msg ids per `appId:clientmsgid` of mass sends. */
  readonly massClientIds = new IdempotencyMap<{ readonly msgId: number; readonly msgDataId: number }>();
  private readonly accountList: readonly SimAccount[];
  private currentLimits: SimLimits;

  constructor(options: SimulatorStateOptions) {
    this.clock = options.clock;
    this.accountList = options.accounts;
    this.currentLimits = { ...defaultLimits, ...options.limits };
    this.tokens = new TokenStore(this.clock, () => this.currentLimits.tokenDailyQuota);
    this.audience = new AudienceStore(this.clock, () => this.currentLimits);
    this.oauth = new OAuthStore(this.clock);
    this.qrcodes = new QrCodeStore(this.clock);
    this.seedUsers();
  }

  readonly clock: Clock;

  get limits(): SimLimits {
    return this.currentLimits;
  }

  /** Changes limits at run time (tests lower a quota instead of making 100 000 calls). */
  setLimits(limits: Partial<SimLimits>): SimLimits {
    this.currentLimits = { ...this.currentLimits, ...limits };
    return this.currentLimits;
  }

  accounts(): readonly SimAccount[] {
    return this.accountList;
  }

  accountByAppId(appId: string): SimAccount | undefined {
    return this.accountList.find((account) => account.appId === appId);
  }

  accountById(id: string): SimAccount | undefined {
    return this.accountList.find((account) => account.id === id);
  }

  /** Adds (or updates) a user who follows the account. */
  addFollower(appId: string, user: SimUser): UserRecord {
    return this.audience.upsert(appId, { isSubscribed: true, ...user });
  }

  /** Marks a user as blocking template messages (`Status` `failed:user block`). */
  setBlocking(appId: string, openid: string, isBlocking: boolean): UserRecord {
    const user = this.audience.get(appId, openid) ?? this.audience.upsert(appId, { openid });
    user.isBlocking = isBlocking;
    return user;
  }

  /** Opens a kefu window directly, as if the user had interacted. */
  recordInteraction(appId: string, openid: string, kind: InteractionKind): void {
    this.audience.recordInteraction(appId, openid, kind);
  }

  /**
   * What WeChat learns from a message the user sends, before it reaches the account:
   * follow/unfollow, and which kefu window opens. Called by the sender when wired in.
   */
  recordInbound(appId: string, message: XmlFields): void {
    const openid = message.FromUserName;
    if (openid === undefined || openid === '') return;
    if (message.MsgType !== 'event') {
      this.audience.recordInteraction(appId, openid, 'message');
      return;
    }
    const event = message.Event ?? '';
    if (event === 'unsubscribe') {
      this.audience.setSubscribed(appId, openid, false);
      return;
    }
    if (event === 'subscribe') {
      const code = message.Ticket === undefined ? undefined : this.qrcodes.resolve(message.Ticket);
      this.audience.setSubscribed(appId, openid, true, code?.appId === appId ? code.scene : undefined);
    }
    if (windowEvents.has(event)) this.audience.recordInteraction(appId, openid, 'event');
  }

  inbox(appId: string, openid: string, sinceSeq = 0): readonly InboxMessage[] {
    return this.messages.inbox(appId, openid, sinceSeq);
  }

  templateSends(appId?: string): readonly TemplateSendRecord[] {
    return this.messages.templateSends(appId);
  }

  /** Forgets everything and re-seeds the configured users; limits are kept. */
  reset(): void {
    for (const store of [
      this.tokens,
      this.audience,
      this.messages,
      this.menus,
      this.oauth,
      this.quota,
      this.qrcodes,
      this.kfAccounts,
    ]) {
      store.reset();
    }
    this.templateClientIds.clear();
    this.massClientIds.clear();
    this.seedUsers();
  }

  private seedUsers(): void {
    for (const account of this.accountList) {
      for (const user of account.users ?? []) this.audience.upsert(account.appId, user);
    }
  }
}
