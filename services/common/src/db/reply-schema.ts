import { z } from 'zod';
import type { Reply } from '../wechat/reply-types.js';

const text = z.string().min(1);
const mediaId = z.string().min(1);

const article = z.strictObject({
  title: text,
  description: z.string().optional(),
  picUrl: z.string().optional(),
  url: z.string().optional(),
});

/**
 * The `Reply` union as a schema: replies are stored as JSON text and arrive in seed files,
 * so both are checked before anything renders them. WeChat shows at most 8 news articles
 * (since 2018 only 1 for passive replies, but older accounts may still send up to 8).
 */
export const replySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), content: text }),
  z.strictObject({ type: z.literal('image'), mediaId }),
  z.strictObject({ type: z.literal('voice'), mediaId }),
  z.strictObject({
    type: z.literal('video'),
    mediaId,
    title: z.string().optional(),
    description: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('music'),
    thumbMediaId: mediaId,
    title: z.string().optional(),
    description: z.string().optional(),
    musicUrl: z.string().optional(),
    hqMusicUrl: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('news'), articles: z.array(article).min(1).max(8) }),
  z.strictObject({ type: z.literal('transfer_customer_service'), kfAccount: z.string().optional() }),
]);

/**
 * Parses a value into a `Reply`. The cast only bridges `exactOptionalPropertyTypes`: zod
 * types optional fields as `T | undefined`, and parsed JSON never holds `undefined`.
 */
export function parseReply(value: unknown): { readonly reply: Reply } | { readonly problems: string[] } {
  const result = replySchema.safeParse(value);
  if (result.success) return { reply: result.data as Reply };
  return { problems: result.error.issues.map((issue) => `${issue.path.join('.') || '(reply)'}: ${issue.message}`) };
}
