import { hostname } from 'node:os';
import type { Db } from '@mpstack/common/db';
import type { SpoolEntry } from './disk-spool.js';
import { claimSpooledMessages, handOverSpooledMessages, type SpooledClaim } from './spooled-messages.repository.js';

/**
 * Storage that outlives the pod, for a spool the broker could not take before shutdown:
 * `store` keeps every entry (all or nothing), `claim` leases stored entries to the replica
 * that will publish them.
 */
export interface SpoolHandover {
  store(entries: readonly SpoolEntry[]): Promise<void>;
  claim(limit: number): Promise<SpooledClaim>;
}

/** How long a replica holds claimed rows before another may take them (publishing 100 takes well under it). */
const CLAIM_LEASE_MS = 60_000;

/** The hand-over in the system of record: the `spooled_messages` table. */
export function databaseHandover(db: Db, owner = `${hostname()}/${process.pid}`): SpoolHandover {
  return {
    async store(entries) {
      await handOverSpooledMessages(db, entries, owner);
    },
    claim: (limit) => claimSpooledMessages(db, limit, CLAIM_LEASE_MS),
  };
}
