/** A push job's announcement: when it starts, how many messages it sends and over how long. */
export interface AnnouncedPush {
  /** Start time, ms since the epoch. */
  readonly start: number;
  readonly expectedMessages: number;
  readonly durationSeconds: number;
}

export interface PrescaleOptions {
  readonly now: number;
  readonly pushes: readonly AnnouncedPush[];
  /** Requests the service receives per pushed message (a follower's reply, a click, a menu event). */
  readonly requestsPerMessage: number;
  /** Target requests per second per replica of the service. */
  readonly targetPerReplica: number;
  /** How long before the start the floor is raised: pods need time to start and warm up. */
  readonly leadSeconds: number;
  /**
   * Peak rate over mean rate. Replies to a mass push are front-loaded (most followers open it
   * in the first minutes), so the mean rate under-provisions the spike; 3 is a sane default.
   */
  readonly peakFactor: number;
  /** Traffic that is there anyway (the observed rate before the push); added to the push's peak. */
  readonly baselineRate?: number;
}

/** The expected peak request rate of one push. */
export function expectedPeakRate(push: AnnouncedPush, requestsPerMessage: number, peakFactor: number): number {
  if (push.durationSeconds <= 0) return 0;
  return (push.expectedMessages / push.durationSeconds) * requestsPerMessage * peakFactor;
}

/**
 * The minimum replicas pre-scaling asks for now: for every push whose window
 * [start − lead, start + duration] contains `now`, ceil((sum of their peak rates + baseline) /
 * target): overlapping pushes add up. 0 when no push is near. The autoscaler raises
 * its floor to this, so the surge meets capacity that is already running instead of waiting
 * for the metric, the scrape interval and the pod start-up.
 */
export function prescaleMinimum(options: PrescaleOptions): number {
  let rate = 0;
  for (const push of options.pushes) {
    const from = push.start - options.leadSeconds * 1000;
    const until = push.start + push.durationSeconds * 1000;
    if (options.now >= from && options.now <= until) {
      rate += expectedPeakRate(push, options.requestsPerMessage, options.peakFactor);
    }
  }
  return rate === 0 ? 0 : Math.ceil((rate + (options.baselineRate ?? 0)) / options.targetPerReplica);
}
