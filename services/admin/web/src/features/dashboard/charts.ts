import type { TFunction } from 'i18next';
import type { Dashboard, DashboardTotals, MinuteBucket } from '../../api/types';
import type { ChartOption } from '../../chart';

type T = TFunction;

const minute = 60_000;
const hour = 60 * minute;

export interface Window {
  readonly from: number;
  readonly to: number;
}

/** The unit of the time charts' bars: the log service's series step (ms). */
export function stepUnit(step: number): 'minute' | 'hour' | 'day' {
  if (step <= minute) return 'minute';
  return step <= hour ? 'hour' : 'day';
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function timeLabel(ms: number, step: number): string {
  const d = new Date(ms);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (step >= 24 * hour) return `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return step >= hour ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}` : clock;
}

export function dayLabel(day: number | string): string {
  if (typeof day === 'string') return day;
  const d = new Date(day);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/**
 * The log service's buckets of `step` laid over the whole window, empty ones included (it returns
 * only the buckets that had traffic; a chart needs the gaps as zeros).
 */
export function buckets(perMinute: readonly MinuteBucket[], window: Window, step: number): MinuteBucket[] {
  const start = Math.floor(window.from / step) * step;
  const count = Math.max(1, Math.ceil((window.to - start + 1) / step));
  const out = Array.from({ length: count }, (_, i) => ({
    t: start + i * step,
    byType: {} as Record<string, number>,
    fast: 0,
    queued: 0,
    failed: 0,
  }));
  for (const m of perMinute) {
    const bucket = out[Math.floor((m.t - start) / step)];
    if (bucket === undefined) continue;
    for (const [type, n] of Object.entries(m.byType)) bucket.byType[type] = (bucket.byType[type] ?? 0) + n;
    bucket.fast += m.fast;
    bucket.queued += m.queued;
    bucket.failed += m.failed;
  }
  return out;
}

const grid = { left: 48, right: 16, top: 36, bottom: 24 };

/**
 * The frame the dashboard's charts share: one category a bucket (`labels`), counts on the value
 * axis, the tooltip of the whole bucket, the legend on top.
 */
export function countChart(
  labels: string[],
  series: NonNullable<ChartOption['series']>,
  legend: { top: number; type?: 'scroll' } = { top: 0 },
): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    legend,
    grid,
    xAxis: { type: 'category', data: labels },
    yAxis: { type: 'value', minInterval: 1 },
    series,
  };
}

/**
 * Messages and events per bucket, stacked by type; with `before` (the comparison window's buckets,
 * aligned bucket by bucket), its total as a dashed line named `beforeLabel`.
 */
export function perMinuteByType(
  series: readonly MinuteBucket[],
  step: number,
  before?: { readonly series: readonly MinuteBucket[]; readonly label: string },
): ChartOption {
  const types = [...new Set(series.flatMap((m) => Object.keys(m.byType)))].sort();
  const total = (m: MinuteBucket) => Object.values(m.byType).reduce((a, b) => a + b, 0);
  const comparison =
    before === undefined
      ? []
      : [
          {
            name: before.label,
            type: 'line' as const,
            color: '#8c8c8c',
            lineStyle: { type: 'dashed' as const },
            showSymbol: false,
            data: series.map((_, i) => {
              const m = before.series[i];
              return m === undefined ? 0 : total(m);
            }),
          },
        ];
  return countChart(
    series.map((m) => timeLabel(m.t, step)),
    [
      ...types.map((type) => ({
        name: type,
        type: 'bar' as const,
        stack: 'types',
        data: series.map((m) => m.byType[type] ?? 0),
      })),
      ...comparison,
    ],
  );
}

/**
 * How far back the comparison window lies, as the log service shifts it: the previous period is
 * the minutes the window meets, just before them (never its first minute again).
 */
export function shiftOf(compare: 'previous' | 'yesterday' | 'week', window: Window): number {
  const day = 24 * hour;
  const minutesMet = Math.floor(window.to / minute) - Math.floor(window.from / minute) + 1;
  return { previous: minutesMet * minute, yesterday: day, week: 7 * day }[compare];
}

export function paths(series: readonly MinuteBucket[], step: number, t: T): ChartOption {
  const line = (key: 'fast' | 'queued' | 'failed', color: string) => ({
    name: t(`dashboard.${key}`),
    type: 'line' as const,
    smooth: true,
    showSymbol: false,
    color,
    areaStyle: { opacity: 0.08 },
    data: series.map((m) => m[key]),
  });
  return countChart(
    series.map((m) => timeLabel(m.t, step)),
    [line('fast', '#07c160'), line('queued', '#1677ff'), line('failed', '#ff4d4f')],
  );
}

export function followers(data: Dashboard, t: T): ChartOption {
  return countChart(
    data.followers.map((d) => dayLabel(d.day)),
    [
      { name: t('dashboard.gained'), type: 'bar', color: '#07c160', data: data.followers.map((d) => d.gained) },
      { name: t('dashboard.lost'), type: 'bar', color: '#ff4d4f', data: data.followers.map((d) => -d.lost) },
      { name: t('dashboard.net'), type: 'line', color: '#1677ff', data: data.followers.map((d) => d.net) },
    ],
  );
}

/** A follower source as operators name it: `qrscene_…` is a QR code's scene, empty is search and the like. */
export function sourceLabel(source: string, t: T): string {
  if (source === '') return t('dashboard.sourceOther');
  if (source.startsWith('qrscene_')) return t('dashboard.sourceQr', { scene: source.slice('qrscene_'.length) });
  return source;
}

export function sources(data: Dashboard, t: T): ChartOption {
  const totals = new Map<string, number>();
  for (const day of data.followers) {
    for (const [source, count] of Object.entries(day.sources)) totals.set(source, (totals.get(source) ?? 0) + count);
  }
  return {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0, type: 'scroll' },
    series: [
      {
        type: 'pie',
        radius: ['40%', '68%'],
        center: ['50%', '45%'],
        data: [...totals].map(([name, value]) => ({ name: sourceLabel(name, t), value })),
      },
    ],
  };
}

/** The window's totals: the log service's when it sent them, else summed here from the same rollups. */
export function totals(data: Dashboard): DashboardTotals {
  if (data.totals !== undefined) return data.totals;
  let messages = 0;
  let fast = 0;
  let queued = 0;
  let failed = 0;
  for (const m of data.perMinute) {
    messages += Object.values(m.byType).reduce((a, b) => a + b, 0);
    fast += m.fast;
    queued += m.queued;
    failed += m.failed;
  }
  const gained = data.followers.reduce((a, f) => a + f.gained, 0);
  const lost = data.followers.reduce((a, f) => a + f.lost, 0);
  return { messages, fast, queued, failed, gained, lost, latency: data.latency };
}

/** The change from `before` to `now` in percent, or undefined when there is nothing to compare with. */
export function change(now: number | null, before: number | null | undefined): number | undefined {
  if (now === null || before === null || before === undefined || before === 0) return undefined;
  return Math.round(((now - before) / before) * 1000) / 10;
}
