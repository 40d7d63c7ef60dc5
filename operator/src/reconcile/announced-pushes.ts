/**
 * The pushes the business service announces (`GET /api/scheduled-pushes` on the platform's
 * business Service): read by the operator on every scrape round, kept in
 * `status.scheduledPushes`, and pre-scaled for like the `mpstack.io/scheduled-push`
 * annotation (which stays the way to announce a push sent from outside the platform).
 * The business pods need no Kubernetes API access for this: the operator asks them.
 */
import { decodeScheduledPushes, scheduledPushesPath } from '@mpstack/common/contracts';
import type { ScheduledPush, WeChatPlatform } from '../api/v1alpha1.js';
import { serviceObjectName } from '../resources/names.js';

/** The announced pushes, or undefined when the business service could not be read (the last list is kept). */
export type ScheduledPushSource = (platform: WeChatPlatform) => Promise<readonly ScheduledPush[] | undefined>;

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** The CRD keeps at most this many (`status.scheduledPushes` maxItems). */
export const maxAnnouncedPushes = 32;

/**
 * Reads `<business URL>/api/scheduled-pushes` and returns its pushes as status entries, the
 * earliest first; anything unreadable (no answer in `timeoutMs`, not 200, not the contract)
 * is undefined.
 */
export async function readScheduledPushes(
  baseUrl: string,
  fetchFn: Fetch = fetch,
  timeoutMs = 2000,
): Promise<ScheduledPush[] | undefined> {
  try {
    const response = await fetchFn(`${baseUrl}${scheduledPushesPath}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const { pushes } = decodeScheduledPushes(await response.text());
    return pushes
      .filter((push) => push.expectedMessages > 0)
      .map(({ start, expectedMessages, durationSeconds }) => ({ start, expectedMessages, durationSeconds }))
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
      .slice(0, maxAnnouncedPushes);
  } catch {
    return undefined;
  }
}

export interface ScheduledPushSourceOptions {
  readonly fetch?: Fetch;
  /** The business service's base URL; the in-cluster Service unless given. */
  readonly businessUrlOf?: (platform: WeChatPlatform) => string;
}

export function createScheduledPushSource(options: ScheduledPushSourceOptions = {}): ScheduledPushSource {
  const urlOf =
    options.businessUrlOf ??
    ((platform: WeChatPlatform) =>
      `http://${serviceObjectName(platform, 'business')}.${platform.metadata.namespace}.svc`);
  return (platform) => readScheduledPushes(urlOf(platform), options.fetch);
}

/**
 * What `status.scheduledPushes` should hold after this round: the fresh list when one was
 * read; else the last one, without pushes whose window has ended (an unreachable business
 * service holds the floor of a push in progress but does not keep a finished one forever).
 */
export function nextScheduledPushes(
  read: readonly ScheduledPush[] | undefined,
  previous: readonly ScheduledPush[] | undefined,
  now: number,
): readonly ScheduledPush[] {
  if (read !== undefined) return read;
  return (previous ?? []).filter((push) => Date.parse(push.start) + push.durationSeconds * 1000 >= now);
}
