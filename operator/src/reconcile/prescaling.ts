/**
 * Pre-scaling before a scheduled push: a push job announces itself on the platform with the
 * `mpstack.io/scheduled-push` annotation (one {@link ScheduledPush} or a list), and from
 * `leadSeconds` before its start until its end the ingress and business services get a
 * replica floor sized for the push's expected peak plus the traffic already there — the
 * surge meets running capacity instead of waiting one scrape interval, one stabilization
 * decision and a pod start-up.
 */
import { ANNOTATIONS, type ScheduledPush, type ServiceName, type WeChatPlatform } from '../api/v1alpha1.js';
import type { MetricReading } from '../scaling/decide.js';
import { type AnnouncedPush, prescaleMinimum } from '../scaling/prescale.js';

/** The services a mass push hits: every reply is a webhook request and most become business work. */
export const prescaledServices: ReadonlySet<ServiceName> = new Set<ServiceName>(['ingress', 'business']);

export const prescaleDefaults = {
  /** Pods need time to be scheduled, pull, start and warm up. */
  leadSeconds: 300,
  /** Replies to a mass push are front-loaded: most followers open it in the first minutes. */
  peakFactor: 3,
  requestsPerMessage: 1,
} as const;

/**
 * The announced pushes: the annotation's and those the business service announced
 * (`announced`, kept in `status.scheduledPushes`). A malformed annotation announces nothing
 * (no Event or status reports it yet).
 */
export function scheduledPushes(platform: WeChatPlatform, announced: readonly ScheduledPush[] = []): AnnouncedPush[] {
  return [...annotatedPushes(platform), ...announcedPushes(announced)];
}

/** Status entries (or annotation items) as pushes to pre-scale for; a malformed one is left out. */
export function announcedPushes(list: readonly Partial<ScheduledPush>[]): AnnouncedPush[] {
  return list.flatMap((push) => toAnnouncedPush(push));
}

function annotatedPushes(platform: WeChatPlatform): AnnouncedPush[] {
  const raw = platform.metadata.annotations?.[ANNOTATIONS.scheduledPush];
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.flatMap((item) => toAnnouncedPush(item as Partial<ScheduledPush>));
}

function toAnnouncedPush(push: Partial<ScheduledPush>): AnnouncedPush[] {
  const start = typeof push.start === 'string' ? Date.parse(push.start) : Number.NaN;
  const { expectedMessages, durationSeconds } = push;
  if (!Number.isFinite(start) || typeof expectedMessages !== 'number' || typeof durationSeconds !== 'number') return [];
  if (expectedMessages <= 0 || durationSeconds <= 0) return [];
  return [{ start, expectedMessages, durationSeconds }];
}

/** The replica floor pre-scaling asks for now, or undefined when it does not apply. */
export function prescaleFloor(
  platform: WeChatPlatform,
  service: ServiceName,
  reading: MetricReading,
  now: number,
  targetPerReplica: number,
  announced: readonly ScheduledPush[] = [],
): number | undefined {
  if (!prescaledServices.has(service)) return undefined;
  const pushes = scheduledPushes(platform, announced);
  if (pushes.length === 0) return undefined;
  const floor = prescaleMinimum({
    now,
    pushes,
    targetPerReplica,
    baselineRate: observedRate(reading),
    ...prescaleDefaults,
  });
  return floor > 0 ? floor : undefined;
}

/** The request rate a reading measured (0 when unavailable): the traffic a push's surge comes on top of. */
export function observedRate(reading: MetricReading): number {
  if (reading.kind === 'total') return reading.total;
  if (reading.kind === 'podRates') return reading.pods.reduce((sum, pod) => sum + (pod.rate ?? 0), 0);
  return 0;
}
