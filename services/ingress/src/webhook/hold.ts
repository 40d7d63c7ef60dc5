import type { ServerResponse } from 'node:http';

/**
 * Leaves a request unanswered so that WeChat's documented re-delivery comes: WeChat
 * re-sends a message when it gets no answer within 5 s, and documents nothing for an error
 * status (docs/architecture.md, "Answer or hold"). The connection is closed without an
 * answer at `until` (ms since the epoch), or earlier when WeChat hangs up.
 */
export function holdUnanswered(response: ServerResponse, until: number, now: number): void {
  const timer = setTimeout(() => response.destroy(), Math.max(0, until - now));
  response.once('close', () => clearTimeout(timer));
}
