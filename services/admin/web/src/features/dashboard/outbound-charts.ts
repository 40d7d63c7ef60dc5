import type { TFunction } from 'i18next';
import type { DashboardOutbound, OutboundBucket } from '../../api/types';
import type { ChartOption } from '../../chart';
import { countChart, timeLabel, type Window } from './charts';

type T = TFunction;

/** The send families and outcomes in the order the charts stack them. */
export const FAMILIES = ['template', 'kefu', 'mass'] as const;
export const SEND_OUTCOMES = ['sent', 'failed', 'refused'] as const;
export const RECEIPT_OUTCOMES = ['success', 'userBlock', 'systemFailed'] as const;

/** A colour per outcome, a shade per family: green sent, red failed, amber refused. */
const SEND_COLORS: Readonly<Record<(typeof SEND_OUTCOMES)[number], readonly string[]>> = {
  sent: ['#07c160', '#52c41a', '#95de64'],
  failed: ['#cf1322', '#ff4d4f', '#ff7875'],
  refused: ['#d48806', '#faad14', '#ffd666'],
};
const RECEIPT_COLORS = { success: '#07c160', userBlock: '#faad14', systemFailed: '#ff4d4f' } as const;

/** The log service's buckets laid over the whole window at `step`, empty ones as zeros. */
export function outboundBuckets(series: readonly OutboundBucket[], window: Window, step: number): OutboundBucket[] {
  const start = Math.floor(window.from / step) * step;
  const count = Math.max(1, Math.ceil((window.to - start + 1) / step));
  const out = Array.from({ length: count }, (_, i) => ({
    t: start + i * step,
    sends: {} as Record<string, number>,
    receipts: { success: 0, userBlock: 0, systemFailed: 0 },
  }));
  for (const b of series) {
    const bucket = out[Math.floor((b.t - start) / step)];
    if (bucket === undefined) continue;
    for (const [label, n] of Object.entries(b.sends)) bucket.sends[label] = (bucket.sends[label] ?? 0) + n;
    for (const outcome of RECEIPT_OUTCOMES) bucket.receipts[outcome] += b.receipts[outcome];
  }
  return out;
}

const totalSends = (b: OutboundBucket) => Object.values(b.sends).reduce((a, n) => a + n, 0);

/** The dashed line of the comparison window's totals, bucket by bucket. */
function comparisonLine(
  length: number,
  before: { readonly series: readonly OutboundBucket[]; readonly label: string } | undefined,
  value: (b: OutboundBucket) => number,
) {
  if (before === undefined) return [];
  return [
    {
      name: before.label,
      type: 'line' as const,
      color: '#8c8c8c',
      lineStyle: { type: 'dashed' as const },
      showSymbol: false,
      data: Array.from({ length }, (_, i) => {
        const b = before.series[i];
        return b === undefined ? 0 : value(b);
      }),
    },
  ];
}

/** Send attempts per bucket, stacked by family and outcome (only those that occurred), with the comparison's total. */
export function sendsPerStep(
  series: readonly OutboundBucket[],
  step: number,
  t: T,
  before?: { readonly series: readonly OutboundBucket[]; readonly label: string },
): ChartOption {
  const present = new Set(series.flatMap((b) => Object.keys(b.sends)));
  const stacks = SEND_OUTCOMES.flatMap((outcome) =>
    FAMILIES.map((family, shade) => ({ family, outcome, color: SEND_COLORS[outcome][shade] })),
  ).filter(({ family, outcome }) => present.has(`${family}:${outcome}`));
  return countChart(
    series.map((b) => timeLabel(b.t, step)),
    [
      ...stacks.map(({ family, outcome, color }) => ({
        name: `${t(`dashboard.family.${family}`)} · ${t(`dashboard.send.${outcome}`)}`,
        type: 'bar' as const,
        stack: 'sends',
        ...(color === undefined ? {} : { color }),
        data: series.map((b) => b.sends[`${family}:${outcome}`] ?? 0),
      })),
      ...comparisonLine(series.length, before, totalSends),
    ],
    { top: 0, type: 'scroll' },
  );
}

/** Receipts per bucket (their CreateTime), stacked by outcome, with the comparison's total. */
export function receiptsPerStep(
  series: readonly OutboundBucket[],
  step: number,
  t: T,
  before?: { readonly series: readonly OutboundBucket[]; readonly label: string },
): ChartOption {
  const total = (b: OutboundBucket) => b.receipts.success + b.receipts.userBlock + b.receipts.systemFailed;
  return countChart(
    series.map((b) => timeLabel(b.t, step)),
    [
      ...RECEIPT_OUTCOMES.map((outcome) => ({
        name: t(`dashboard.receipt.${outcome}`),
        type: 'bar' as const,
        stack: 'receipts',
        color: RECEIPT_COLORS[outcome],
        data: series.map((b) => b.receipts[outcome]),
      })),
      ...comparisonLine(series.length, before, total),
    ],
  );
}

/** A failure's or refusal's detail as operators read it: the errcode, "no answer" for −1, the refusal's reason. */
export function failureLabel(failure: DashboardOutbound['totals']['failures'][number], t: T): string {
  if (failure.outcome === 'refused') return t(`dashboard.refusal.${failure.detail}`, { defaultValue: failure.detail });
  return failure.detail === '-1' ? t('dashboard.noAnswer') : `errcode ${failure.detail}`;
}
