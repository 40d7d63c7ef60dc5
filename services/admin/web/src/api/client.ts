import {
  accountViewSchema,
  apiBasePath,
  auditRowSchema,
  csrfHeader,
  dashboardOutboundSchema,
  dashboardSchema,
  interfaceRowSchema,
  logFileSchema,
  messageRowSchema,
  pageSchema,
  permissionsResponseSchema,
  ruleViewSchema,
  sessionResponseSchema,
  userResponseSchema,
  usersResponseSchema,
} from '@mpstack/admin/api-types';
import type { z } from 'zod';
import type {
  AccountInput,
  AccountSendLimitsView,
  AccountView,
  ApiErrorBody,
  AuditRow,
  CompareWith,
  Dashboard,
  DashboardOutbound,
  InterfaceRow,
  LogFile,
  MessageRow,
  Page,
  Permission,
  RuleInput,
  RuleView,
  SessionView,
  User,
  UserInput,
} from './types';

/** An error answer of the admin API, with its code (`unauthenticated`, `locked`, …) kept for the UI. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfterSeconds: number | undefined;
  readonly problems: readonly string[];

  constructor(status: number, body: Partial<ApiErrorBody> | undefined) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'internal';
    this.retryAfterSeconds = body?.error?.retryAfterSeconds;
    this.problems = body?.error?.problems ?? [];
  }
}

export type Query = Readonly<Record<string, string | number | undefined>>;

export interface MessageQuery extends Query {
  readonly account?: string;
  readonly openId?: string;
  readonly type?: string;
  readonly event?: string;
  readonly from?: number;
  readonly to?: number;
  readonly text?: string;
  readonly cursor?: string;
  readonly limit?: number;
}

export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * The one typed client of the admin API. It keeps the CSRF token the session returned and sends it
 * on every state-changing request (the contract's `X-CSRF-Token`); the session itself is the
 * HttpOnly cookie the browser sends.
 */
export class AdminApi {
  private csrfToken = '';
  readonly base: string;

