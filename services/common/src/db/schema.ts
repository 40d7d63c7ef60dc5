/**
 * Kysely table interfaces (snake_case, as stored). Repositories map rows to camelCase
 * domain types. Timestamps are written by the application as UTC `YYYY-MM-DD HH:MM:SS.mmm`
 * strings, which both dialects accept; MySQL reads them back as `Date`, SQLite as the string.
 */
import type { ColumnType, Generated } from 'kysely';
import type { EncryptMode } from '../wechat/encrypt-mode.js';

export const RuleKind = { subscribe: 'subscribe', default: 'default', keyword: 'keyword' } as const;
export type RuleKind = (typeof RuleKind)[keyof typeof RuleKind];

export const MatchType = { exact: 'exact', contains: 'contains', regex: 'regex' } as const;
export type MatchType = (typeof MatchType)[keyof typeof MatchType];

/** Read as `Date` (MySQL) or string (SQLite); written as a UTC string. */
export type Timestamp = ColumnType<Date | string, string | undefined, string>;

export interface AccountsTable {
  /** The slug in `/wx/:account`. */
  readonly id: string;
  name: string;
  app_id: string;
  app_secret: string;
  token: string;
  encoding_aes_key: string | null;
  /** Kept after a key rotation: WeChat may still encrypt with it for a while. */
  previous_encoding_aes_key: string | null;
  encrypt_mode: EncryptMode;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** 0/1 (migration 0005): the ingress refuses a disabled account's deliveries. */
  disabled: Generated<number>;
  /** When it was last disabled; null while enabled. */
  disabled_at: NullableTimestamp;
  /** JSON of `AccountSendLimits` (migration 0016); null: the deployment's rates and quotas. */
  send_limits: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A nullable timestamp column (see {@link Timestamp}). */
export type NullableTimestamp = ColumnType<Date | string | null, string | null | undefined, string | null>;

export interface ReplyRulesTable {
  readonly id: Generated<number>;
  account_id: string;
  kind: RuleKind;
  match_type: MatchType;
  keyword: string | null;
  /** JSON of the `Reply` union (`wechat/reply-types.ts`). */
  reply: string;
  priority: number;
  /** 0/1: SQLite has no boolean and better-sqlite3 cannot bind one. */
  enabled: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** An ingress spool handed over at shutdown (see `spooled-messages.repository.ts`). */
export interface SpooledMessagesTable {
  readonly id: Generated<number>;
  message_id: string;
  queue: string;
  /** JSON object of the AMQP headers. */
  headers: string;
  body: string;
  handed_over_by: string;
  handed_over_at: Timestamp;
  claimed_by: string | null;
  claimed_until: Timestamp | null;
}

/** The log service's message log (partitioned by month on `at` on MariaDB). */
export interface LogMessagesTable {
  at: number;
  event_id: string;
  account: string;
  open_id: string;
  msg_type: string;
  event: string | null;
  event_key: string | null;
  msg_id: string | null;
  content: string | null;
  outcome: string;
  decided_by: string | null;
  latency_ms: number;
}

/** Outbound WeChat API calls (interface log). */
export interface LogInterfaceCallsTable {
  at: number;
  event_id: string;
  account: string;
  api: string;
  errcode: number;
  errmsg: string | null;
  latency_ms: number;
}

/** Per-minute counts by message type (`msg_type` is the type, or `event:<name>`). */
export interface LogRollupMinuteTable {
  account: string;
  minute: number;
  msg_type: string;
  total: number;
  fast: number;
  queued: number;
  failed: number;
}

/** Per-minute reply-latency histogram (bucket bounds in the log service). */
export interface LogRollupLatencyTable {
  account: string;
  minute: number;
  bucket: number;
  count: number;
}

/** Per-day counters: `metric` (followers_gained, followers_lost, keyword, …) by `dimension`. */
export interface LogRollupDayTable {
  account: string;
  day: number;
  metric: string;
  dimension: string;
  count: number;
}

/**
 * Per-hour / per-day rollups of each account and per-minute / hour / day rollups of all accounts
 * (account `''`), `span` in ms (migration 0011).
 */
export interface LogRollupSpanTable {
  account: string;
  span: number;
  start: number;
  msg_type: string;
  total: number;
  fast: number;
  queued: number;
  failed: number;
}

/** The reply-latency histogram of the same spans. */
export interface LogRollupSpanLatencyTable {
  account: string;
  span: number;
  start: number;
  bucket: number;
  count: number;
}

/** The send and receipt events counted, by key (migration 0015): a redelivered one is found here. */
export interface LogOutboundSeenTable {
  at: number;
  event_id: string;
  account: string;
  kind: string;
}

/**
 * Sends and receipts counted per span (migration 0015): `kind` `send` (outcome sent / failed /
 * refused, `detail` the errcode or the refusal's reason) or `receipt` (outcome success /
 * userBlock / systemFailed, `detail` empty), each account's and all accounts' (`''`).
 */
export interface LogRollupOutboundTable {
  account: string;
  span: number;
  start: number;
  kind: string;
  family: string;
  outcome: string;
  detail: string;
  count: number;
}

export interface Database {
  accounts: AccountsTable;
  reply_rules: ReplyRulesTable;
  spooled_messages: SpooledMessagesTable;
  log_messages: LogMessagesTable;
  log_interface_calls: LogInterfaceCallsTable;
  log_rollup_minute: LogRollupMinuteTable;
  log_rollup_latency: LogRollupLatencyTable;
  log_rollup_day: LogRollupDayTable;
  log_rollup_span: LogRollupSpanTable;
  log_rollup_span_latency: LogRollupSpanLatencyTable;
  log_outbound_seen: LogOutboundSeenTable;
  log_rollup_outbound: LogRollupOutboundTable;
  admin_users: AdminUsersTable;
  audit_log: AuditLogTable;
  template_sends: TemplateSendsTable;
  push_jobs: PushJobsTable;
  push_recipients: PushRecipientsTable;
  template_receipts: TemplateReceiptsTable;
  mass_sends: MassSendsTable;
  wechat_templates: WeChatTemplatesTable;
  log_summaries_sent: LogSummariesSentTable;
  mass_receipts: MassReceiptsTable;
  kefu_sends: KefuSendsTable;
}

/** A single template send (the business service; migration 0008). Times: ms since the epoch. */
export interface TemplateSendsTable {
  readonly id: Generated<number>;
  account_id: string;
  kind: string;
  push_id: number | null;
  open_id: string;
  template_id: string;
  payload: string;
  status: string;
  msgid: string | null;
  errcode: number | null;
  errmsg: string | null;
  attempts: Generated<number>;
  first_attempt_at: number | null;
  receipt_status: string | null;
  receipt_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A customer-service message sent by the business service (migration 0018). Times: ms since the epoch. */
export interface KefuSendsTable {
  readonly id: Generated<number>;
  account_id: string;
  open_id: string;
  msgtype: string;
  message: string;
  status: string;
  errcode: number | null;
  errmsg: string | null;
  reason: string | null;
  attempts: Generated<number>;
  sent_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A push job (the business service). */
export interface PushJobsTable {
  readonly id: Generated<number>;
  account_id: string;
  name: string;
  template_id: string;
  fields: string;
  url: string | null;
  columns: string | null;
  state: string;
  state_reason: string | null;
  scheduled_at: number | null;
  total: Generated<number>;
  sent: Generated<number>;
  failed: Generated<number>;
  /** Receipts joined: `success`, `failed:user block`, any other status (migration 0017). */
  receipts_success: Generated<number>;
  receipts_blocked: Generated<number>;
  receipts_failed: Generated<number>;
  created_at: number;
  started_at: number | null;
  progress_at: number | null;
  finished_at: number | null;
  notified_at: number | null;
}

/** One recipient of a push, and its send. */
export interface PushRecipientsTable {
  push_id: number;
  seq: number;
  open_id: string;
  vars: string | null;
  state: string;
  claimed_by: string | null;
  claimed_at: number | null;
  first_attempt_at: number | null;
  attempts: Generated<number>;
  msgid: string | null;
  errcode: number | null;
  errmsg: string | null;
  sent_at: number | null;
  receipt_status: string | null;
  receipt_at: number | null;
}

/** A `TEMPLATESENDJOBFINISH` received, once per MsgID. */
export interface TemplateReceiptsTable {
  account_id: string;
  msgid: string;
  open_id: string;
  status: string;
  at: number;
  received_at: number;
}

/** A `MASSSENDJOBFINISH` received, once per MsgID (joined to its mass send by `msg_id`). */
export interface MassReceiptsTable {
  account_id: string;
  msg_id: string;
  status: string;
  total_count: number | null;
  filter_count: number | null;
  sent_count: number | null;
  error_count: number | null;
  at: number;
  received_at: number;
}

/** A mass send (群发). */
export interface MassSendsTable {
  readonly id: Generated<number>;
  account_id: string;
  target: string;
  tag_id: number | null;
  msgtype: string;
  content: string;
  state: string;
  scheduled_at: number;
  client_msg_id: string;
  msg_id: string | null;
  msg_data_id: string | null;
  errcode: number | null;
  errmsg: string | null;
  finish_status: string | null;
  total_count: number | null;
  filter_count: number | null;
  sent_count: number | null;
  error_count: number | null;
  created_at: number;
  submitted_at: number | null;
  finished_at: number | null;
  /** `mass/sendall` calls made (migration 0016). */
  attempts: Generated<number>;
  /** While `sending`: not called again before this (a claimed attempt's lease, or WeChat's back-off). */
  next_attempt_at: number | null;
}

/** A console user (`services/admin`); `password_hash` is `scrypt$N$r$p$salt$hash`. */
export interface AdminUsersTable {
  id: string;
  username: string;
  display_name: string;
  role: string;
  password_hash: string;
  disabled: Generated<number>;
  /** Raised by "sign out everywhere": a session opened under a lower epoch is refused. */
  session_epoch: Generated<number>;
  created_at: string;
  updated_at: string;
  last_sign_in_at: string | null;
}

/** One write of the console, or one refused write (`outcome` 'denied'); secrets masked in before/after. */
export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  ip: string;
  action: string;
  target: string;
  outcome: string;
  before_json: string | null;
  after_json: string | null;
}

/** An account's template as last synced from WeChat (the business service; migration 0009). */
export interface WeChatTemplatesTable {
  account_id: string;
  template_id: string;
  title: string;
  primary_industry: string;
  deputy_industry: string;
  content: string;
  example: string;
  synced_at: number;
}

/** A day whose summary e-mail was sent (the log service; migration 0010). */
export interface LogSummariesSentTable {
  date: string;
  message_id: string;
  sent_at: number;
}
