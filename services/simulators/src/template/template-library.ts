import { createHash, randomBytes } from 'node:crypto';
import { WxApiError } from '../http/wx-errors.js';
import type { SimAccount, SimTemplate } from '../types.js';

/**
 * The simulator's own template library (模板库), the source `api_add_template` adds from. Its
 * short ids are the simulator's, not WeChat's: industry templates (`OPENTM…`) with the
 * classic first / keywordN / remark fields, and one category template (numeric id) whose
 * keywords are chosen by `keyword_name_list` and named after their value rule (`thing1`,
 * `time2`…), as category templates are.
 */
interface LibraryTemplate {
  readonly title: string;
  readonly primaryIndustry: string;
  readonly deputyIndustry: string;
  /** Industry template: the fixed content. */
  readonly content?: string;
  readonly example?: string;
  /** Category template: the keywords one may pick, in the library's order, with their rule. */
  readonly keywords?: readonly { readonly name: string; readonly rule: FieldRule; readonly example: string }[];
}

const industry = { primaryIndustry: 'IT科技', deputyIndustry: '通信与运营商' } as const;

export const templateLibrary: Readonly<Record<string, LibraryTemplate>> = {
  OPENTM200565259: {
    title: '账单提醒',
    ...industry,
    content:
      '{{first.DATA}}\n账单月份：{{keyword1.DATA}}\n账单金额：{{keyword2.DATA}}\n缴费截止：{{keyword3.DATA}}\n{{remark.DATA}}',
    example:
      '您好，您的本月账单已出\n账单月份：2025年1月\n账单金额：58.00元\n缴费截止：2025年2月15日\n点击查看账单详情',
  },
  OPENTM207157063: {
    title: '流量使用提醒',
    ...industry,
    content:
      '{{first.DATA}}\n套餐名称：{{keyword1.DATA}}\n已用流量：{{keyword2.DATA}}\n剩余流量：{{keyword3.DATA}}\n{{remark.DATA}}',
    example: '您本月流量已使用80%\n套餐名称：畅享套餐\n已用流量：16.0GB\n剩余流量：4.0GB\n回复「流量」查询详情',
  },
  '47123': {
    title: '业务办理成功通知',
    ...industry,
    keywords: [
      { name: '业务名称', rule: 'thing', example: '5G畅享套餐变更' },
      { name: '办理时间', rule: 'time', example: '2025年1月6日 10:00' },
      { name: '订单编号', rule: 'character_string', example: 'BJ20250106000123' },
      { name: '联系电话', rule: 'phone_number', example: '10086' },
      { name: '办理人', rule: 'name', example: '张三' },
    ],
  },
};

/** A category template's content for the chosen keywords: `名称:{{rule<kid>.DATA}}` lines. */
function categoryContent(entry: LibraryTemplate, names: readonly string[]): { content: string; example: string } {
  const keywords = entry.keywords ?? [];
  const lines = names.map((name) => {
    const index = keywords.findIndex((keyword) => keyword.name === name);
    const keyword = keywords[index];
    if (keyword === undefined) throw new WxApiError(40246);
    return { content: `${name}:{{${keyword.rule}${index + 1}.DATA}}`, example: `${name}:${keyword.example}` };
  });
  return { content: lines.map((l) => l.content).join('\n'), example: lines.map((l) => l.example).join('\n') };
}

/**
 * What `api_add_template` adds: 40037 for a short id the library lacks; a category template
 * needs a non-empty `keyword_name_list` of its keywords (40246); an industry template ignores it.
 */
export function templateFromLibrary(shortId: unknown, keywordNames: unknown, templateId: string): SimTemplate {
  const entry = typeof shortId === 'string' ? templateLibrary[shortId] : undefined;
  if (entry === undefined) throw new WxApiError(40037);
  const base = {
    templateId,
    title: entry.title,
    primaryIndustry: entry.primaryIndustry,
    deputyIndustry: entry.deputyIndustry,
  };
  if (entry.keywords === undefined) return { ...base, content: entry.content ?? '', example: entry.example ?? '' };
  const names = Array.isArray(keywordNames) ? keywordNames : [];
  if (names.length === 0 || names.some((name) => typeof name !== 'string')) throw new WxApiError(40246);
  if (new Set(names).size !== names.length) throw new WxApiError(40246);
  return { ...base, ...categoryContent(entry, names as string[]) };
}

/** A template id shaped like WeChat's: 43 characters of base64url. */
export function newTemplateId(): string {
  return randomBytes(32).toString('base64url');
}

/** A stable 43-character id for a sample template (the same on every start, so docs can cite it). */
function stableId(seed: string): string {
  return createHash('sha256').update(`mpstack-sim-template:${seed}`).digest('base64url');
}

/**
 * Ready-made templates for a simulated account (`mpstack dev` gives them to the demo account):
 * 账单提醒 and 流量使用提醒 (first / keywordN / remark) and 业务办理成功通知 (a category
 * template whose fields have value rules, so an over-long field gets 47003).
 */
