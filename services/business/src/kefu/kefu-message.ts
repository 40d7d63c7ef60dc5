import { AppError, ErrorCode } from '@mpstack/common/errors';
import { z } from 'zod';

/**
 * WeChat documents no exact length for a customer-service text; 2,048 bytes of UTF-8 is the limit
 * reported for its text messages (over it: 45002 消息内容超过限制). Checked here so the operator
 * hears it at once instead of from a failed send.
 */
export const KEFU_TEXT_MAX_BYTES = 2048;

const mediaId = z.string().min(1).max(128);
const url = z.url().max(1024);
const text = (max: number) => z.string().max(max);

/**
 * One object per `msgtype` of `message/custom/send` (../shared/wechat/api.json), as WeChat's body
 * has it. `news` carries one article since 2018-10-12 (more → 45008): a link card — title,
 * description, url, picture.
 */
const bodies = {
  text: z.strictObject({
    content: z
      .string()
      .min(1, 'the text is empty')
      .refine((value) => Buffer.byteLength(value, 'utf8') <= KEFU_TEXT_MAX_BYTES, {
        message: `the text is over WeChat's limit of ${KEFU_TEXT_MAX_BYTES} bytes (45002); not sent`,
      }),
  }),
  image: z.strictObject({ media_id: mediaId }),
  voice: z.strictObject({ media_id: mediaId }),
  video: z.strictObject({
    media_id: mediaId,
    thumb_media_id: mediaId.optional(),
    title: text(64).optional(),
    description: text(120).optional(),
  }),
  music: z.strictObject({
    title: text(64).optional(),
    description: text(120).optional(),
    musicurl: url,
    hqmusicurl: url,
    thumb_media_id: mediaId,
  }),
  news: z.strictObject({
    articles: z
      .array(
        z.strictObject({
          title: text(64).min(1),
          description: text(120).optional(),
          url,
          picurl: url.optional(),
        }),
      )
      .length(1, 'a customer-service news message carries exactly one article (WeChat: 45008 otherwise)'),
  }),
  mpnews: z.strictObject({ media_id: mediaId }),
  mpnewsarticle: z.strictObject({ article_id: z.string().min(1).max(128) }),
  msgmenu: z.strictObject({
    head_content: text(200).optional(),
    list: z
      .array(z.strictObject({ id: z.string().min(1).max(32), content: text(64).min(1) }))
      .min(1)
      .max(10),
    tail_content: text(200).optional(),
  }),
  wxcard: z.strictObject({ card_id: z.string().min(1).max(64) }),
  miniprogrampage: z.strictObject({
    title: text(64).min(1),
    appid: z.string().regex(/^wx[0-9a-f]{16}$/, 'not a mini program AppID'),
    pagepath: z.string().min(1).max(256),
    thumb_media_id: mediaId,
  }),
} as const;

export type KefuMsgType = keyof typeof bodies;
export const KEFU_MSGTYPES = Object.keys(bodies) as readonly KefuMsgType[];

/** A customer-service message as stored and sent (WeChat's body without `touser`). */
export interface KefuMessage {
  readonly msgtype: KefuMsgType;
  readonly [body: string]: unknown;
}

function isMsgType(value: unknown): value is KefuMsgType {
  return typeof value === 'string' && Object.hasOwn(bodies, value);
}

/**
 * The message of a request (`{ msgtype, <msgtype>: {…}, customservice?: { kf_account } }`), or a
 * 400 naming the problem: not an object, an unknown msgtype, the msgtype's object missing or
 * malformed, another message type's object beside it.
 */
export function parseKefuMessage(value: unknown): KefuMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError(ErrorCode.badRequest, 'message must be an object: { msgtype, <msgtype>: {…} }');
  }
  const { msgtype, customservice, ...rest } = value as Record<string, unknown>;
  if (!isMsgType(msgtype)) {
    throw new AppError(
      ErrorCode.badRequest,
      `unknown msgtype ${JSON.stringify(msgtype ?? null)}; one of ${KEFU_MSGTYPES.join(', ')} (message.msgtype)`,
    );
  }
  const extra = Object.keys(rest).filter((key) => key !== msgtype);
  if (extra.length > 0) {
    throw new AppError(ErrorCode.badRequest, `a ${msgtype} message has no ${extra.join(', ')} (message)`);
  }
  const body = bodies[msgtype].safeParse(rest[msgtype]);
  if (!body.success) {
    const issue = body.error.issues[0];
    const where = ['message', msgtype, ...(issue?.path ?? []).map(String)].join('.');
    const message =
      rest[msgtype] === undefined
        ? `a ${msgtype} message needs its ${msgtype} object`
        : issue === undefined
          ? 'invalid message'
          : issueText(issue, rest[msgtype]);
    throw new AppError(ErrorCode.badRequest, `${message} (${where})`);
  }
  const agent = z
    .strictObject({ kf_account: z.string().min(1).max(64) })
    .optional()
    .safeParse(customservice);
  if (!agent.success) {
    throw new AppError(ErrorCode.badRequest, 'customservice must be { kf_account } (message.customservice)');
  }
  return {
    msgtype,
    [msgtype]: body.data,
    ...(agent.data === undefined ? {} : { customservice: agent.data }),
  };
}

/**
 * What is wrong with a field, in the operator's words: missing, empty, over its limit (WeChat's
 * figure), not a URL; a message the schema gave itself (the text's bytes, the one article) as is.
 */
function issueText(issue: z.core.$ZodIssue, body: unknown): string {
  const field = issue.path.length === 0 ? 'the message' : String(issue.path.at(-1));
  let value: unknown = body;
  for (const key of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey];
  // The schema's own words (zod's defaults start "Too …", "Invalid …", "Unrecognized …").
  if (!/^(Too |Invalid |Unrecognized )/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? `${field} is missing` : `${field} must be a ${issue.expected}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `${field}: at most ${String(issue.maximum)} items`
        : `${field} is over its limit of ${String(issue.maximum)} characters`;
    case 'too_small':
      if (issue.origin === 'array') return `${field}: at least ${String(issue.minimum)} item(s)`;
      return value === '' ? `${field} is empty` : `${field} is shorter than ${String(issue.minimum)} characters`;
    case 'invalid_format':
      return issue.format === 'url' ? `${field} is not a URL` : `${field} is not valid (${issue.format})`;
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}
