import { WxApiError } from '../http/wx-errors.js';
import type { FieldRule } from '../template/template-library.js';

/**
 * The simulator's own public subscribe templates (公共模板库 of 订阅通知): its categories, ids and
 * texts are the simulator's, not WeChat's. A keyword's `rule` is the value type bizsend checks
 * (template-library.ts); a private template's placeholders are `<rule><kid>` (api.json
 * subscribeGetTemplates: `{{date2.DATA}}`, `{{thing1.DATA}}`).
 */
export interface SubscribeCategory {
  readonly id: number;
  readonly name: string;
}

export interface SubscribeKeyword {
  readonly kid: number;
  readonly name: string;
  readonly example: string;
  readonly rule: FieldRule;
}

export interface PublicSubscribeTemplate {
  readonly tid: number;
  readonly title: string;
  /** 2 one-time, 3 long-term (api.json subscribeGetPubTemplateTitles); the library has one-time ones. */
  readonly type: 2 | 3;
  readonly categoryId: number;
  readonly keywords: readonly SubscribeKeyword[];
}

/** Every simulated account has these service categories (getcategory). */
export const subscribeCategories: readonly SubscribeCategory[] = [
  { id: 901, name: '通信服务' },
  { id: 902, name: '生活服务' },
];

export const publicSubscribeTemplates: readonly PublicSubscribeTemplate[] = [
  {
    tid: 9001,
    title: '业务办理结果通知',
    type: 2,
    categoryId: 901,
    keywords: [
      { kid: 1, name: '业务名称', example: '5G畅享套餐变更', rule: 'thing' },
      { kid: 2, name: '办理结果', example: '办理成功', rule: 'phrase' },
      { kid: 3, name: '办理时间', example: '2025年1月6日 10:00', rule: 'time' },
      { kid: 4, name: '订单编号', example: 'BJ20250106000123', rule: 'character_string' },
      { kid: 5, name: '客服电话', example: '10086', rule: 'phone_number' },
      { kid: 6, name: '办理人', example: '张三', rule: 'name' },
    ],
  },
  {
    tid: 9002,
    title: '话费余额提醒',
    type: 2,
    categoryId: 901,
    keywords: [
      { kid: 1, name: '账户余额', example: '12.50元', rule: 'amount' },
      { kid: 2, name: '提醒时间', example: '2025年1月6日 10:00', rule: 'time' },
      { kid: 3, name: '温馨提示', example: '余额不足，请及时充值', rule: 'thing' },
      { kid: 4, name: '手机号码', example: '138****0000', rule: 'phone_number' },
    ],
  },
  {
    tid: 9003,
    title: '预约成功通知',
    type: 2,
    categoryId: 902,
    keywords: [
      { kid: 1, name: '预约项目', example: '宽带上门安装', rule: 'thing' },
      { kid: 2, name: '预约日期', example: '2025年1月8日', rule: 'date' },
      { kid: 3, name: '预约人', example: '李四', rule: 'name' },
      { kid: 4, name: '排队号', example: '18', rule: 'number' },
      { kid: 5, name: '车牌号', example: '京A12345', rule: 'car_number' },
    ],
  },
];

/** The library's template `tid` (a number or its decimal string), or 200014. */
export function publicSubscribeTemplate(tid: unknown): PublicSubscribeTemplate {
  const id = typeof tid === 'number' ? tid : typeof tid === 'string' && /^\d+$/.test(tid) ? Number(tid) : undefined;
  const template = publicSubscribeTemplates.find((candidate) => candidate.tid === id);
  if (template === undefined) throw new WxApiError(200014);
  return template;
}

/** "kidList = 2-5 keyword ids … in display order" (api.json subscribeAddTemplate); else 200020. */
export function chosenKeywords(template: PublicSubscribeTemplate, kidList: unknown): readonly SubscribeKeyword[] {
  if (!Array.isArray(kidList) || kidList.length < 2 || kidList.length > 5) throw new WxApiError(200020);
  const kids = kidList.map((kid) => (typeof kid === 'string' && /^\d+$/.test(kid) ? Number(kid) : kid));
  if (new Set(kids).size !== kids.length) throw new WxApiError(200020);
  return kids.map((kid) => {
    const keyword = template.keywords.find((candidate) => candidate.kid === kid);
    if (keyword === undefined) throw new WxApiError(200020);
    return keyword;
  });
}

/** `名称:{{rule<kid>.DATA}}` lines, each ending in a newline, as the reference's gettemplate sample. */
export function subscribeContent(keywords: readonly SubscribeKeyword[]): { content: string; example: string } {
  return {
    content: keywords.map((keyword) => `${keyword.name}:{{${keyword.rule}${keyword.kid}.DATA}}\n`).join(''),
    example: keywords.map((keyword) => `${keyword.name}:${keyword.example}\n`).join(''),
  };
}
