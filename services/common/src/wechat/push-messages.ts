import { randomBytes } from 'node:crypto';
import { cdata } from './xml.js';

/** Who sends and who receives: `from` is the user's openid, `to` the account's `gh_…` id. */
export interface Parties {
  readonly from: string;
  readonly to: string;
  /** Seconds since the epoch; the current time when omitted. */
  readonly createTime?: number;
}

type Field = readonly [name: string, value: string | number | undefined, isRaw?: boolean];

function xml(parties: Parties, msgType: string, fields: readonly Field[]): string {
  const createTime = parties.createTime ?? Math.floor(Date.now() / 1000);
  const lines = [
    `<ToUserName>${cdata(parties.to)}</ToUserName>`,
    `<FromUserName>${cdata(parties.from)}</FromUserName>`,
    `<CreateTime>${createTime}</CreateTime>`,
    `<MsgType>${cdata(msgType)}</MsgType>`,
  ];
  for (const [name, value, isRaw] of fields) {
    if (value === undefined) continue;
    lines.push(`<${name}>${isRaw === true || typeof value === 'number' ? value : cdata(value)}</${name}>`);
  }
  return `<xml>\n${lines.join('\n')}\n</xml>`;
}

/**
 * `MASSSENDJOBFINISH`: the result of a mass send, pushed when the job ends. `MsgID` with a
 * capital D, counts as numbers, and for articles the (nested) originality check result.
 * Layout from the samples quoted by Senparc, JFinal-weixin and WxJava's tests.
 */
export function massSendJobFinishEvent(
  options: Parties & {
    readonly msgId: number | string;
    readonly status: string;
    readonly totalCount: number;
    readonly filterCount: number;
    readonly sentCount: number;
    readonly errorCount: number;
    readonly isArticle: boolean;
  },
): string {
  return xml(options, 'event', [
    ['Event', 'MASSSENDJOBFINISH'],
    ['MsgID', String(options.msgId), true],
    ['Status', options.status],
    ['TotalCount', options.totalCount],
    ['FilterCount', options.filterCount],
    ['SentCount', options.sentCount],
    ['ErrorCount', options.errorCount],
    [
      'CopyrightCheckResult',
      // CheckState 1: not judged a reprint, sent as is.
      options.isArticle ? '<Count>0</Count><ResultList></ResultList><CheckState>1</CheckState>' : undefined,
      true,
    ],
  ]);
}

/** A 64-bit MsgId as decimal text (it does not fit a JS number). */
export function randomMsgId(): string {
  return (randomBytes(8).readBigUInt64BE() >> 1n).toString();
}

export function textMessage(options: Parties & { readonly content: string; readonly msgId?: string }): string {
  return xml(options, 'text', [
    ['Content', options.content],
    ['MsgId', options.msgId ?? randomMsgId(), true],
  ]);
}

export function locationMessage(
  options: Parties & {
    readonly latitude: number;
    readonly longitude: number;
    readonly scale?: number;
    readonly label?: string;
    readonly msgId?: string;
  },
): string {
  return xml(options, 'location', [
    ['Location_X', options.latitude],
    ['Location_Y', options.longitude],
    ['Scale', options.scale ?? 15],
    ['Label', options.label ?? ''],
    ['MsgId', options.msgId ?? randomMsgId(), true],
  ]);
}

/** Any event; `extra` adds fields such as `Ticket`, `MsgID` or `Status` in order. */
export function eventMessage(
  options: Parties & {
    readonly event: string;
    readonly eventKey?: string;
    readonly extra?: Readonly<Record<string, string | number>>;
  },
): string {
  const extra = Object.entries(options.extra ?? {}).map(([name, value]): Field => [name, value]);
  return xml(options, 'event', [['Event', options.event], ['EventKey', options.eventKey], ...extra]);
}

/** Follow; by QR code when `scene` is set (`EventKey` `qrscene_<scene>` + `Ticket`). */
export function subscribeEvent(options: Parties & { readonly scene?: string; readonly ticket?: string }): string {
  if (options.scene === undefined) return eventMessage({ ...options, event: 'subscribe', eventKey: '' });
  const extra = options.ticket === undefined ? {} : { Ticket: options.ticket };
  return eventMessage({ ...options, event: 'subscribe', eventKey: `qrscene_${options.scene}`, extra });
}

export function unsubscribeEvent(options: Parties): string {
  return eventMessage({ ...options, event: 'unsubscribe', eventKey: '' });
}

/** A click on a `click` menu button. */
export function clickEvent(options: Parties & { readonly eventKey: string }): string {
  return eventMessage({ ...options, event: 'CLICK' });
}

/** A tap on a `view` menu button: WeChat pushes `VIEW` with the URL as `EventKey`, then opens it. */
export function viewEvent(options: Parties & { readonly url: string }): string {
  return eventMessage({ ...options, event: 'VIEW', eventKey: options.url });
}

/**
 * A `scancode_push` / `scancode_waitmsg` menu button: the client scans, then WeChat pushes the
 * event with the nested `ScanCodeInfo` (ScanType, ScanResult).
 */
export function scancodeEvent(
  options: Parties & {
    readonly event: 'scancode_push' | 'scancode_waitmsg';
    readonly eventKey: string;
    readonly scanResult: string;
  },
): string {
  const info = `<ScanType>${cdata('qrcode')}</ScanType><ScanResult>${cdata(options.scanResult)}</ScanResult>`;
  return xml(options, 'event', [
    ['Event', options.event],
    ['EventKey', options.eventKey],
    ['ScanCodeInfo', info, true],
  ]);
}

/** A follower scanning a parametric QR code (raw scene, no `qrscene_` prefix). */
export function scanEvent(options: Parties & { readonly scene: string; readonly ticket?: string }): string {
  const extra = options.ticket === undefined ? {} : { Ticket: options.ticket };
  return eventMessage({ ...options, event: 'SCAN', eventKey: options.scene, extra });
}

/**
 * The delivery report of a template send. Note `MsgID` with a capital D (wechatpy
 * events.py, WxJava `@XStreamAlias("MsgID")`), unlike user messages' `MsgId`.
 */
export function templateSendJobFinishEvent(
  options: Parties & { readonly msgId: number | string; readonly status: string },
): string {
  // One template string (the simulator builds one per template send): the same bytes as xml()'s.
  const createTime = options.createTime ?? Math.floor(Date.now() / 1000);
  return `<xml>\n<ToUserName>${cdata(options.to)}</ToUserName>\n<FromUserName>${cdata(options.from)}</FromUserName>\n<CreateTime>${createTime}</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>\n<MsgID>${options.msgId}</MsgID>\n<Status>${cdata(options.status)}</Status>\n</xml>`;
}
