// The admin API's shapes. What the admin service exports from its browser-safe module
// (`@mpstack/admin/api-types`, zod schemas with inferred types) is taken from there, type-only so
// nothing of the server is bundled; the log rows and the dashboard, which the admin API passes
// through from the log service, follow ISSUE10's contract until a browser-safe export of them exists.
import type {
  AccountView,
  ApiError as ApiErrorBody,
  AuditRow,
  Permission,
  Role,
  SessionResponse,
  User,
} from '@mpstack/admin/api-types';

export type { AccountView, ApiErrorBody, AuditRow, Permission, Role, User };
export type SessionView = SessionResponse;
export type AccountMode = AccountView['mode'];

/** Secrets are write-only: sent on create/edit, never returned. */
export interface AccountInput {
  readonly id?: string;
  readonly appId?: string;
  readonly name?: string;
  readonly mode?: AccountMode;
  readonly token?: string;
  readonly encodingAesKey?: string;
  readonly appSecret?: string;
}

export interface UserInput {
  readonly username?: string;
  readonly displayName?: string;
  readonly role?: Role;
  readonly disabled?: boolean;
  readonly password?: string;
}

export interface MessageRow {
  readonly id: string;
  readonly at: number;
  readonly account: string;
  readonly openId: string;
  readonly msgType: string;
  readonly event?: string;
  readonly eventKey?: string;
  readonly msgId?: string;
  readonly content?: string;
  readonly outcome: string;
  readonly decidedBy?: string;
  readonly latencyMs: number;
}

export interface InterfaceRow {
  readonly id: string;
  readonly at: number;
  readonly account: string;
  readonly api: string;
  readonly errcode: number;
  readonly latencyMs: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string | undefined;
}

export interface LogFile {
  readonly name: string;
  readonly bytes: number;
  readonly month: string;
}

export interface MinuteBucket {
  readonly t: number;
  readonly byType: Readonly<Record<string, number>>;
  readonly fast: number;
  readonly queued: number;
  readonly failed: number;
}

export interface FollowerDay {
  /** The day's start (ms since the epoch, UTC midnight) as the log service's rollups key it. */
  readonly day: number | string;
  readonly gained: number;
  readonly lost: number;
  readonly net: number;
  readonly sources: Readonly<Record<string, number>>;
}

/** Percentiles of the reply latency in ms; null when the window has no message. */
export interface Latency {
  readonly p50: number | null;
  readonly p99: number | null;
}

export interface DashboardTotals {
  readonly messages: number;
  readonly fast: number;
  readonly queued: number;
  readonly failed: number;
  readonly gained: number;
  readonly lost: number;
  readonly latency: Latency;
}

export interface Dashboard {
  readonly perMinute: readonly MinuteBucket[];
  readonly latency: Latency;
  readonly followers: readonly FollowerDay[];
  readonly topKeywords: readonly { readonly text: string; readonly count: number }[];
  /** The window's totals (the log service adds them; computed from perMinute when absent). */
  readonly totals?: DashboardTotals;
  /** The same totals for the comparison window (`compare=`). */
  readonly compare?: DashboardTotals;
}

export type CompareWith = 'previous' | 'yesterday' | 'week';