  constructor(base: string = apiBasePath) {
    this.base = base;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && this.csrfToken !== '') headers[csrfHeader] = this.csrfToken;
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${this.base}${path}`, init);
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) throw new ApiError(response.status, parsed as Partial<ApiErrorBody> | undefined);
    return parsed as T;
  }

  /** A call of the business API passed through under `/outbound` (issue 11; its answers are the business service's). */
  outbound<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, `/outbound${path}`, body);
  }

  /** A push's recipients file (CSV or XLSX) sent as its bytes, streamed on by the admin service. */
  async uploadRecipients<T>(pushId: number, file: Blob): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': file.type || 'text/csv' };
    if (this.csrfToken !== '') headers[csrfHeader] = this.csrfToken;
    const response = await fetch(`${this.base}/outbound/pushes/${pushId}/recipients`, {
      method: 'PUT',
      headers,
      credentials: 'same-origin',
      body: file,
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) throw new ApiError(response.status, parsed as Partial<ApiErrorBody> | undefined);
    return parsed as T;
  }

  /** Answers the server has schemas for are parsed with them at the edge (docs/conventions.md §8). */
  private async parsed<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<z.infer<S>> {
    return schema.parse(await this.request<unknown>(method, path, body));
  }

  private remember(session: SessionView): SessionView {
    this.csrfToken = session.csrfToken;
    return session;
  }

  async signIn(username: string, password: string): Promise<SessionView> {
    return this.remember(await this.parsed(sessionResponseSchema, 'POST', '/session', { username, password }));
  }

  async session(): Promise<SessionView> {
    return this.remember(await this.parsed(sessionResponseSchema, 'GET', '/session'));
  }

  async signOut(): Promise<void> {
    await this.request<unknown>('DELETE', '/session');
    this.csrfToken = '';
  }

  async signOutEverywhere(): Promise<void> {
    await this.request<unknown>('POST', '/session/revoke-all');
    this.csrfToken = '';
  }

  permissions(): Promise<{ permissions: Permission[] }> {
    return this.parsed(permissionsResponseSchema, 'GET', '/me/permissions');
  }

  accounts(): Promise<Page<AccountView>> {
    return this.parsed(pageSchema(accountViewSchema), 'GET', '/accounts');
  }

  createAccount(input: AccountInput): Promise<AccountView> {
    return this.parsed(accountViewSchema, 'POST', '/accounts', input);
  }

  updateAccount(id: string, input: AccountInput): Promise<AccountView> {
    return this.parsed(accountViewSchema, 'PATCH', `/accounts/${encodeURIComponent(id)}`, input);
  }

  /** Ends a rotation: the previous EncodingAESKey is no longer accepted. */
  retirePreviousAesKey(id: string): Promise<AccountView> {
    return this.parsed(accountViewSchema, 'PATCH', `/accounts/${encodeURIComponent(id)}`, {
      previousEncodingAesKey: null,
    });
  }

  setAccountDisabled(id: string, disabled: boolean): Promise<AccountView> {
    const path = `/accounts/${encodeURIComponent(id)}/${disabled ? 'disable' : 'enable'}`;
    return this.parsed(accountViewSchema, 'POST', path);
  }

  /** The account's own send rates and daily quotas (super-admin); `{}` returns it to the deployment's. */
  setSendLimits(id: string, limits: AccountSendLimitsView): Promise<AccountView> {
    const path = `/accounts/${encodeURIComponent(id)}/send-limits`;
    return this.parsed(accountViewSchema, 'PUT', path, limits);
  }

  rotateAesKey(id: string, encodingAesKey: string): Promise<AccountView> {
    const path = `/accounts/${encodeURIComponent(id)}/rotate-aes-key`;
    return this.parsed(accountViewSchema, 'POST', path, { encodingAesKey });
  }

  rules(accountId: string): Promise<Page<RuleView>> {
    return this.parsed(pageSchema(ruleViewSchema), 'GET', `/accounts/${encodeURIComponent(accountId)}/rules`);
  }

  createRule(accountId: string, input: RuleInput): Promise<RuleView> {
    return this.parsed(ruleViewSchema, 'POST', `/accounts/${encodeURIComponent(accountId)}/rules`, input);
  }

  /** Replaces the whole rule (its account stays). */
  updateRule(id: number, input: RuleInput): Promise<RuleView> {
    return this.parsed(ruleViewSchema, 'PUT', `/rules/${id}`, input);
  }

  async deleteRule(id: number): Promise<void> {
    await this.request<unknown>('DELETE', `/rules/${id}`);
  }

  rulesCsvUrl(accountId: string, lang: string): string {
    return `${this.base}/accounts/${encodeURIComponent(accountId)}/rules.csv${queryString({ lang })}`;
  }

  users(): Promise<Page<User>> {
    return this.parsed(usersResponseSchema, 'GET', '/users');
  }

  async createUser(input: UserInput): Promise<User> {
    return (await this.parsed(userResponseSchema, 'POST', '/users', input)).user;
  }

  async updateUser(id: string, input: UserInput): Promise<User> {
    return (await this.parsed(userResponseSchema, 'PATCH', `/users/${encodeURIComponent(id)}`, input)).user;
  }

  audit(query: Query): Promise<Page<AuditRow>> {
    return this.parsed(pageSchema(auditRowSchema), 'GET', `/audit${queryString(query)}`);
  }

  messages(query: MessageQuery): Promise<Page<MessageRow>> {
    return this.parsed(pageSchema(messageRowSchema), 'GET', `/logs/messages${queryString(query)}`);
  }

  timeline(query: Query): Promise<Page<MessageRow>> {
    return this.parsed(pageSchema(messageRowSchema), 'GET', `/logs/timeline${queryString(query)}`);
  }

  interfaceLogs(query: Query): Promise<Page<InterfaceRow>> {
    return this.parsed(pageSchema(interfaceRowSchema), 'GET', `/logs/interface${queryString(query)}`);
  }

  logFiles(): Promise<Page<LogFile>> {
    return this.parsed(pageSchema(logFileSchema), 'GET', '/logs/files');
  }

  dashboard(query: {
    account?: string;
    from: number;
    to: number;
    compare?: CompareWith;
    step?: 'minute' | 'hour' | 'day';
  }): Promise<Dashboard> {
    return this.parsed(dashboardSchema, 'GET', `/dashboard${queryString(query)}`);
  }

  /** The sends per minute and receipt outcomes of the same window and comparison as {@link dashboard}. */
  dashboardOutbound(query: Parameters<AdminApi['dashboard']>[0]): Promise<DashboardOutbound> {
    return this.parsed(dashboardOutboundSchema, 'GET', `/dashboard/outbound${queryString(query)}`);
  }

  /** URLs the browser downloads directly (the session cookie goes with them). */
  /** `lang` names the CSV's header row (`zh-CN` or `en`). */
  messagesCsvUrl(query: MessageQuery & { readonly lang?: string }): string {
    return `${this.base}/logs/messages.csv${queryString(query)}`;
  }

  logFileUrl(name: string): string {
    return `${this.base}/logs/files/${encodeURIComponent(name)}`;
  }
}
