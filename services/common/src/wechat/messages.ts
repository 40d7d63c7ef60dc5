import { parseEvent } from './message-events.js';
import { decimal, messageId, optionalText, parseBase, text } from './message-fields.js';
import type { UserMessageBase, WxMessage } from './message-types.js';
import { parseXml, type XmlFields } from './xml.js';

type UserParser = (base: UserMessageBase, fields: XmlFields) => WxMessage;

function parseText(base: UserMessageBase, fields: XmlFields): WxMessage {
  // Set when the user tapped a menu option inside a customer-service message.
  const bizMsgMenuId = optionalText(fields, 'bizmsgmenuid');
  return {
    ...base,
    kind: 'text',
    content: text(fields, 'Content'),
    ...(bizMsgMenuId === undefined ? {} : { bizMsgMenuId }),
  };
}

function parseVoice(base: UserMessageBase, fields: XmlFields): WxMessage {
  // Recognition is present only when the account enabled speech recognition.
  const recognition = optionalText(fields, 'Recognition');
  return {
    ...base,
    kind: 'voice',
    mediaId: text(fields, 'MediaId'),
    format: text(fields, 'Format'),
    ...(recognition === undefined ? {} : { recognition }),
  };
}

function parseVideo(kind: 'video' | 'shortvideo'): UserParser {
  return (base, fields) => ({
    ...base,
    kind,
    mediaId: text(fields, 'MediaId'),
    thumbMediaId: text(fields, 'ThumbMediaId'),
  });
}

const userParsers: ReadonlyMap<string, UserParser> = new Map<string, UserParser>([
  ['text', parseText],
  [
    'image',
    (base, fields) => ({ ...base, kind: 'image', picUrl: text(fields, 'PicUrl'), mediaId: text(fields, 'MediaId') }),
  ],
  ['voice', parseVoice],
  ['video', parseVideo('video')],
  ['shortvideo', parseVideo('shortvideo')],
  [
    'location',
    (base, fields) => ({
      ...base,
      kind: 'location',
      // WeChat names the latitude Location_X and the longitude Location_Y.
      latitude: decimal(fields, 'Location_X'),
      longitude: decimal(fields, 'Location_Y'),
      scale: decimal(fields, 'Scale'),
      label: text(fields, 'Label'),
    }),
  ],
  [
    'link',
    (base, fields) => ({
      ...base,
      kind: 'link',
      title: text(fields, 'Title'),
      description: text(fields, 'Description'),
      url: text(fields, 'Url'),
    }),
  ],
]);

/**
 * Types the children of a (decrypted) callback `<xml>` into a {@link WxMessage}: what the
 * ingress routes and de-duplicates on.
 *
 * - `ToUserName`, `FromUserName`, `CreateTime` (whole seconds) and `MsgType` are required;
 *   otherwise `AppError(xml_invalid)` names what is wrong.
 * - `MsgId` and `MsgID` are both read (job-finish events use the capital D); ids stay strings.
 * - A `MsgType` this code does not know becomes `kind: 'unknown'` with the raw type, an
 *   unknown event an {@link OtherEvent}: new WeChat features are routed to defaults, not lost.
 * - Every raw element stays in `fields` (nested ones as JSON).
 */
export function parseMessage(fields: XmlFields): WxMessage {
  const { base, msgType } = parseBase(fields);
  const type = msgType.toLowerCase();
  if (type === 'event') return parseEvent(base, fields);
  const withId: UserMessageBase = { ...base, msgId: messageId(fields) };
  const parse = userParsers.get(type);
  if (parse !== undefined) return parse(withId, fields);
  return { ...withId, kind: 'unknown', msgType };
}

/** {@link parseMessage} on a raw body, with xml.ts's DOCTYPE, size and root checks first. */
export function parseMessageXml(xml: string): WxMessage {
  return parseMessage(parseXml(xml));
}
