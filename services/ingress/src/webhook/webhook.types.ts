import type { IncomingHttpHeaders } from 'node:http';
import type { ServiceWindowRecorder, ServiceWindowRules } from '@mpstack/common/contracts';
import type { Logger } from '@mpstack/common/logging';
import type { CoordinationPort } from '@mpstack/common/ports';
import type { LogSink } from '@mpstack/common/runtime';
import type { WxMessage } from '@mpstack/common/wechat';
import type { Tracer } from '@opentelemetry/api';
import type { Account } from '../accounts/account.types.js';
import type { AccountRegistry } from '../accounts/account-registry.js';
import type { IngressMetrics } from '../metrics.js';
import type { FastPathPlugin } from '../rules/rule.types.js';
import type { RuleCache } from '../rules/rule-cache.js';
import type { Forwarder } from '../slowpath/forwarder.js';
import type { ReceiptGroups } from '../slowpath/receipt-groups.js';

export interface WebhookSettings {
  readonly timestampWindowSeconds: number;
  readonly dedupeTtlSeconds: number;
  readonly partitions: number;
  readonly maxBodyBytes: number;
  /** How long a delivery may wait for its claim before it is held unanswered. */
  readonly retryWaitMs: number;
  /** Lease of a claim; renewed every third of it while executing. */
  readonly claimLeaseMs: number;
  /** A held request is closed unanswered after this, from its arrival. */
  readonly holdMs: number;
  /** The customer-service window recorded per interaction (default: the kf doc's 5 / 48 h and 3 / 1 min). */
  readonly serviceWindowRules?: ServiceWindowRules;
  /** How long a group of delivery receipts gathers at least (default 5 ms; 0: the event-loop turn; see ReceiptGroups). */
  readonly receiptGroupMs?: number;
  /** Receipts in one message at most (default 200; 1: each alone). */
  readonly receiptGroupMax?: number;
}

export interface WebhookDeps {
  readonly registry: AccountRegistry;
  readonly rules: RuleCache;
  /** Fast-path plugins tried before the rule engine, in order. */
  readonly plugins: readonly FastPathPlugin[];
  readonly coordination: CoordinationPort;
  /** Writes followers' customer-service windows in coalesced batches (see ServiceWindowRecorder). */
  readonly serviceWindows: ServiceWindowRecorder;
  readonly forwarder: Forwarder;
  /** Gathers delivery receipts into one message per few milliseconds (see ReceiptGroups). */
  readonly receiptGroups: ReceiptGroups;
  readonly logSink: LogSink;
  readonly metrics: IngressMetrics;
  readonly logger: Logger;
  /** Spans for forwarded messages; their context travels in the AMQP headers. */
  readonly tracer: Tracer;
  readonly settings: WebhookSettings;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
}

export interface Outcome {
  readonly outcome: string;
  readonly decidedBy?: string;
}

/** One first delivery being executed. */
export interface Execution {
  readonly account: Account;
  readonly message: WxMessage;
  readonly messageKey: string;
  readonly incoming: IncomingHttpHeaders;
}
