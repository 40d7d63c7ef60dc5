import type { ClaimRequest, ClaimResult } from '../ports/coordination.js';

interface PendingClaim {
  readonly nonceKey: string;
  readonly messageKey: string;
  readonly request: ClaimRequest;
  readonly resolve: (result: ClaimResult) => void;
  readonly reject: (error: unknown) => void;
}

/** One claim's answer from the script: a status, then the fence or the stored reply. */
export type ClaimRow = ReadonlyArray<string | number | null>;

/** Sends a batch: keys and arguments flattened as the Lua script expects. */
export type ClaimSender = (keys: readonly string[], args: readonly (string | number)[]) => Promise<readonly ClaimRow[]>;

export interface ClaimBatcherOptions {
  readonly send: ClaimSender;
  /** Maps a stored value to a reply (a lease becomes undefined). */
  readonly replyOf: (stored: string | undefined) => string | undefined;
  readonly maxBatch?: number;
}

/**
 * Coalesces the claims made during one turn of the event loop into one script call.
 * Under load the webhook has tens of requests in flight; each ioredis command costs tens
 * of microseconds of client CPU (~20 µs per `SET NX` measured on the 2-core development
 * machines; docs/architecture.md, "claims are coalesced"), so one command per batch instead of one
 * per message is most of the ingress's Redis cost. It adds no timer: the batch is sent
 * from `setImmediate`, after the current I/O callbacks have queued their claims.
 */
export class ClaimBatcher {
  private queue: PendingClaim[] = [];
  private scheduled = false;

  constructor(private readonly options: ClaimBatcherOptions) {}

  claim(request: ClaimRequest, prefix: string): Promise<ClaimResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        nonceKey: prefix + request.nonceKey,
        messageKey: prefix + request.messageKey,
        request,
        resolve,
        reject,
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const max = this.options.maxBatch ?? 256;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, max);
      void this.send(batch);
    }
  }

  private async send(batch: readonly PendingClaim[]): Promise<void> {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const claim of batch) {
      const { ttlSeconds, reply, leaseMs, holder } = claim.request;
      keys.push(claim.nonceKey, claim.messageKey);
      // Lease 0 tells the script to store the given reply instead of a lease.
      if (reply === undefined) args.push(ttlSeconds, leaseMs, holder, '');
      else args.push(ttlSeconds, 0, '', reply);
    }
    try {
      const results = await this.options.send(keys, args);
      for (const [i, claim] of batch.entries()) claim.resolve(this.toResult(results[i]));
    } catch (error) {
      for (const claim of batch) claim.reject(error);
    }
  }

  private toResult(row: ReadonlyArray<string | number | null> | undefined): ClaimResult {
    const status = row?.[0];
    if (status === 'claimed') return { status: 'claimed', fence: Number(row?.[1]) };
    if (status === 'nonce_replayed') return { status: 'nonce_replayed' };
    if (status === 'duplicate') {
      const stored = row?.[1];
      return { status: 'duplicate', reply: typeof stored === 'string' ? this.options.replyOf(stored) : undefined };
    }
    throw new Error(`unexpected claim result ${JSON.stringify(row)}`);
  }
}
