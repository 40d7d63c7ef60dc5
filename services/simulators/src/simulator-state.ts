import { randomBytes } from 'node:crypto';
import type { XmlFields } from '@mpstack/common/wechat';
import { AccountDirectory } from './accounts.js';
import { type ChatEntry, ChatStore, type InboxMessage } from './chat/chat-store.js';
import type { Clock } from './clock.js';
import { DatacubeStore } from './datacube/datacube-store.js';
import { FaultStore } from './faults/fault-store.js';
import { KfAccountStore } from './kf-account/kf-account-store.js';
import { KfSessionStore } from './kf-session/kf-session-store.js';
import { type MassSendRecord, MassStore } from './mass/mass-store.js';
import { MediaStore } from './media/media-store.js';
import { MenuStore } from './menu/menu-store.js';
import { OAuthStore } from './oauth/oauth-store.js';
import { OpenApiStore } from './openapi/openapi-store.js';
import { QrCodeStore } from './qrcode/qrcode-store.js';
import { SubscribeStore } from './subscribe/subscribe-store.js';
import { TagStore } from './tags/tag-store.js';
import { configuredTemplates } from './template/template-library.js';
import { type TemplateSendCounts, type TemplateSendRecord, TemplateStore } from './template/template-store.js';
import { TokenStore } from './token/token-store.js';
import { defaultLimits, type SimAccount, type SimLimits, type SimUser } from './types.js';
import { AudienceStore, type InteractionKind, type UserRecord } from './user/audience-store.js';

export interface SimulatorStateOptions {
  readonly clock: Clock;
  readonly accounts: readonly SimAccount[];
  readonly limits?: Partial<SimLimits>;
  /** How many of the latest template sends are kept whole (all are counted); 20,000 by default. */
  readonly keptTemplateSends?: number;
}

/** Events that open the 3-per-minute kefu window: a menu click (click/scancode only), a follow, a QR scan. */
const windowEvents: ReadonlySet<string> = new Set(['subscribe', 'SCAN', 'CLICK', 'scancode_push', 'scancode_waitmsg']);

/**
 * Every feature's store, built here and nowhere else. The composition root hands each feature
 * only the stores it needs; this object is what `/_sim`, the phone and tests inspect and reset.
 */
export class SimulatorState {
  readonly clock: Clock;
  readonly accounts: AccountDirectory;
  readonly tokens: TokenStore;
  readonly audience: AudienceStore;
  readonly chats = new ChatStore();
  readonly templates: TemplateStore;
  readonly subscribe = new SubscribeStore();
  readonly mass = new MassStore();
  readonly menus = new MenuStore();
  readonly oauth: OAuthStore;
  readonly qrcodes: QrCodeStore;
  readonly kfAccounts = new KfAccountStore();
  readonly kfSessions = new KfSessionStore();
  readonly tags = new TagStore();
  /** Temporary media (`/cgi-bin/media/upload`), bounded: the oldest are dropped. */
  readonly media: MediaStore;
  /** Per-day follows, user messages and callback pushes the `/datacube` endpoints report. */
  readonly datacube: DatacubeStore;
  /** clear_quota's monthly count and the calls answered with a rid (`openapi/rid/get`). */
  readonly openapi = new OpenApiStore();
  /** Injected faults, hosts down, per-API quotas and call counters (`/_sim/faults`, `/_sim/calls`). */
  readonly faults: FaultStore;
  private currentLimits: SimLimits;

  constructor(options: SimulatorStateOptions) {
    this.clock = options.clock;
    this.accounts = new AccountDirectory(options.accounts);
    this.currentLimits = { ...defaultLimits, ...options.limits };
    this.tokens = new TokenStore(this.clock, () => this.currentLimits);
    this.datacube = new DatacubeStore(this.clock);
    this.audience = new AudienceStore(
      this.clock,
      () => this.currentLimits,
      (appId, isSubscribed, viaQrCode) => this.datacube.recordFollow(appId, isSubscribed, viaQrCode ? 30 : 0),
    );
    this.oauth = new OAuthStore(this.clock);
    this.qrcodes = new QrCodeStore(this.clock);
    this.faults = new FaultStore(this.clock);
    this.media = new MediaStore(this.clock);
    this.templates = new TemplateStore(options.keptTemplateSends);
    this.seed();
  }

  get limits(): SimLimits {
    return this.currentLimits;
  }

  /** The current limits, as a function for the features (they change at run time). */
  readonly currentLimitsOf = (): SimLimits => this.currentLimits;

  /** Changes limits at run time (tests lower a quota instead of making 100 000 calls). */
  setLimits(limits: Partial<SimLimits>): SimLimits {
    this.currentLimits = { ...this.currentLimits, ...limits };
    return this.currentLimits;
  }

  /**
   * Resets the account's AppSecret as the MP console does: every token it was issued stops
   * working at once (40001) and the old secret gets 40125. Returns the new secret (random
   * unless given), or undefined for an unknown account.
   */
  resetSecret(appId: string, appSecret?: string): string | undefined {
    const secret = appSecret ?? randomBytes(16).toString('hex');
    if (this.accounts.setSecret(appId, secret) === undefined) return undefined;
    this.tokens.revokeAll(appId);
    return secret;
  }

  /**
   * clear_quota: every daily count of the account back to 0 — the quotas set through `/_sim`,
   * `openapi/quota/get`'s `used`, token fetches, template sends and mass previews.
   */
  clearDailyQuotas(appId: string): void {
    this.faults.clearDaily(appId);
    this.tokens.clearDaily(appId);
    this.templates.quota.clearWhere((key) => key === `template:${appId}`);
    this.mass.quota.clearWhere((key) => key === `mass-preview:${appId}`);
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
      this.datacube.recordUpstream(appId, openid, message.MsgType ?? '');
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

  /** The customer-service messages the user received after `sinceSeq`. */
  inboxOf(appId: string, openid: string, sinceSeq = 0): readonly InboxMessage[] {
    return this.chats.inbox(appId, openid, sinceSeq);
  }

  /** The user's whole conversation with the account after `sinceSeq`. */
  chatOf(appId: string, openid: string, sinceSeq = 0): readonly ChatEntry[] {
    return this.chats.list(appId, openid, sinceSeq);
  }

  /** The latest template sends, kept whole (a bounded number: see {@link templateSendCounts} for all). */
  templateSends(appId?: string): readonly TemplateSendRecord[] {
    return this.templates.list(appId);
  }

  /** Every template send of the account since the last reset, counted in all and per openid. */
  templateSendCounts(appId: string): TemplateSendCounts {
    return this.templates.countsOf(appId);
  }

  massSends(appId?: string): readonly MassSendRecord[] {
    return this.mass.list(appId);
  }

  /**
   * Forgets everything — faults, quotas and counters too — restores the configured secrets and
   * re-seeds the configured users and templates; limits are kept.
   */
  reset(): void {
    for (const store of [
      this.tokens,
      this.audience,
      this.chats,
      this.templates,
      this.subscribe,
      this.mass,
      this.menus,
      this.oauth,
      this.qrcodes,
      this.kfAccounts,
      this.kfSessions,
      this.tags,
      this.media,
      this.datacube,
      this.openapi,
      this.faults,
      this.accounts,
    ]) {
      store.reset();
    }
    this.seed();
  }

  /** The configured users and templates of every account. */
  private seed(): void {
    for (const account of this.accounts.list()) {
      for (const user of account.users ?? []) this.audience.upsert(account.appId, user);
      for (const template of configuredTemplates(account)) this.templates.addTemplate(account.appId, template);
    }
  }
}
