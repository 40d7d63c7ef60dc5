import { Card, Col, DatePicker, Empty, Row, Segmented, Select, Space, Switch, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CompareWith, Dashboard, DashboardOutbound } from '../../api/types';
import { Chart } from '../../chart';
import { formatTime } from '../../format';
import { useConsole } from '../../session';
import { useLoad } from '../../use-load';
import { buckets, followers, paths, perMinuteByType, shiftOf, sources, stepUnit, totals, type Window } from './charts';
import { FigureRow, type FigureSpec } from './figure';
import { OutboundPanels } from './outbound-panels';

type RangeKey = 'hour' | 'today' | 'day' | 'week' | 'custom';
const refreshMs = 5000;

function windowOf(range: RangeKey, custom: Window | undefined, now: number): Window {
  const hour = 3_600_000;
  if (range === 'custom' && custom !== undefined) return custom;
  if (range === 'today') {
    const start = new Date(now);
    start.setHours(0, 0, 0, 0);
    return { from: start.getTime(), to: now };
  }
  const span = { hour, day: 24 * hour, week: 7 * 24 * hour, custom: hour }[range];
  return { from: now - span, to: now };
}

function Figures({ data, compareLabel }: { data: Dashboard; compareLabel: string }) {
  const { t } = useTranslation();
  const now = totals(data);
  const before = data.compare;
  const latency = `${t('dashboard.latency')} `;
  const figures: FigureSpec[] = [
    { id: 'messages', title: t('dashboard.messages'), value: now.messages, before: before?.messages },
    { id: 'fast', title: t('dashboard.fast'), value: now.fast, before: before?.fast },
    { id: 'queued', title: t('dashboard.queued'), value: now.queued, before: before?.queued },
    { id: 'failed', title: t('dashboard.failed'), value: now.failed, before: before?.failed, riseIsBad: true },
    {
      id: 'p50',
      title: `${latency}${t('dashboard.p50')}`,
      value: now.latency.p50,
      before: before?.latency.p50,
      suffix: 'ms',
      riseIsBad: true,
    },
    {
      id: 'p99',
      title: `${latency}${t('dashboard.p99')}`,
      value: now.latency.p99,
      before: before?.latency.p99,
      suffix: 'ms',
      riseIsBad: true,
    },
    { id: 'gained', title: t('dashboard.gained'), value: now.gained, before: before?.gained },
    {
      id: 'net',
      title: t('dashboard.net'),
      value: now.gained - now.lost,
      before: before === undefined ? undefined : before.gained - before.lost,
    },
  ];
  return <FigureRow figures={figures} compareLabel={compareLabel} testId="dashboard-figures" />;
}

interface ControlsProps {
  range: RangeKey;
  setRange: (r: RangeKey) => void;
  custom: Window | undefined;
  setCustom: (w: Window | undefined) => void;
  compare: CompareWith;
  setCompare: (c: CompareWith) => void;
  live: boolean;
  setLive: (l: boolean) => void;
  updatedAt: number | undefined;
}

function Controls(props: ControlsProps) {
  const { t } = useTranslation();
  const pick = (values: [Dayjs | null, Dayjs | null] | null) => {
    const from = values?.[0]?.valueOf();
    const to = values?.[1]?.valueOf();
    if (from === undefined || to === undefined) {
      props.setCustom(undefined);
      props.setRange('hour');
      return;
    }
    props.setCustom({ from, to });
    props.setRange('custom');
  };
  return (
    <Space wrap style={{ marginBottom: 16 }} data-testid="dashboard-controls">
      <Segmented<RangeKey>
        value={props.range}
        onChange={(r) => {
          props.setCustom(undefined);
          props.setRange(r);
        }}
        options={(['hour', 'today', 'day', 'week'] as const).map((r) => ({
          value: r,
          label: t(`dashboard.range.${r}`),
        }))}
      />
      <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" onChange={pick} />
      <Typography.Text>{t('dashboard.compareWith')}</Typography.Text>
      <Select<CompareWith>
        value={props.compare}
        onChange={props.setCompare}
        style={{ width: 150 }}
        data-testid="dashboard-compare"
        options={(['previous', 'yesterday', 'week'] as const).map((c) => ({ value: c, label: t(`dashboard.${c}`) }))}
      />
      <Switch checked={props.live} disabled={props.range === 'custom'} onChange={props.setLive} />
      <Typography.Text>{t('dashboard.live')}</Typography.Text>
      {props.updatedAt !== undefined && (
        <Typography.Text type="secondary" data-testid="dashboard-updated">
          {t('dashboard.updatedAt', { time: formatTime(props.updatedAt) })}
        </Typography.Text>
      )}
    </Space>
  );
}

