import { AppError, ErrorCode } from '../errors/app-error.js';
import { decimal, field, messageId, nested, optionalText, text } from './message-fields.js';
import type { MenuEvent, MessageBase, OtherEvent, WxEvent } from './message-types.js';
import type { XmlFields } from './xml.js';

type EventParser = (base: MessageBase, fields: XmlFields, event: string) => WxEvent;

/** Prefix WeChat puts on `EventKey` when a not-yet-follower scans a parametric QR code. */
const qrScenePrefix = 'qrscene_';

function parseSubscribe(base: MessageBase, fields: XmlFields): WxEvent {
  const eventKey = optionalText(fields, 'EventKey');
  const ticket = optionalText(fields, 'Ticket');
  const scene = eventKey?.startsWith(qrScenePrefix) ? eventKey.slice(qrScenePrefix.length) : undefined;
  return {
    ...base,
    kind: 'event',
    event: 'subscribe',
    ...(scene === undefined ? {} : { scene }),
    ...(ticket === undefined ? {} : { ticket }),
  };
}

function parseScan(base: MessageBase, fields: XmlFields): WxEvent {
  const ticket = optionalText(fields, 'Ticket');
  return {
    ...base,
    kind: 'event',
    event: 'SCAN',
    // A follower's scan carries the raw scene, without the qrscene_ prefix.
    scene: text(fields, 'EventKey'),
    ...(ticket === undefined ? {} : { ticket }),
  };
}

function parseLocation(base: MessageBase, fields: XmlFields): WxEvent {
  return {
    ...base,
    kind: 'event',
    event: 'LOCATION',
    latitude: decimal(fields, 'Latitude'),
    longitude: decimal(fields, 'Longitude'),
    precision: decimal(fields, 'Precision'),
  };
}

function picCountOf(fields: XmlFields): number | undefined {
  const count = Number(nested(fields, 'SendPicsInfo', 'Count'));
  return Number.isSafeInteger(count) && count >= 0 ? count : undefined;
}

function parseMenu(base: MessageBase, fields: XmlFields, event: string): WxEvent {
  const menuId = optionalText(fields, 'MenuId');
  const scanType = nested(fields, 'ScanCodeInfo', 'ScanType');
  const scanResult = nested(fields, 'ScanCodeInfo', 'ScanResult');
  const picCount = picCountOf(fields);
  return {
    ...base,
    kind: 'event',
    event: event as MenuEvent['event'],
    eventKey: text(fields, 'EventKey'),
    ...(menuId === undefined ? {} : { menuId }),
    ...(scanType === undefined ? {} : { scanType }),
    ...(scanResult === undefined ? {} : { scanResult }),
    ...(picCount === undefined ? {} : { picCount }),
  };
}

/**
 * `MASSSENDJOBFINISH`'s Status is `send success`, `send fail` or `err(N)` (api.json's events
 * table); the run-together `sendsuccess` / `sendfail` of older examples is read as the same
 * word, so a receipt says one thing whichever spelling arrived.
 */
const massStatuses: ReadonlyMap<string, string> = new Map([
  ['sendsuccess', 'send success'],
  ['sendfail', 'send fail'],
]);

function parseJobFinish(base: MessageBase, fields: XmlFields, event: string): WxEvent {
  const status = text(fields, 'Status');
  // Built property by property, not by spreading `base`: one receipt per send makes this the
  // busiest event, and the spread's object clone cost more than the rest of the event's parse.
  return {
    toUserName: base.toUserName,
    fromUserName: base.fromUserName,
    createTime: base.createTime,
    fields: base.fields,
    kind: 'event',
    event: event as 'TEMPLATESENDJOBFINISH' | 'MASSSENDJOBFINISH',
    msgId: messageId(fields) ?? '',
    status: event === 'MASSSENDJOBFINISH' ? (massStatuses.get(status) ?? status) : status,
  };
}

const menuEvents: readonly MenuEvent['event'][] = [
  'CLICK',
  'VIEW',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
  'view_miniprogram',
];

/** Known event names by their lower-case form, so `scan` and `SCAN` route alike. */
type EventEntry = readonly [canonical: string, parse: EventParser];

const parsers: ReadonlyMap<string, EventEntry> = new Map<string, EventEntry>([
  ['subscribe', ['subscribe', parseSubscribe]],
  ['unsubscribe', ['unsubscribe', (base) => ({ ...base, kind: 'event', event: 'unsubscribe' })]],
  ['scan', ['SCAN', parseScan]],
  ['location', ['LOCATION', parseLocation]],
  ['templatesendjobfinish', ['TEMPLATESENDJOBFINISH', parseJobFinish]],
  ['masssendjobfinish', ['MASSSENDJOBFINISH', parseJobFinish]],
  ...menuEvents.map((name): [string, EventEntry] => [name.toLowerCase(), [name, parseMenu]]),
]);

/**
 * Whether `event` is one of the events typed here, in its documented casing — what a
 * metric may use as a label; any other name comes from the sender and is unbounded.
 */
export function isKnownEvent(event: string): boolean {
  return knownEvents.has(event);
}

/** The documented names (the parsers' canonical casing): a Set look-up, no lower-casing per message. */
const knownEvents: ReadonlySet<string> = new Set([...parsers.values()].map(([canonical]) => canonical));

/**
 * Types a `MsgType=event` push. WeChat's own casing is mixed (`subscribe` but `SCAN`,
 * `CLICK`); names are matched case-insensitively and reported in the documented casing.
 * An event this code does not know is kept as an {@link OtherEvent}, never dropped.
 */
export function parseEvent(base: MessageBase, fields: XmlFields): WxEvent {
  const raw = (field(fields, 'Event') ?? '').trim();
  if (raw === '') throw new AppError(ErrorCode.xmlInvalid, 'MsgType is event but <Event> is missing or empty');
  const known = parsers.get(raw.toLowerCase());
  if (known !== undefined) return known[1](base, fields, known[0]);
  const eventKey = optionalText(fields, 'EventKey');
  const other: OtherEvent = {
    ...base,
    kind: 'event',
    event: raw as OtherEvent['event'],
    ...(eventKey === undefined ? {} : { eventKey }),
  };
  return other;
}
