import { buildReply, extractTraceContext, injectTraceContext, trace, type WxMessage } from '@mpstack/common';
import { encodeInbound, inboundQueueName, partitionOf } from '@mpstack/common/contracts';
import type { Account } from '../accounts/account.types.js';
import type { FastPathDecision } from '../rules/rule.types.js';
import type { ForwardOutcome } from '../slowpath/forwarder.js';
import { successBody } from './respond.js';
import type { Execution, Outcome, WebhookDeps } from './webhook.types.js';

/**
 * First delivery: decide, forward if needed, remember the reply for WeChat's retries. On a
 * failure the claim is released so that WeChat's retry executes the message again.
 */
export async function execute(
  deps: WebhookDeps,
  execution: Execution,
  pureDecision: FastPathDecision | undefined,
): Promise<{ replyXml: string; result: Outcome }> {
  const { account, message, messageKey } = execution;
  try {
    const decision = pureDecision ?? (await decide(deps, account, message));
    let outcome = decision.reply === undefined ? 'accepted' : 'replied';
    if (decision.forward) {
      const forwarded = await forward(deps, execution);
      if (forwarded === 'spooled') deps.metrics.recordSpooled(account.id);
      outcome = `${outcome}_${forwarded}`;
    }
    const replyXml = replyXmlOf(deps, decision, message);
    await deps.coordination.storeReply(messageKey, replyXml, deps.settings.dedupeTtlSeconds);
    return { replyXml, result: { outcome, decidedBy: decision.decidedBy } };
  } catch (error) {
    // Not acknowledged: let WeChat's retry execute it again.
    await deps.coordination.releaseMessage(messageKey).catch(() => undefined);
    throw error;
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
async function forward(deps: WebhookDeps, execution: Execution): Promise<ForwardOutcome> {
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
      body: encodeInbound({ account: account.id, receivedAt: deps.clock(), message }),
    });
  } finally {
    span.end();
  }
}

export async function waitForReply(
  deps: WebhookDeps,
  messageKey: string,
  deadline: number,
): Promise<string | undefined> {
  let delay = 20;
  while (deps.clock() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(1, deadline - deps.clock()))));
    const reply = await deps.coordination.getReply(messageKey);
    if (reply !== undefined) return reply;
    delay = Math.min(delay * 2, 200);
  }
  return undefined;
}