interface Shown {
  readonly data: Dashboard;
  readonly outbound: DashboardOutbound;
  readonly window: Window;
  readonly shift: number;
  readonly compareLabel: string;
  readonly at: number;
}

function Panels({ shown }: { shown: Shown }) {
  const { t } = useTranslation();
  const { data, window } = shown;
  const step = data.step;
  const options = useMemo(() => {
    const series = buckets(data.perMinute, window, step);
    // The comparison window's buckets, laid over this window's bucket by bucket.
    const before =
      data.compareSeries === undefined
        ? undefined
        : {
            series: buckets(data.compareSeries, { from: window.from - shown.shift, to: window.to - shown.shift }, step),
            label: shown.compareLabel,
          };
    return {
      types: perMinuteByType(series, step, before),
      paths: paths(series, step, t),
      followers: followers(data, t),
      sources: sources(data, t),
    };
  }, [data, window, step, t, shown]);
  const unit = t(`dashboard.step.${stepUnit(step)}`);
  return (
    <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('dashboard.perMinute', { unit })}>
          <Chart option={options.types} testId="chart-per-minute" />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('dashboard.paths', { unit })}>
          <Chart option={options.paths} testId="chart-paths" />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('dashboard.followers')}>
          {data.followers.length === 0 ? <Empty /> : <Chart option={options.followers} testId="chart-followers" />}
        </Card>
      </Col>
      <Col xs={24} md={12} xl={6}>
        <Card size="small" title={t('dashboard.sources')}>
          {data.followers.length === 0 ? <Empty /> : <Chart option={options.sources} testId="chart-sources" />}
        </Card>
      </Col>
      <Col xs={24} md={12} xl={6}>
        <Card size="small" title={t('dashboard.topKeywords')}>
          <Table
            size="small"
            rowKey="text"
            pagination={false}
            data-testid="top-keywords"
            dataSource={[...data.topKeywords]}
            columns={[
              { title: t('dashboard.keyword'), dataIndex: 'text', ellipsis: true },
              { title: t('dashboard.count'), dataIndex: 'count', width: 80 },
            ]}
          />
        </Card>
      </Col>
    </Row>
  );
}

/** The first screen: the window's figures against the comparison window, and the charts, refreshed every 5 s. */
export function DashboardPage() {
  const { t } = useTranslation();
  const { api, account } = useConsole();
  const [range, setRange] = useState<RangeKey>('hour');
  const [custom, setCustom] = useState<Window>();
  const [compare, setCompare] = useState<CompareWith>('yesterday');
  const [live, setLive] = useState(true);
  const [tick, setTick] = useState(0);
  const [shown, setShown] = useState<Shown>();
  useEffect(() => {
    if (!live || range === 'custom') return;
    const timer = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(timer);
  }, [live, range]);
  useLoad(async () => {
    const now = Date.now();
    const window = windowOf(range, custom, now);
    const scope = account === undefined ? {} : { account };
    const shift = shiftOf(compare, window);
    // The comparison window's totals and series come with the window's; messages and sends at once.
    const query = { ...window, compare, ...scope };
    const [data, outbound] = await Promise.all([api.dashboard(query), api.dashboardOutbound(query)]);
    setShown({ data, outbound, window, shift, compareLabel: t(`dashboard.${compare}`), at: now });
  }, [api, range, custom, compare, account, tick]);
  return (
    <>
      <Controls
        range={range}
        setRange={setRange}
        custom={custom}
        setCustom={setCustom}
        compare={compare}
        setCompare={setCompare}
        live={live}
        setLive={setLive}
        updatedAt={shown?.at}
      />
      {shown !== undefined && <Figures data={shown.data} compareLabel={t(`dashboard.${compare}`)} />}
      {shown !== undefined && <Panels shown={shown} />}
      {shown !== undefined && (
        <OutboundPanels
          data={shown.outbound}
          window={shown.window}
          shift={shown.shift}
          compareLabel={shown.compareLabel}
        />
      )}
    </>
  );
}