export const sampleTemplates: readonly SimTemplate[] = [
  templateFromLibrary('OPENTM200565259', undefined, stableId('bill')),
  templateFromLibrary('OPENTM207157063', undefined, stableId('data-usage')),
  templateFromLibrary('47123', ['业务名称', '办理时间', '订单编号', '联系电话'], stableId('business-done')),
];

/** An account's configured templates: `templates`, then `templateIds` with generic content. */
export function configuredTemplates(account: SimAccount): readonly SimTemplate[] {
  const generic = (account.templateIds ?? []).map(
    (templateId): SimTemplate => ({
      templateId,
      title: `模板 ${templateId}`,
      primaryIndustry: industry.primaryIndustry,
      deputyIndustry: industry.deputyIndustry,
      content:
        '{{first.DATA}}\n关键词1：{{keyword1.DATA}}\n关键词2：{{keyword2.DATA}}\n关键词3：{{keyword3.DATA}}\n{{remark.DATA}}',
      example: '',
    }),
  );
  return [...(account.templates ?? []), ...generic];
}

/** The value rules of category-template fields and their limits. */
export type FieldRule =
  | 'thing'
  | 'number'
  | 'character_string'
  | 'phrase'
  | 'symbol'
  | 'phone_number'
  | 'car_number'
  | 'name'
  | 'time'
  | 'date'
  | 'amount';

/**
 * Per-rule limits (api.json subscribeBizSend notes: thing ≤ 20 characters, number ≤ 32
 * digits, character_string ≤ 32, phrase ≤ 5, symbol ≤ 5, phone_number ≤ 17, car_number ≤ 8,
 * name ≤ 10 CJK / 20 letters; a violation is 47003 naming the field). The reference states
 * them for subscribe messages; the simulator applies them to template/send fields named after
 * a rule (category templates), and none to first / keywordN / remark, for which the reference
 * gives no limit. time, date and amount are only checked non-empty.
 */
const maxLength: Readonly<Record<FieldRule, number | undefined>> = {
  thing: 20,
  number: 32,
  character_string: 32,
  phrase: 5,
  symbol: 5,
  phone_number: 17,
  car_number: 8,
  name: 20,
  time: undefined,
  date: undefined,
  amount: undefined,
};

const ruleKey = /^(thing|number|character_string|phrase|symbol|phone_number|car_number|name|time|date|amount)\d+$/;
const cjk = /[\u3400-\u9fff\uf900-\ufaff]/u;

/** Keys by template content: every send checks its data against them (bounded: contents come from controls too). */
const keysByContent = new Map<string, readonly string[]>();
const maxCachedContents = 1000;

/** The `{{key.DATA}}` keys of a template's content, in order. */
export function templateKeys(content: string): readonly string[] {
  let keys = keysByContent.get(content);
  if (keys === undefined) {
    keys = Object.freeze([...content.matchAll(/\{\{\s*([A-Za-z0-9_]+)\.DATA\s*\}\}/g)].map((match) => match[1] ?? ''));
    if (keysByContent.size >= maxCachedContents) keysByContent.clear();
    keysByContent.set(content, keys);
  }
  return keys;
}

function invalid(field: string, why: string): WxApiError {
  return new WxApiError(47003, {}, `argument invalid! data.${field}.value ${why}`);
}

function checkRuleValue(key: string, rule: FieldRule, value: string): void {
  const length = [...value].length;
  if (value.trim() === '') throw invalid(key, 'is empty');
  const limit = rule === 'name' && cjk.test(value) ? 10 : maxLength[rule];
  if (limit !== undefined && length > limit) throw invalid(key, `exceeds the limit of ${limit} characters`);
  if (rule === 'number' && !/^[0-9]+(\.[0-9]+)?$/.test(value)) throw invalid(key, 'is not a number');
}

/**
 * Checks a template/send `data` against the template: values are `{ value: string }`; a field
 * of a category template (rule-named key) must be present, non-empty and within its rule's
 * limit. Extra keys are ignored, as WeChat renders only the template's placeholders.
 */
export function checkTemplateData(template: SimTemplate, data: unknown): void {
  checkContentData(template.content, data);
}

/** {@link checkTemplateData} for a content's placeholders (subscribe templates have no SimTemplate). */
export function checkContentData(content: string, data: unknown): void {
  if (data !== undefined && (data === null || typeof data !== 'object' || Array.isArray(data))) {
    throw new WxApiError(47003, {}, 'argument invalid! data is not an object');
  }
  const fields = (data ?? {}) as Record<string, unknown>;
  for (const key of templateKeys(content)) {
    const item = fields[key];
    const rule = ruleKey.exec(key)?.[1] as FieldRule | undefined;
    if (item === undefined && rule === undefined) continue;
    const value = item !== null && typeof item === 'object' ? (item as { value?: unknown }).value : undefined;
    if (typeof value !== 'string') throw invalid(key, 'is missing or not a string');
    if (rule !== undefined) checkRuleValue(key, rule, value);
  }
}
