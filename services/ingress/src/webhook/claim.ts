import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { Logger } from '@mpstack/common/logging';
import type { ClaimRequest, ClaimResult, CoordinationPort, Lease } from '@mpstack/common/ports';

const holderPrefix = randomBytes(6).toString('base64url');
let holderCount = 0;

/** A lease holder id unique to one request, across replicas and restarts (no clock, no crypto per call). */
export function nextHolder(): string {
  holderCount += 1;
  return `${holderPrefix}.${holderCount.toString(36)}`;
}

/** Why a request is held unanswered (WeChat's timeout retry will come; see docs/architecture.md). */
export type HoldReason = 'claim_unavailable' | 'in_progress' | 'fenced' | 'forward_failed' | 'unavailable';

export interface ClaimOutcome {
  readonly result: ClaimResult | { readonly status: 'held'; readonly reason: HoldReason };
  readonly sentAt: number;
}

/**
 * Claims the message within the answer budget. A claim Redis did not answer is sent again
 * (same holder: one applied late is given back, not lost); a live lease of another delivery
 * is polled — each poll is a claim, so the reply stored meanwhile comes back, and a lease
 * that expired meanwhile is taken over. When the budget runs out the caller holds the
 * request. `sentAt` (monotonic ms) is when the winning claim was sent: the lease is
 * certainly ours until `sentAt + leaseMs` on any clock.
 */
export async function claimWithinBudget(
  coordination: CoordinationPort,
  request: ClaimRequest,
  deadline: number,
  clock: () => number,
): Promise<ClaimOutcome> {
  let delay = 20;
  for (;;) {
    const sentAt = performance.now();
    let result: ClaimResult | undefined;
    try {
      result = await coordination.claimMessage(request);
    } catch (error) {
      if (!isUnavailable(error)) throw error;
    }
    if (result !== undefined && (result.status !== 'duplicate' || result.reply !== undefined)) {
      return { result, sentAt };
    }
    const left = deadline - clock();
    if (left <= 0) {
      return { result: { status: 'held', reason: result === undefined ? 'claim_unavailable' : 'in_progress' }, sentAt };
    }
    await sleep(Math.min(delay, left));
    delay = Math.min(delay * 2, 200);
  }
}

export function isUnavailable(error: unknown): boolean {
  return error instanceof AppError && error.code === ErrorCode.unavailable;
}

/**
 * Keeps a claim's lease while its message executes: renews every third of the lease, and
 * tells — before a side effect — whether the claim is still this delivery's. Costs nothing
 * on a message that executes within a third of the lease (the usual case).
 */
export class LeaseKeeper {
  readonly #timer: NodeJS.Timeout;
  #confirmedAt: number;
  #isLost = false;

  constructor(
    private readonly coordination: CoordinationPort,
    private readonly messageKey: string,
    readonly fence: number,
    private readonly lease: Lease,
    sentAt: number,
    private readonly logger: Logger,
  ) {
    this.#confirmedAt = sentAt;
    this.#timer = setInterval(() => void this.#renew(), Math.max(1, Math.floor(lease.leaseMs / 3)));
    this.#timer.unref();
  }

  /**
   * True when the claim is surely still held: confirmed within half a lease, or renewed now.
   * False when it changed hands or Redis cannot tell (then nothing may be published).
   */
  async isHeld(): Promise<boolean> {
    if (this.#isLost) return false;
    if (performance.now() - this.#confirmedAt < this.lease.leaseMs / 2) return true;
    return this.#renew();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #renew(): Promise<boolean> {
    if (this.#isLost) return false;
    const sentAt = performance.now();
    try {
      if (await this.coordination.renewClaim(this.messageKey, this.fence, this.lease)) {
        this.#confirmedAt = Math.max(this.#confirmedAt, sentAt);
        return true;
      }
      this.#isLost = true;
      this.stop();
      this.logger.warn({ messageKey: this.messageKey, fence: this.fence }, 'claim taken over while executing');
      return false;
    } catch (error) {
      this.logger.warn({ err: error, messageKey: this.messageKey }, 'claim lease not renewed');
      return false;
    }
  }
}
