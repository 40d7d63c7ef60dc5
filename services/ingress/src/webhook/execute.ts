import { encodeInbound, encodeReceipt, inboundQueueName, partitionOf, receiptOf } from '@mpstack/common/contracts';
import { extractTraceContext, injectTraceContext, trace } from '@mpstack/common/telemetry';
import { buildReply, type JobFinishEvent, type WxMessage } from '@mpstack/common/wechat';
import type { Account } from '../accounts/account.types.js';
import type { FastPathDecision } from '../rules/rule.types.js';
import type { ForwardOutcome } from '../slowpath/forwarder.js';
import type { ReceiptGroups } from '../slowpath/receipt-groups.js';
import type { HoldReason, LeaseKeeper } from './claim.js';
import { successBody } from './respond.js';
import type { Execution, Outcome, WebhookDeps } from './webhook.types.js';

/** What executing a claimed message came to: a reply to send, or a request to hold. */
export type Executed =
  | { readonly replyXml: string; readonly result: Outcome }
  | { readonly held: HoldReason; readonly result: Outcome };

/**
 * The holder of a claim executes the message: decide, build the reply (before any side
 * effect, so a reply that cannot be built releases the claim and publishes nothing),
 * forward if needed — only while the lease is surely still held — and store the reply for
 * WeChat's retries with the claim's fence.
 *
 * Once the publish may have happened the claim is never released: a failure after it leaves
 * the lease to expire, and a later delivery takes over (publishing at most one more copy,
 * with the same id). When both broker and spool failed the request is held, so WeChat's
 * timeout retry comes.
 */
export async function execute(
  deps: WebhookDeps,
  execution: Execution,
  pureDecision: FastPathDecision | undefined,
  keeper: LeaseKeeper,
): Promise<Executed> {
  const { account, message, messageKey } = execution;
  let mayHavePublished = false;
  try {
    const decision = pureDecision ?? (await decide(deps, account, message));
    const replyXml = replyXmlOf(deps, decision, message);
    let outcome = decision.reply === undefined ? 'accepted' : 'replied';
    if (decision.forward) {
      if (!(await keeper.isHeld())) return { held: 'fenced', result: { outcome: 'held_fenced' } };
      mayHavePublished = true;
      const forwarded = await forwardOrHold(deps, execution, keeper.fence);
      if (forwarded === undefined) return { held: 'forward_failed', result: { outcome: 'held_forward_failed' } };
      if (forwarded === 'spooled') deps.metrics.recordSpooled(account.id);
      outcome = `${outcome}_${forwarded}`;
    }
    keeper.stop();
    if (!(await storeReply(deps, messageKey, replyXml, keeper.fence))) outcome = `${outcome}_fenced`;
    return { replyXml, result: { outcome, decidedBy: decision.decidedBy } };
  } catch (error) {
    // Nothing published: the next delivery may take the message over at once.
    if (!mayHavePublished) await deps.coordination.releaseMessage(messageKey, keeper.fence).catch(() => undefined);
    throw error;
  } finally {
    keeper.stop();
  }
}

/**
 * A delivery receipt (`TEMPLATESENDJOBFINISH` / `MASSSENDJOBFINISH`) is handed over without a
 * claim: its consumer applies each `MsgID` once (business's receipt repository: the
 * `template_receipts` key, a mass send finished once), so a WeChat re-delivery forwarded again
 * changes nothing, while the claim, its lease and the stored reply cost two Redis round trips
 * on the outbound pipeline's busiest path (one receipt per send). The receipts of a few
 * milliseconds travel as one message ({@link ReceiptGroups}); the group has the hand-over of any
 * forwarded message — a confirmed publish or the disk spool, else each of its requests is held
 * so that WeChat re-delivers it — and the answer is `success` (nothing is shown for a receipt).
 */
