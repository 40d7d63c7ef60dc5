import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { replySummary } from '../api-types.js';
import { contentDisposition, neutraliseWide, safeCsv, shanghaiTime } from '../logs/csv-export.js';
import type { ReplyRule } from './rules.types.js';

const columns = {
  'zh-CN': ['规则 ID', '类型', '匹配方式', '关键词', '回复类型', '回复内容', '优先级', '状态', '更新时间 (北京时间)'],
  en: ['Rule ID', 'Kind', 'Match', 'Keyword', 'Reply type', 'Reply', 'Priority', 'Status', 'Updated (Asia/Shanghai)'],
} as const;

const status = { 'zh-CN': ['启用', '停用'], en: ['enabled', 'disabled'] } as const;

/**
 * `GET /accounts/:id/rules.csv?lang`: an account's reply rules in the list's order, as the
 * messages export writes them (BOM, RFC 4180, formulas neutralised: a rule's keyword and reply
 * are operator-typed text, and a follower's message can become one).
 */
export async function sendRulesCsv(
  res: Response,
  accountId: string,
  rules: readonly ReplyRule[],
  lang: 'zh-CN' | 'en',
  now: number,
): Promise<void> {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', contentDisposition(accountId, now, 'rules'));
  const csv = safeCsv(columns[lang]);
  const sent = pipeline(csv, res);
  for (const rule of rules) {
    const text = [rule.kind, rule.kind === 'keyword' ? rule.matchType : '', rule.keyword ?? '', rule.reply.type];
    // Numbers stay numbers (a text '-3' would be escaped as a formula).
    csv.write([
      rule.id,
      ...[...text, replySummary(rule.reply)].map(neutraliseWide),
      rule.priority,
      status[lang][rule.enabled ? 0 : 1],
      shanghaiTime(rule.updatedAt.getTime()),
    ]);
  }
  csv.end();
  await sent;
}
