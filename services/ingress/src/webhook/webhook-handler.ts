import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { LOG_CONTENT_MAX, serviceWindowEffect } from '@mpstack/common/contracts';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { FastHandler } from '@mpstack/common/http';
import { dedupeKey, isKnownEvent, type WxMessage } from '@mpstack/common/wechat';
import type { Account } from '../accounts/account.types.js';
import { claimWithinBudget, type HoldReason, isUnavailable, LeaseKeeper, nextHolder } from './claim.js';
import { RefusalLog, refuseDisabled } from './disabled.js';
import { type Executed, execute, executeReceipt, isJobFinish, replyXmlOf, ruleDecision } from './execute.js';
import { refuseControlCharacters } from './fields.js';
import { holdUnanswered } from './hold.js';
import { openMessage, verifyRequest } from './open-message.js';
import { type CallbackQuery, loggableTarget, parseWebhookUrl, readBody, type WebhookTarget } from './request.js';
import { sendError, sendReply, sendText } from './respond.js';
import type { Outcome, WebhookDeps } from './webhook.types.js';

export type { WebhookDeps, WebhookSettings } from './webhook.types.js';

/**
 * `GET/POST /wx/:account`, served ahead of express (see docs/architecture.md). Implements
 * the message path of docs/architecture.md §3: verify → decrypt → parse → de-duplicate → fast
 * path → slow path → reply, with a log event and a metric for every request.
 */
export function createWebhookHandler(deps: WebhookDeps): FastHandler {
  const refusals = new RefusalLog(deps.logger, deps.clock);
  return (request, response) => {
    const target = request.url === undefined ? undefined : parseWebhookUrl(request.url);
    if (target === undefined) return false;
    const started = performance.now();
    const account = deps.registry.get(target.accountId);
    if (account === undefined) {
      request.resume();
      sendError(
        response,
        new AppError(ErrorCode.accountUnknown, `unknown account ${JSON.stringify(target.accountId)}`),
      );
      deps.metrics.record('unknown', 'none', 'unknown_account', (performance.now() - started) / 1000);
      return true;
    }
    // verifyUrl throws synchronously on a bad signature: run it inside the chain so the
    // refusal becomes a 401 instead of an exception escaping the server's request handler.
    const work = account.disabled
      ? Promise.resolve().then(() => refuseDisabled(deps, refusals, account, target.query, request, response))
      : request.method === 'GET'
        ? Promise.resolve().then(() => verifyUrl(deps, account, target.query, response))
        : request.method === 'POST'
          ? handleMessage(deps, account, target.query, request, response)
          : Promise.resolve(methodNotAllowed(request, response));
    work
      .catch((error: unknown) =>
        // Not answering 503: WeChat documents a re-delivery only after no answer within 5 s.
        request.method === 'POST' && isUnavailable(error)
          ? hold(deps, response, started, 'unavailable', error)
          : failed(deps, error, response, target),
      )
      .then((result) =>
        deps.metrics.record(account.id, result.msgType, result.outcome, (performance.now() - started) / 1000),
      )
      .catch((error: unknown) => deps.logger.error({ err: error }, 'metrics failed'));
    return true;
  };
}

interface Result extends Outcome {
  readonly msgType: string;
}

/** URL verification: echo `echostr` verbatim (plaintext in every mode for 公众号). */
function verifyUrl(deps: WebhookDeps, account: Account, query: CallbackQuery, response: ServerResponse): Result {
  verifyRequest(account, query, Math.floor(deps.clock() / 1000), deps.settings.timestampWindowSeconds);
  sendText(response, 200, query.echostr ?? '', 'text/plain; charset=utf-8');
  return { msgType: 'verify', outcome: 'verified' };
}

function methodNotAllowed(request: IncomingMessage, response: ServerResponse): Result {
  request.resume();
  response.setHeader('allow', 'GET, POST');
  sendText(
    response,
    405,
    JSON.stringify({ error: { code: 'method_not_allowed', message: 'use GET or POST' } }),
    'application/json',
  );
  return { msgType: 'none', outcome: 'bad_request' };
}

/** Holds a request unanswered (see `hold.ts`); `started` is the request's `performance.now()`. */
function hold(
  deps: WebhookDeps,
  response: ServerResponse,
  started: number,
  reason: HoldReason,
  error?: unknown,
): Result {
  holdUnanswered(response, deps.clock() + deps.settings.holdMs - (performance.now() - started), deps.clock());
  deps.logger.warn({ err: error, reason }, 'request held unanswered so that WeChat re-delivers it');
  return { msgType: 'none', outcome: `held_${reason}` };
}

function failed(deps: WebhookDeps, error: unknown, response: ServerResponse, target: WebhookTarget): Result {
  const status = sendError(response, error);
  const code = error instanceof AppError ? error.code : 'error';
  const context = { err: error, request: loggableTarget(target) };
  if (status >= 500) deps.logger.error(context, 'webhook request failed');
  else if (code === ErrorCode.plaintextRefused) deps.logger.warn(context, 'encryption downgrade refused');
  else if (code === ErrorCode.accountDisabled) deps.logger.warn(context, 'URL verification refused: account disabled');
  else deps.logger.debug(context, 'webhook request refused');
  return { msgType: 'none', outcome: `rejected_${code}` };
}

