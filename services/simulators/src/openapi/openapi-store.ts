import { QuotaCounter } from '../shared/quota-counter.js';
import { RidLog } from './rid-log.js';

/** State of the API-management endpoints: clear_quota's monthly resets and the rid records. */
export class OpenApiStore {
  /** clear_quota and clear_quota/v2 per account and Beijing month (one shared budget). */
  readonly clears = new QuotaCounter();
  readonly rids = new RidLog();

  reset(): void {
    this.clears.reset();
    this.rids.reset();
  }
}
