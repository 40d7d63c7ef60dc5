// The admin API's shapes, from the admin service's browser-safe module (`@mpstack/admin/api-types`,
// zod schemas with inferred types; it imports only zod), so the console and the server cannot drift.
import type {
  AccountSendLimitsView,
  AccountView,
  ApiError as ApiErrorBody,
  AuditRow,
  Dashboard,
  DashboardOutbound,
  InterfaceRow,
  LogFile,
  MessageRow,
  Permission,
  Role,
  RuleView,
  SessionResponse,
  User,
} from '@mpstack/admin/api-types';

export type {
  AccountSendLimitsView,
  AccountView,
  ApiErrorBody,
  AuditRow,
  Dashboard,
  DashboardOutbound,
  InterfaceRow,
  LogFile,
  MessageRow,
  Permission,
  Role,
  RuleView,
  User,
};
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

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string | undefined;
}

export type MinuteBucket = Dashboard['perMinute'][number];
export type FollowerDay = Dashboard['followers'][number];
export type DashboardTotals = Dashboard['totals'];
export type OutboundBucket = DashboardOutbound['series'][number];
export type CompareWith = 'previous' | 'yesterday' | 'week';

/** What POST /accounts/:id/rules and PUT /rules/:id take: the whole rule (the reply is checked on the server). */
export interface RuleInput {
  readonly kind: RuleView['kind'];
  readonly matchType?: RuleView['matchType'];
  readonly keyword?: string;
  readonly reply: { readonly type: RuleView['reply']['type'] } & Readonly<Record<string, unknown>>;
  readonly priority?: number;
  readonly enabled?: boolean;
}