export async function executeReceipt(
  deps: WebhookDeps,
  execution: Execution & { readonly message: JobFinishEvent },
): Promise<Executed> {
  const { account, message, messageKey } = execution;
  let forwarded: ForwardOutcome;
  try {
    // Gathered with the receipts of the next few milliseconds into one message (ReceiptGroups).
    const receipt = receiptOf(messageKey, account.id, message, deps.clock());
    forwarded = await deps.receiptGroups.add(messageKey, encodeReceipt(receipt), () =>
      extractTraceContext(execution.incoming),
    );
  } catch (error) {
    deps.logger.error({ err: error, messageKey }, 'neither broker nor spool took the receipt group');
    return { held: 'forward_failed', result: { outcome: 'held_forward_failed' } };
  }
  if (forwarded === 'spooled') deps.metrics.recordSpooled(account.id);
  const decidedBy = `event:${message.event}`;
  return { replyXml: successBody, result: { outcome: `accepted_${forwarded}`, decidedBy } };
}

/** The forward, or undefined when neither the broker nor the spool took the message. */
async function forwardOrHold(
  deps: WebhookDeps,
  execution: Execution,
  fence: number,
): Promise<ForwardOutcome | undefined> {
  try {
    return await forward(deps, execution, fence);
  } catch (error) {
    deps.logger.error({ err: error, messageKey: execution.messageKey }, 'neither broker nor spool took the message');
    return undefined;
  }
}

/**
 * Stores the reply for retries. False when another delivery took the claim over meanwhile
 * (its reply is what later retries get). A Redis failure here does not fail the request:
 * the message was executed and this answer ends WeChat's deliveries; only a retry already
 * on its way could execute it again, and it would publish the same id.
 */
async function storeReply(deps: WebhookDeps, messageKey: string, replyXml: string, fence: number): Promise<boolean> {
  try {
    return await deps.coordination.storeReply(messageKey, replyXml, deps.settings.dedupeTtlSeconds, fence);
  } catch (error) {
    deps.logger.warn({ err: error, messageKey }, 'reply not stored; answering it anyway');
    return true;
  }
}

async function decide(deps: WebhookDeps, account: Account, message: WxMessage): Promise<FastPathDecision> {
  for (const plugin of deps.plugins) {
    const decision = await plugin(message, { account });
    if (decision !== undefined) return decision;
  }
  return ruleDecision(deps, account, message);
}

/**
 * The rule engine's decision: in-process, no side effects. Synchronous when the account's
 * rules are cached — the webhook's hot path then takes no extra promise hop.
 */
export function ruleDecision(
  deps: WebhookDeps,
  account: Account,
  message: WxMessage,
): FastPathDecision | Promise<FastPathDecision> {
  const rules = deps.rules.peek(account.id);
  return rules !== undefined ? rules.decide(message) : deps.rules.load(account.id).then((r) => r.decide(message));
}

/** The passive reply body for a decision: `success` when there is nothing to show. */
export function replyXmlOf(deps: WebhookDeps, decision: FastPathDecision, message: WxMessage): string {
  if (decision.reply === undefined) return successBody;
  return buildReply(decision.reply, {
    toUser: message.fromUserName,
    fromUser: message.toUserName,
    createTime: Math.floor(deps.clock() / 1000),
    inReplyTo: message.kind === 'event' ? 'event' : 'message',
  });
}

/** Hands the message to the slow path inside a span whose context rides in the AMQP headers. */
async function forward(deps: WebhookDeps, execution: Execution, fence: number): Promise<ForwardOutcome> {
  const { account, message, messageKey } = execution;
  const parent = extractTraceContext(execution.incoming);
  const span = deps.tracer.startSpan('wechat.forward', { attributes: { 'mpstack.account': account.id } }, parent);
  const headers: Record<string, string> = { account: account.id };
  injectTraceContext(headers, trace.setSpan(parent, span));
  try {
    return await deps.forwarder.forward({
      queue: inboundQueueName(partitionOf(message.fromUserName, deps.settings.partitions)),
      messageId: messageKey,
      headers,
      body: encodeInbound({ id: messageKey, fence, account: account.id, receivedAt: deps.clock(), message }),
    });
  } finally {
    span.end();
  }
}

export function isJobFinish(message: WxMessage): message is JobFinishEvent {
  return (
    message.kind === 'event' && (message.event === 'TEMPLATESENDJOBFINISH' || message.event === 'MASSSENDJOBFINISH')
  );
}
