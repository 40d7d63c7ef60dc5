import type { Reply } from '@mpstack/common/wechat';
import type { DeliveryAttempt } from '@mpstack/simulators';
import type { CustomerServiceMessage, SimSendReport } from './sim.js';

/** What the user sent, as a chat line. */
export interface SentMessage {
  readonly from: string;
  readonly text?: string;
  readonly event?: string;
  readonly eventKey?: string;
  readonly file?: string;
}

function replyLines(reply: Reply): string[] {
  switch (reply.type) {
    case 'text':
      return reply.content.split('\n');
    case 'news':
      return reply.articles.map(
        (a) => `[图文] ${a.title}${a.description ? ` — ${a.description}` : ''}${a.url ? ` (${a.url})` : ''}`,
      );
    case 'transfer_customer_service':
      return [`(转接人工客服${reply.kfAccount ? ` ${reply.kfAccount}` : ''})`];
    case 'music':
      return [`[音乐] ${reply.title ?? reply.thumbMediaId}`];
    default:
      return [`[${reply.type}] ${reply.mediaId}`];
  }
}

function customerServiceLines(message: CustomerServiceMessage): string[] {
  const body = message.body as Record<string, Record<string, unknown> | undefined>;
  if (message.msgtype === 'text') return String(body['text']?.['content'] ?? '').split('\n');
  if (message.msgtype === 'news') {
    const articles = (body['news']?.['articles'] ?? []) as { title?: string; url?: string }[];
    return articles.map((a) => `[图文] ${a.title ?? ''}${a.url ? ` (${a.url})` : ''}`);
  }
  if (message.msgtype === 'msgmenu') {
    const menu = body['msgmenu'] as { head_content?: string; list?: { content?: string }[]; tail_content?: string };
    return [
      menu.head_content ?? '',
      ...(menu.list ?? []).map((item) => `› ${item.content ?? ''}`),
      menu.tail_content ?? '',
    ].filter((line) => line !== '');
  }
  return [`[${message.msgtype}]`];
}

function bubble(speaker: string, lines: readonly string[]): string[] {
  const [first = '', ...rest] = lines;
  const indent = ' '.repeat(speaker.length + 2);
  return [`${speaker}: ${first}`, ...rest.map((line) => `${indent}${line}`)];
}

/**
 * `mpstack sim send` as the user's phone would show it: what was sent, the passive reply (or
 * WeChat's error text, or nothing), then the customer-service messages that arrived while
 * waiting; the deliveries and anything the user would not see as indented notes.
 */
export function renderChat(sent: SentMessage, report: SimSendReport): string {
  return [
    ...bubble(`user ${sent.from}`, sentText(sent).split('\n')),
    ...report.deliveries.map((d) => `    · delivery ${d.attempt}: ${deliveryOutcome(d)} in ${d.elapsedMs} ms`),
    ...passiveLines(report),
    ...(report.simulator !== 'not asked' && !report.simulator.recorded ? [`    · ${report.simulator.reason}`] : []),
    ...customerServiceSection(report.customerService),
  ].join('\n');
}

function sentText(sent: SentMessage): string {
  if (sent.text !== undefined) return sent.text;
  if (sent.event !== undefined) return `(event ${sent.event}${sent.eventKey ? ` ${sent.eventKey}` : ''})`;
  return `(the XML of ${sent.file ?? 'the file'})`;
}

function deliveryOutcome(d: DeliveryAttempt): string {
  if (d.status !== null) return `HTTP ${d.status}`;
  return d.isTimedOut ? 'timed out' : `failed: ${d.error ?? 'no answer'}`;
}

function passiveLines(report: SimSendReport): string[] {
  const view = report.userSees;
  if (view.kind === 'reply') return bubble('account (reply)', replyLines(view.reply));
  if (view.kind === 'error') return [...bubble('WeChat', [view.text]), `    · ${view.reason}`];
  return ['    · no passive reply (the account answered "success" or an empty body): the user sees nothing yet'];
}

function customerServiceSection(cs: SimSendReport['customerService']): string[] {
  if ('unread' in cs) return [`    · customer-service messages not read: ${cs.unread}`];
  const count = cs.messages.length;
  return [
    ...cs.messages.flatMap((message) => bubble('account (customer service)', customerServiceLines(message))),
    `    · waited ${(cs.waitedMs / 1000).toFixed(1)} s for customer-service messages: ${count === 0 ? 'none' : count} arrived (--wait-ms changes the wait)`,
  ];
}