/**
 * The follower's customer-service window (a message opens 5 sends for 48 h, a click / follow /
 * scan 3 for a minute, an unfollow closes it), for the WeChat API client to refuse a send
 * WeChat would refuse with 45015 / 45047. Handed to the recorder after the reply went out,
 * which writes it within its flush interval, coalesced and batched: it never delays or fails
 * the webhook; a window Redis did not record makes the client refuse a send WeChat would have
 * allowed (`MPSTACK_WECHAT_KEFU_WINDOW=off` turns the check off).
 */
function recordWindow(deps: WebhookDeps, account: Account, message: WxMessage): void {
  const effect = serviceWindowEffect(message);
  if (effect === undefined || message.fromUserName === '') return;
  deps.serviceWindows.record(account.appId, message.fromUserName, effect);
}

/**
 * The `msg_type` metric label: the kind, and for events the documented name. Event names
 * and message types WeChat adds (or a sender makes up) share one value each, so the number
 * of series stays bounded whatever arrives.
 */
export function msgTypeLabel(message: WxMessage): string {
  if (message.kind !== 'event') return message.kind;
  return isKnownEvent(message.event) ? `event:${message.event}` : 'event:other';
}

async function handleMessage(
  deps: WebhookDeps,
  account: Account,
  query: CallbackQuery,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<Result> {
  const arrived = performance.now();
  const started = deps.clock();
  const nowSeconds = Math.floor(started / 1000);
  verifyRequest(account, query, nowSeconds, deps.settings.timestampWindowSeconds);
  const body = await readBody(request, deps.settings.maxBodyBytes);
  const { message, keyIndex } = openMessage(account, query, body);
  refuseControlCharacters(message);
  const key = dedupeKey(account.id, message);
  if (isJobFinish(message)) {
    const executed = await executeReceipt(deps, { account, message, messageKey: key, incoming: request.headers });
    return answer(deps, response, arrived, started, account, query, keyIndex, message, executed);
  }
  // With no plugins the decision is pure (in-process rules): take it before claiming, and
  // a reply that needs no forwarding is stored with the claim in one round trip.
  const decided = deps.plugins.length === 0 ? ruleDecision(deps, account, message) : undefined;
  const pure = decided instanceof Promise ? await decided : decided;
  const precomputed = pure !== undefined && !pure.forward ? replyXmlOf(deps, pure, message) : undefined;
  const lease = { holder: nextHolder(), leaseMs: deps.settings.claimLeaseMs };
  const claimed = await claimWithinBudget(
    deps.coordination,
    {
      messageKey: key,
      nonceKey: `wx:nonce:${account.id}:${query.timestamp}:${query.nonce}`,
      ttlSeconds: deps.settings.dedupeTtlSeconds,
      ...lease,
      ...(precomputed === undefined ? {} : { reply: precomputed }),
    },
    started + deps.settings.retryWaitMs,
    deps.clock,
  );
  const claim = claimed.result;
  let executed: Executed;
  if (claim.status === 'held') {
    return hold(deps, response, arrived, claim.reason);
  } else if (claim.status === 'nonce_replayed') {
    throw new AppError(ErrorCode.nonceReplayed, 'nonce already used for another message');
  } else if (claim.status === 'duplicate') {
    executed = { replyXml: claim.reply ?? '', result: { outcome: 'duplicate' } };
  } else if (precomputed !== undefined && pure !== undefined) {
    executed = { replyXml: precomputed, result: { outcome: 'replied', decidedBy: pure.decidedBy } };
  } else {
    const keeper = new LeaseKeeper(deps.coordination, key, claim.fence, lease, claimed.sentAt, deps.logger);
    executed = await execute(deps, { account, message, messageKey: key, incoming: request.headers }, pure, keeper);
  }
  const result = answer(deps, response, arrived, started, account, query, keyIndex, message, executed);
  // Only the delivery that executed the message: a WeChat retry must not renew the window's budget.
  if (claim.status === 'claimed' && !('held' in executed)) recordWindow(deps, account, message);
  return result;
}

/** Sends the reply (or holds the request) and logs the message; `arrived` is its `performance.now()`, `started` its clock. */
function answer(
  deps: WebhookDeps,
  response: ServerResponse,
  arrived: number,
  started: number,
  account: Account,
  query: CallbackQuery,
  keyIndex: number | undefined,
  message: WxMessage,
  executed: Executed,
): Result {
  const msgType = msgTypeLabel(message);
  if ('held' in executed) return { ...hold(deps, response, arrived, executed.held), msgType };
  const { replyXml, result } = executed;
  sendReply(response, account, replyXml, keyIndex, query.nonce, Math.floor(deps.clock() / 1000));
  // One object shape for every message (absent fields are undefined, which JSON leaves out):
  // no spread of optional parts, so building and serializing it stays on V8's fast paths.
  deps.logSink.record({
    type: 'message',
    id: deps.logSink.nextId(),
    at: started,
    account: account.id,
    openId: message.fromUserName,
    msgType: message.kind,
    event: message.kind === 'event' ? message.event : undefined,
    eventKey: 'eventKey' in message && message.eventKey !== undefined ? message.eventKey.slice(0, 255) : undefined,
    msgId: 'msgId' in message ? message.msgId : undefined,
    content: message.kind === 'text' ? message.content.slice(0, LOG_CONTENT_MAX) : undefined,
    outcome: result.outcome,
    decidedBy: result.decidedBy,
    latencyMs: deps.clock() - started,
  });
  return { ...result, msgType };
}
