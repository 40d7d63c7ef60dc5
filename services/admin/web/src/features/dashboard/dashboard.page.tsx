import { Card, Col, Row, Segmented, Space, Statistic, Switch, Table, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CompareWith, Dashboard } from '../../api/types';
import { Chart } from '../../chart';
import { useConsole } from '../../session';
import { useLoad } from '../../use-load';
import { followers, paths, perMinuteByType, sources, totals } from './charts';

type RangeKey = 'hour' | 'today' | 'day' | 'week';
const refreshMs = 5000;

function window(range: RangeKey, now: number): { from: number; to: number } {
  const hour = 3_600_000;
  if (range === 'today') {
    const start = new Date(now);
    start.setHours(0, 0, 0, 0);
    return { from: start.getTime(), to: now };
  }
  const span = { hour, day: 24 * hour, week: 7 * 24 * hour }[range];
  return { from: now - span, to: now };
}

function Versus({ what, value }: { what: string; value: number | undefined }) {
  const { t } = useTranslation();
  if (value === undefined) return null;
  return <Typography.Text type="secondary">{t('dashboard.versus', { what, value })}</Typography.Text>;
}

function Figures({ data, compareLabel }: { data: Dashboard; compareLabel: string }) {
  const { t } = useTranslation();
  const now = totals(data);
  const before = data.compare;
  const figure = (title: string, value: number, previous: number | undefined, suffix?: string) => (
    <Col xs={12} md={8} xl={4}>
      <Card size="small">
        <Statistic title={title} value={value} {...(suffix === undefined ? {} : { suffix })} />
        <Versus what={compareLabel} value={previous} />
      </Card>
    </Col>
  );
  return (
    <Row gutter={[16, 16]} data-testid="dashboard-figures">
      {figure(t('dashboard.messages'), now.messages, before?.messages)}
      {figure(t('dashboard.fast'), now.fast, before?.fast)}
      {figure(t('dashboard.queued'), now.queued, before?.queued)}
      {figure(t('dashboard.failed'), now.failed, before?.failed)}
      {figure(`${t('dashboard.latency')} ${t('dashboard.p50')}`, data.latency.p50, before?.latency?.p50, 'ms')}
      {figure(`${t('dashboard.latency')} ${t('dashboard.p99')}`, data.latency.p99, before?.latency?.p99, 'ms')}
    </Row>
  );
}

function Controls(props: {
  range: RangeKey;
  setRange: (r: RangeKey) => void;
  compare: CompareWith;
  setCompare: (c: CompareWith) => void;
  live: boolean;
  setLive: (l: boolean) => void;
}) {
  const { t } = useTranslation();
  return (
    <Space wrap style={{ marginBottom: 16 }}>
      <Segmented<RangeKey>
        value={props.range}
        onChange={props.setRange}
        options={(['hour', 'today', 'day', 'week'] as const).map((r) => ({
          value: r,
          label: t(`dashboard.range.${r}`),
        }))}
      />
      <span>{t('dashboard.compareWith')}</span>
      <Segmented<CompareWith>
        value={props.compare}
        onChange={props.setCompare}
        options={(['previous', 'yesterday', 'week'] as const).map((c) => ({ value: c, label: t(`dashboard.${c}`) }))}
      />
      <Switch checked={props.live} onChange={props.setLive} /> <span>{t('dashboard.live')}</span>
    </Space>
  );
}

function Panels({ data }: { data: Dashboard }) {
  const { t } = useTranslation();
  const options = useMemo(
    () => ({
      types: perMinuteByType(data),
      paths: paths(data, t),
      followers: followers(data, t),
      sources: sources(data),
    }),
    [data, t],
  );
  return (
    <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('dashboard.perMinute')}>
          <Chart option={options.types} testId="chart-per-minute" />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('dashboard.paths')}>
          <Chart option={options.paths} />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card size="small" title={t('dashboard.followers')}>
          <Chart option={options.followers} />
        </Card>
      </Col>
      <Col xs={24} md={12} xl={6}>
        <Card size="small" title={t('dashboard.sources')}>
          <Chart option={options.sources} />
        </Card>
      </Col>
      <Col xs={24} md={12} xl={6}>
        <Card size="small" title={t('dashboard.topKeywords')}>
          <Table
            size="small"
            rowKey="text"
            pagination={false}
            dataSource={[...data.topKeywords]}
            columns={[
              { title: t('dashboard.keyword'), dataIndex: 'text' },
              { title: t('dashboard.count'), dataIndex: 'count', width: 80 },
            ]}
          />
        </Card>
      </Col>
    </Row>
  );
}

export function DashboardPage() {
  const { t } = useTranslation();
  const { api, account } = useConsole();
  const [range, setRange] = useState<RangeKey>('hour');
  const [compare, setCompare] = useState<CompareWith>('yesterday');
  const [live, setLive] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(timer);
  }, [live]);
  const { data } = useLoad(
    () => api.dashboard({ ...window(range, Date.now()), compare, ...(account === undefined ? {} : { account }) }),
    [api, range, compare, account, tick],
  );
  return (
    <>
      <Controls
        range={range}
        setRange={setRange}
        compare={compare}
        setCompare={setCompare}
        live={live}
        setLive={setLive}
      />
      {data !== undefined && <Figures data={data} compareLabel={t(`dashboard.${compare}`)} />}
      {data !== undefined && <Panels data={data} />}
    </>
  );
}
