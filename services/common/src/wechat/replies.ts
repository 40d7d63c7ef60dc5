import { AppError, ErrorCode } from '../errors/app-error.js';
import type { NewsArticle, Reply } from './reply-types.js';
import { cdata } from './xml.js';

/** What the reply answers: a user's message, or an event (follow, menu click, scan…). */
export type ReplyContext = 'message' | 'event';

/**
 * Most news articles a passive reply may carry. Since 2018-10-12 a reply to a user's
 * message may carry 1 article, other scenarios up to 8 (PROTOCOL.md "Passive replies";
 * over-limit is errcode 45008). SDKs still allow 10 — they are stale.
 */
export const newsArticleLimit: Readonly<Record<ReplyContext, number>> = { message: 1, event: 8 };

export interface ReplyEnvelope {
  /** The user's openid: the incoming message's `FromUserName`. */
  readonly toUser: string;
  /** The account's original id (gh_…): the incoming message's `ToUserName`. */
  readonly fromUser: string;
  /** Seconds since the epoch. */
  readonly createTime: number;
  readonly inReplyTo: ReplyContext;
}

/** Any later CreateTime is taken to be milliseconds (10^11 s is the year 5138). */
const maxSeconds = 99_999_999_999;

// Characters XML 1.0 cannot carry at all, even in CDATA: WeChat would fail to parse the
// reply and show the user "该公众号暂时无法提供服务".
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const illegalXmlChars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
/** A lone UTF-16 surrogate cannot be encoded as UTF-8; it would silently become U+FFFD. */
const loneSurrogate = /\p{Cs}/u;

function invalid(message: string): AppError {
  return new AppError(ErrorCode.replyInvalid, message);
}

function checkText(name: string, value: string | undefined, isRequired: boolean): void {
  if (value === undefined || value === '') {
    if (isRequired) throw invalid(`${name} must not be empty`);
    return;
  }
  if (illegalXmlChars.test(value)) throw invalid(`${name} contains a control character XML cannot carry`);
  if (loneSurrogate.test(value)) throw invalid(`${name} contains a lone UTF-16 surrogate`);
}

function checkArticleCount(articles: readonly NewsArticle[], inReplyTo: ReplyContext): void {
  const limit = newsArticleLimit[inReplyTo];
  if (articles.length === 0) throw invalid('a news reply needs at least one article');
  if (articles.length > limit) {
    throw invalid(
      `a news reply to ${inReplyTo === 'message' ? 'a user message' : 'an event'} may carry at most ${limit} ` +
        `article(s), got ${articles.length} (WeChat errcode 45008)`,
    );
  }
}

/** name, value, required — every text a reply puts into the XML. */
type ReplyText = readonly [name: string, value: string | undefined, isRequired: boolean];

function articleTexts(article: NewsArticle, i: number): readonly ReplyText[] {
  return [
    [`articles[${i}].title`, article.title, true],
    [`articles[${i}].description`, article.description, false],
    [`articles[${i}].picUrl`, article.picUrl, false],
    [`articles[${i}].url`, article.url, false],
  ];
}

function replyTexts(reply: Reply): readonly ReplyText[] {
  switch (reply.type) {
    case 'text':
      return [['content', reply.content, true]];
    case 'image':
    case 'voice':
      return [['mediaId', reply.mediaId, true]];
    case 'video':
      return [
        ['mediaId', reply.mediaId, true],
        ['title', reply.title, false],
        ['description', reply.description, false],
      ];
    case 'music':
      return [
        ['thumbMediaId', reply.thumbMediaId, true],
        ['title', reply.title, false],
        ['description', reply.description, false],
        ['musicUrl', reply.musicUrl, false],
        ['hqMusicUrl', reply.hqMusicUrl, false],
      ];
    case 'news':
      return reply.articles.flatMap(articleTexts);
    case 'transfer_customer_service':
      return [['kfAccount', reply.kfAccount, false]];
    default:
      // Rules come from storage as JSON: the type system cannot vouch for them.
      throw invalid(`unknown reply type ${JSON.stringify((reply as { type: unknown }).type)}`);
  }
}

/**
 * Checks a reply against WeChat's rules without building it: usable when a rule is saved,
 * so a bad rule is refused at the console instead of failing in front of a user.
 * Throws `AppError(reply_invalid)`.
 */
export function validateReply(reply: Reply, inReplyTo: ReplyContext): void {
  if (reply.type === 'news') checkArticleCount(reply.articles, inReplyTo);
  for (const [name, value, isRequired] of replyTexts(reply)) checkText(name, value, isRequired);
}

function element(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<${name}>${cdata(value)}</${name}>`;
}

function articleXml(article: NewsArticle): string {
  const inner =
    element('Title', article.title) +
    element('Description', article.description) +
    element('PicUrl', article.picUrl) +
    element('Url', article.url);
  return `<item>${inner}</item>`;
}

function bodyXml(reply: Reply): string {
  switch (reply.type) {
    case 'text':
      return element('Content', reply.content);
    case 'image':
      return `<Image>${element('MediaId', reply.mediaId)}</Image>`;
    case 'voice':
      return `<Voice>${element('MediaId', reply.mediaId)}</Voice>`;
    case 'video':
      return `<Video>${element('MediaId', reply.mediaId)}${element('Title', reply.title)}${element('Description', reply.description)}</Video>`;
    case 'music':
      return `<Music>${element('Title', reply.title)}${element('Description', reply.description)}${element('MusicUrl', reply.musicUrl)}${element('HQMusicUrl', reply.hqMusicUrl)}${element('ThumbMediaId', reply.thumbMediaId)}</Music>`;
    case 'news':
      return `<ArticleCount>${reply.articles.length}</ArticleCount><Articles>${reply.articles.map(articleXml).join('')}</Articles>`;
    case 'transfer_customer_service':
      // Without TransInfo WeChat hands the conversation to any online agent.
      return reply.kfAccount === undefined ? '' : `<TransInfo>${element('KfAccount', reply.kfAccount)}</TransInfo>`;
  }
}

function checkEnvelope(ctx: ReplyEnvelope): void {
  checkText('toUser', ctx.toUser, true);
  checkText('fromUser', ctx.fromUser, true);
  if (!Number.isSafeInteger(ctx.createTime) || ctx.createTime < 0) {
    throw invalid(`createTime must be whole seconds since the epoch, got ${ctx.createTime}`);
  }
  if (ctx.createTime > maxSeconds) {
    throw invalid(`createTime ${ctx.createTime} looks like milliseconds; WeChat expects seconds`);
  }
}

/**
 * Builds the passive-reply XML answered in the callback's HTTP response (plaintext; wrap it
 * with `encryptReply` in safe mode). Every text goes through CDATA, so `<`, `&` and even
 * `]]>` in user content cannot break the document. Validates first ({@link validateReply}).
 */
export function buildReply(reply: Reply, ctx: ReplyEnvelope): string {
  checkEnvelope(ctx);
  validateReply(reply, ctx.inReplyTo);
  return (
    `<xml>${element('ToUserName', ctx.toUser)}${element('FromUserName', ctx.fromUser)}` +
    `<CreateTime>${ctx.createTime}</CreateTime>${element('MsgType', reply.type)}${bodyXml(reply)}</xml>`
  );
}
