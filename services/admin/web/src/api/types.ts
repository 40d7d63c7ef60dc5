// The admin API's shapes. What the admin service exports from its browser-safe module
// (`@mpstack/admin/api-types`, zod schemas with inferred types) is taken from there, type-only so
// nothing of the server is bundled; the log rows and the dashboard, which the admin API passes
// through from the log service, follow ISSUE10's contract until a browser-safe export of them exists.
import type {
  AccountView,
  ApiError as ApiErrorBody,
  Permission,
  Role,
  SessionResponse,
  User,
} from '@mpstack/admin/api-types';

export type { AccountView, ApiErrorBody, Permission, Role, User };
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

export interface AuditRow {
  readonly id: string;
  readonly at: number;
  readonly actor: string;
  readonly ip: string;
  readonly action: string;
  readonly target: string;
  readonly before?: unknown;
  readonly after?: unknown;
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
  readonly day: string;
  readonly gained: number;
  readonly lost: number;
  readonly net: number;
  readonly sources: Readonly<Record<string, number>>;
}

export interface DashboardTotals {
  readonly messages?: number;
  readonly fast?: number;
  readonly queued?: number;
  readonly failed?: number;
  readonly gained?: number;
  readonly lost?: number;
  readonly net?: number;
  readonly latency?: { readonly p50: number; readonly p99: number };
}

export interface Dashboard {
  readonly perMinute: readonly MinuteBucket[];
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly followers: readonly FollowerDay[];
  readonly topKeywords: readonly { readonly text: string; readonly count: number }[];
  readonly compare?: DashboardTotals;
}

export type CompareWith = 'previous' | 'yesterday' | 'week';
