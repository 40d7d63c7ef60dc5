import type { CoordinationPort, ServiceWindowKind } from '../ports/coordination.js';
import type { WxMessage } from '../wechat/message-types.js';

/**
 * The customer-service (客服) window, shared by the ingress (which sees every interaction and
 * records it) and the WeChat API client (which refuses a send WeChat would refuse with
 * 45015 / 45047). The rules (kf/intro doc, the team's protocol notes): a user message opens
 * 5 messages within 48 h; a menu click (click / scancode_push / scancode_waitmsg), a follow or
 * a QR scan opens 3 within 1 minute; an unfollow closes every window. WeChat changed the
 * figures over time (20 / 48 h until 2021), so they are configuration.
 */
export interface ServiceWindowRules {
  readonly message: { readonly windowMs: number; readonly budget: number };
  readonly event: { readonly windowMs: number; readonly budget: number };
}

export const DEFAULT_SERVICE_WINDOW_RULES: ServiceWindowRules = Object.freeze({
  message: Object.freeze({ windowMs: 48 * 3_600_000, budget: 5 }),
  event: Object.freeze({ windowMs: 60_000, budget: 3 }),
});

/** The coordination key namespace of the WeChat API client (quotas, windows, tokens, buckets). */
export const WECHAT_KEY_NAMESPACE = 'wx:';

/** The coordination key of a follower's windows. */
export function serviceWindowKey(appId: string, openId: string, namespace = WECHAT_KEY_NAMESPACE): string {
  return `${namespace}kefu:${appId}:${openId}`;
}

/** Events that open the short window (a view click or a location report does not). */
const windowEvents: ReadonlySet<string> = new Set(['subscribe', 'SCAN', 'CLICK', 'scancode_push', 'scancode_waitmsg']);

/** What a message does to its sender's window: opens one, closes all (unfollow), or nothing. */
export function serviceWindowEffect(message: WxMessage): ServiceWindowKind | 'closed' | undefined {
  if (message.kind !== 'event') return 'message';
  if (message.event === 'unsubscribe') return 'closed';
  return windowEvents.has(message.event) ? 'event' : undefined;
}

/** Records one interaction (or an unfollow) of `openId` with the account `appId`. */
export async function recordServiceWindow(
  coordination: CoordinationPort,
  appId: string,
  openId: string,
  effect: ServiceWindowKind | 'closed',
  rules: ServiceWindowRules = DEFAULT_SERVICE_WINDOW_RULES,
  namespace = WECHAT_KEY_NAMESPACE,
): Promise<void> {
  const key = serviceWindowKey(appId, openId, namespace);
  if (effect === 'closed') {
    await coordination.closeServiceWindows(key);
    return;
  }
  const rule = rules[effect];
  await coordination.openServiceWindow(key, effect, rule.windowMs, rule.budget);
}
