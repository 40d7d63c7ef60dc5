import type { EChartsOption } from 'echarts';
import type { Dashboard } from '../../api/types';

type T = (key: string) => string;

function minuteLabel(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function perMinuteByType(data: Dashboard): EChartsOption {
  const types = [...new Set(data.perMinute.flatMap((m) => Object.keys(m.byType)))].sort();
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 24 },
    xAxis: { type: 'category', data: data.perMinute.map((m) => minuteLabel(m.t)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: types.map((type) => ({
      name: type,
      type: 'bar',
      stack: 'types',
      data: data.perMinute.map((m) => m.byType[type] ?? 0),
    })),
  };
}

export function paths(data: Dashboard, t: T): EChartsOption {
  const line = (key: 'fast' | 'queued' | 'failed', color: string) => ({
    name: t(`dashboard.${key}`),
    type: 'line' as const,
    smooth: true,
    showSymbol: false,
    color,
    data: data.perMinute.map((m) => m[key]),
  });
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 24 },
    xAxis: { type: 'category', data: data.perMinute.map((m) => minuteLabel(m.t)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [line('fast', '#07c160'), line('queued', '#1677ff'), line('failed', '#ff4d4f')],
  };
}

export function followers(data: Dashboard, t: T): EChartsOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 32, bottom: 24 },
    xAxis: { type: 'category', data: data.followers.map((d) => d.day) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: t('dashboard.gained'), type: 'bar', color: '#07c160', data: data.followers.map((d) => d.gained) },
      { name: t('dashboard.lost'), type: 'bar', color: '#ff4d4f', data: data.followers.map((d) => -d.lost) },
      { name: t('dashboard.net'), type: 'line', color: '#1677ff', data: data.followers.map((d) => d.net) },
    ],
  };
}

export function sources(data: Dashboard): EChartsOption {
  const totals = new Map<string, number>();
  for (const day of data.followers) {
    for (const [source, count] of Object.entries(day.sources)) totals.set(source, (totals.get(source) ?? 0) + count);
  }
  return {
    tooltip: { trigger: 'item' },
    series: [{ type: 'pie', radius: ['40%', '70%'], data: [...totals].map(([name, value]) => ({ name, value })) }],
  };
}

export interface Totals {
  readonly messages: number;
  readonly fast: number;
  readonly queued: number;
  readonly failed: number;
}

export function totals(data: Dashboard): Totals {
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
  return { messages, fast, queued, failed };
}
