/** Outcome of pushing a job-finish event (`TEMPLATESENDJOBFINISH`, `MASSSENDJOBFINISH`) to the account. */
export type CallbackState = 'pending' | 'delivered' | 'failed' | 'skipped';

/** What a send record keeps of its job-finish push. */
export interface CallbackOutcome {
  callback: CallbackState;
  /** HTTP statuses of the callback deliveries (empty while pending or when skipped). */
  callbackStatuses: readonly (number | null)[];
}
