import {
  decodeAesKey,
  decryptWithKey,
  msgSignature,
  type NewsArticle,
  parseXml,
  type Reply,
  signaturesEqual,
  type XmlFields,
} from '@mpstack/common/wechat';
import { type SenderAccount, serviceUnavailableText, type UserView } from './sender.types.js';

/** Passive news replies: 1 article to a user message, 8 otherwise (since 2018-10-12, PROTOCOL.md). */
export const maxArticlesToMessage = 1;
export const maxArticlesToEvent = 8;

class MalformedReply extends Error {}

function failed(reason: string): UserView {
  return { kind: 'error', text: serviceUnavailableText, reason };
}

/**
 * Interprets a 2xx body the way WeChat does: `success` or an empty body shows nothing;
 * a valid reply XML is shown; anything else (JSON, an XML with a bad signature, a reply
 * that safe mode required encrypted) shows the "暂时无法提供服务" error.
 */
export function readReply(account: SenderAccount, body: string, isReplyToEvent: boolean): UserView {
  const trimmed = body.trim();
  if (trimmed === '' || trimmed === 'success') return { kind: 'nothing' };
  try {
    let fields = parseXml(trimmed);
    const isEncrypted = fields.Encrypt !== undefined;
    if (isEncrypted) fields = parseXml(unwrap(account, fields));
    else if (account.mode === 'safe') throw new MalformedReply('safe mode requires an encrypted reply');
    const reply = toReply(fields, isReplyToEvent ? maxArticlesToEvent : maxArticlesToMessage);
    return { kind: 'reply', reply, fields, isEncrypted };
  } catch (error) {
    return failed(error instanceof Error ? error.message : String(error));
  }
}

/** Verifies `MsgSignature` over the reply's `Encrypt` and decrypts it (WXBizMsgCrypt EncryptMsg). */
function unwrap(account: SenderAccount, fields: XmlFields): string {
  if (account.mode === 'plain' || account.encodingAesKey === undefined) {
    throw new MalformedReply('encrypted reply but the account is in plain mode');
  }
  const { Encrypt: encrypt = '', MsgSignature: signature = '', TimeStamp: timestamp = '', Nonce: nonce = '' } = fields;
  if (!signaturesEqual(msgSignature(account.token, timestamp, nonce, encrypt), signature)) {
    throw new MalformedReply('reply MsgSignature does not match sha1(token, TimeStamp, Nonce, Encrypt)');
  }
  return decryptWithKey(decodeAesKey(account.encodingAesKey), account.appId, encrypt);
}

function required(fields: XmlFields, name: string): string {
  const value = fields[name];
  if (value === undefined || value === '') throw new MalformedReply(`reply lacks <${name}>`);
  return value;
}

function nested(fields: XmlFields, name: string): Record<string, unknown> {
  const value = required(fields, name);
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object') return parsed as Record<string, unknown>;
  } catch {
    // fall through: a text value where an element was expected
  }
  throw new MalformedReply(`<${name}> must contain elements`);
}

function text(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === 'string' ? value : undefined;
}

function mediaId(fields: XmlFields, name: string): string {
  const id = text(nested(fields, name), 'MediaId');
  if (id === undefined || id === '') throw new MalformedReply(`<${name}> lacks <MediaId>`);
  return id;
}

function toReply(fields: XmlFields, maxArticles: number): Reply {
  const type = required(fields, 'MsgType');
  switch (type) {
    case 'text':
      return { type, content: required(fields, 'Content') };
    case 'image':
    case 'voice':
      return { type, mediaId: mediaId(fields, type === 'image' ? 'Image' : 'Voice') };
    case 'video':
      return {
        type,
        mediaId: mediaId(fields, 'Video'),
        ...optional(nested(fields, 'Video'), ['Title', 'Description']),
      };
    case 'music':
      return musicReply(nested(fields, 'Music'));
    case 'news':
      return { type, articles: articles(fields, maxArticles) };
    case 'transfer_customer_service': {
      const kfAccount = fields.TransInfo === undefined ? undefined : text(nested(fields, 'TransInfo'), 'KfAccount');
      return kfAccount === undefined ? { type } : { type, kfAccount };
    }
    default:
      throw new MalformedReply(`unknown reply MsgType ${JSON.stringify(type)}`);
  }
}

function optional(record: Record<string, unknown>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = text(record, name);
    if (value !== undefined) out[name.charAt(0).toLowerCase() + name.slice(1)] = value;
  }
  return out;
}

function musicReply(music: Record<string, unknown>): Reply {
  const thumbMediaId = text(music, 'ThumbMediaId');
  if (thumbMediaId === undefined) throw new MalformedReply('<Music> lacks <ThumbMediaId>');
  const extra = optional(music, ['Title', 'Description']);
  const musicUrl = text(music, 'MusicUrl') ?? text(music, 'MusicURL');
  const hqMusicUrl = text(music, 'HQMusicUrl');
  return {
    type: 'music',
    thumbMediaId,
    ...extra,
    ...(musicUrl === undefined ? {} : { musicUrl }),
    ...(hqMusicUrl === undefined ? {} : { hqMusicUrl }),
  };
}

function articles(fields: XmlFields, maxArticles: number): readonly NewsArticle[] {
  const items = nested(fields, 'Articles').item;
  const list = (Array.isArray(items) ? items : [items]).filter(
    (item): item is Record<string, unknown> => item !== null && typeof item === 'object',
  );
  if (list.length === 0) throw new MalformedReply('news reply without <item>');
  if (String(list.length) !== fields.ArticleCount) {
    throw new MalformedReply(`ArticleCount ${fields.ArticleCount ?? '(missing)'} but ${list.length} <item>`);
  }
  if (list.length > maxArticles) {
    throw new MalformedReply(`news reply with ${list.length} articles; at most ${maxArticles} allowed here`);
  }
  return list.map((item) => {
    const title = text(item, 'Title') ?? '';
    const picUrl = text(item, 'PicUrl');
    return { title, ...optional(item, ['Description', 'Url']), ...(picUrl === undefined ? {} : { picUrl }) };
  });
}
