import type { PeriodFigures } from './summary-report.js';

export interface SummaryReport {
  /** `YYYY-MM-DD` of the local day reported. */
  readonly date: string;
  readonly timeZone: string;
  /** Only the day's hours so far ("send today's summary now"). */
  readonly partial: boolean;
  readonly current: PeriodFigures;
  /** The day before, over the same hours. */
  readonly previous: PeriodFigures;
}

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const number = new Intl.NumberFormat('zh-CN');

function n(value: number): string {
  return number.format(value);
}

/** `（前一日 1,234，+5.0%）`. */
function versus(current: number, previous: number, signed = false): string {
  const change =
    previous === 0 ? '' : `，${current >= previous ? '+' : ''}${(((current - previous) / previous) * 100).toFixed(1)}%`;
  return `（前一日 ${signed && previous > 0 ? '+' : ''}${n(previous)}${change}）`;
}

function ms(value: number | null): string {
  return value === null ? '—' : `≤ ${n(value)} ms`;
}

function signed(value: number): string {
  return `${value > 0 ? '+' : ''}${n(value)}`;
}

function list(entries: readonly (readonly [string, number])[], empty = '无'): string {
  return entries.length === 0 ? empty : entries.map(([label, count]) => `${label} ${n(count)}`).join(' · ');
}

function byCount(record: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function sourceLabel(source: string): string {
  return source.startsWith('qr:') ? `二维码 ${source.slice(3)}` : source === 'other' ? '其他（搜索、名片等）' : source;
}

function sourcesNote(report: SummaryReport): string {
  const start = new Date(report.current.sourcesDay).toISOString().slice(0, 10);
  return `来源与关键词按日汇总统计，取 UTC ${start} 这一天`;
}

/** The summary as zh-CN text and a simple HTML version of the same lines (every value escaped). */
export function renderSummary(report: SummaryReport): RenderedMail {
  const { current: c, previous: p } = report;
  const title = `mpstack 每日摘要 · ${report.date}${report.partial ? '（截至目前）' : ''}`;
  const subject = `${title}：消息 ${n(c.messages.total)} 条，净增粉丝 ${signed(c.followers.net)}`;
  const sections: { heading: string; lines: string[] }[] = [
    {
      heading: '消息与事件',
      lines: [
        `共 ${n(c.messages.total)} 条${versus(c.messages.total, p.messages.total)}`,
        `按类型：${list(byCount(c.messages.byType))}`,
        `快速回复 ${n(c.messages.fast)} · 转入队列 ${n(c.messages.queued)} · 未应答 ${n(c.messages.failed)}${versus(c.messages.failed, p.messages.failed)}`,
        `回复延迟：p50 ${ms(c.latency.p50)} · p99 ${ms(c.latency.p99)}（前一日 p50 ${ms(p.latency.p50)} · p99 ${ms(p.latency.p99)}）`,
      ],
    },
    {
      heading: '粉丝',
      lines: [
        `新增 ${n(c.followers.gained)} · 取消关注 ${n(c.followers.lost)} · 净增 ${signed(c.followers.net)}（前一日 新增 ${n(p.followers.gained)} · 取消关注 ${n(p.followers.lost)} · 净增 ${signed(p.followers.net)}）`,
        `新增来源：${list(byCount(c.followers.sources).map(([s, count]) => [sourceLabel(s), count] as const))}`,
      ],
    },
    {
      heading: '热门关键词',
      lines: [list(c.topKeywords.map((k) => [k.text, k.count] as const))],
    },
    {
      heading: '接口调用失败',
      lines: [
        `共 ${n(c.interfaceFailures.total)} 次${versus(c.interfaceFailures.total, p.interfaceFailures.total)}`,
        ...c.interfaceFailures.top.map((f) => `${f.api} errcode ${f.errcode} × ${n(f.count)}`),
      ],
    },
    {
      heading: '各公众号',
      lines:
        c.accounts.length === 0
          ? ['无']
          : c.accounts.map(
              (a) =>
                `${a.account}：消息 ${n(a.messages)} · 未应答 ${n(a.failed)} · 新增 ${n(a.gained)} · 取消关注 ${n(a.lost)}`,
            ),
    },
  ];
  const period = `${report.timeZone} ${report.date} 00:00 起${report.partial ? '至发送时' : '的一整天'}，与前一日同一时段比较`;
  const footer = `${sourcesNote(report)}。此邮件由 mpstack 日志服务发送。`;
  const text = [
    title,
    period,
    '',
    ...sections.flatMap((s) => [`【${s.heading}】`, ...s.lines.map((l) => `  ${l}`), '']),
    footer,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>',
    escapeHtml(title),
    "</title></head><body style=\"font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;color:#1f2329\">",
    `<h2 style="margin:0 0 4px">${escapeHtml(title)}</h2><p style="color:#646a73;margin:0 0 16px">${escapeHtml(period)}</p>`,
    ...sections.map(
      (s) =>
        `<h3 style="margin:16px 0 4px">${escapeHtml(s.heading)}</h3><ul style="margin:0;padding-left:20px">${s.lines
          .map((l) => `<li>${escapeHtml(l)}</li>`)
          .join('')}</ul>`,
    ),
    `<p style="color:#8f959e;font-size:12px;margin-top:24px">${escapeHtml(footer)}</p></body></html>`,
  ].join('');
  return { subject, text, html };
}

/** Keywords and account names are user input: never markup in the mail. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
