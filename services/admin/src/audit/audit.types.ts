import type { AuditRow } from '../api-types.js';

/** 'ok' for a write that happened; 'denied' for one refused (a failed sign-in, a lock, a role without the right). */
export type AuditOutcome = 'ok' | 'denied';

/** One entry of the audit trail, as the caller gives it; before/after are masked before they are stored. */
export interface AuditEntry {
  /** The username of who did it (for a failed sign-in: the name that was tried). */
  readonly actor: string;
  /** The client's address (express's `req.ip`, through the trusted proxies only). */
  readonly ip: string;
  /** `<feature>.<verb>`: `users.create`, `session.sign-in`, `accounts.rotate-aes-key`, … */
  readonly action: string;
  /** What it was done to: `user:<username>`, `account:<id>`, … */
  readonly target: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly outcome?: AuditOutcome;
  /** When (the injected clock of the caller); now when absent. */
  readonly at?: Date;
}

/** `GET /audit`'s filters, parsed. */
export interface AuditQuery {
  readonly actor?: string | undefined;
  /** A prefix: `users.` finds every users action. */
  readonly action?: string | undefined;
  /** A part of the target (`LIKE %…%`, its wildcards escaped). */
  readonly target?: string | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface AuditPage {
  readonly items: readonly AuditRow[];
  readonly nextCursor?: string;
}
