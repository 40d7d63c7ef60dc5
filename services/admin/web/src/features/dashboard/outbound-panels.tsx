import { Card, Col, Empty, Row, Table } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { DashboardOutbound } from '../../api/types';
import { Chart } from '../../chart';
import { stepUnit, type Window } from './charts';
import { FigureRow, type FigureSpec } from './figure';
import { FAMILIES, failureLabel, outboundBuckets, receiptsPerStep, sendsPerStep } from './outbound-charts';

interface OutboundPanelsProps {
  readonly data: DashboardOutbound;
  readonly window: Window;
  /** How far back the comparison window lies (its buckets are laid over this window's). */
  readonly shift: number;
  readonly compareLabel: string;
}

function OutboundFigures({ data, compareLabel }: { data: DashboardOutbound; compareLabel: string }) {
  const { t } = useTranslation();
  const now = data.totals;
  const before = data.compare;
  const figures: FigureSpec[] = [
    { id: 'sends-sent', title: t('dashboard.sendsSent'), value: now.sent, before: before?.sent },
    {
      id: 'sends-failed',
      title: t('dashboard.sendsFailed'),
      value: now.failed,
      before: before?.failed,
      riseIsBad: true,
    },
    {
      id: 'sends-refused',
      title: t('dashboard.sendsRefused'),
      value: now.refused,
      before: before?.refused,
      riseIsBad: true,
    },
    {
      id: 'receipts-success',
      title: t('dashboard.receipt.success'),
      value: now.receipts.success,
      before: before?.receipts.success,
    },
    {
      id: 'receipts-user-block',
      title: t('dashboard.receipt.userBlock'),
      value: now.receipts.userBlock,
      before: before?.receipts.userBlock,
      riseIsBad: true,
    },
    {
      id: 'receipts-system-failed',
      title: t('dashboard.receipt.systemFailed'),
      value: now.receipts.systemFailed,
      before: before?.receipts.systemFailed,
      riseIsBad: true,
    },
  ];
  return (
    <FigureRow figures={figures} compareLabel={compareLabel} testId="outbound-figures" style={{ marginTop: 16 }} />
  );
}

/**
 * The outbound half of the first screen: send attempts per bucket by family and outcome, receipt
 * outcomes, and the most frequent failures — the same window, step and comparison as the messages.
 */
export function OutboundPanels({ data, window, shift, compareLabel }: OutboundPanelsProps) {
  const { t } = useTranslation();
  const step = data.step;
  const options = useMemo(() => {
    const series = outboundBuckets(data.series, window, step);
    const before =
      data.compareSeries === undefined
        ? undefined
        : {
            series: outboundBuckets(data.compareSeries, { from: window.from - shift, to: window.to - shift }, step),
            label: compareLabel,
          };
    return { sends: sendsPerStep(series, step, t, before), receipts: receiptsPerStep(series, step, t, before) };
  }, [data, window, step, shift, compareLabel, t]);
  const unit = t(`dashboard.step.${stepUnit(step)}`);
  const failures = data.totals.failures.map((f) => ({
    key: `${f.family}:${f.outcome}:${f.detail}`,
    family: FAMILIES.includes(f.family as (typeof FAMILIES)[number]) ? t(`dashboard.family.${f.family}`) : f.family,
    what: `${t(`dashboard.send.${f.outcome}`)} · ${failureLabel(f, t)}`,
    count: f.count,
  }));
  return (
    <>
      <OutboundFigures data={data} compareLabel={compareLabel} />
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        <Col xs={24} xl={12}>
          <Card size="small" title={t('dashboard.sendsPer', { unit })}>
            <Chart option={options.sends} testId="chart-sends" />
          </Card>
        </Col>
        <Col xs={24} md={12} xl={6}>
          <Card size="small" title={t('dashboard.receiptsPer', { unit })}>
            <Chart option={options.receipts} testId="chart-receipts" />
          </Card>
        </Col>
        <Col xs={24} md={12} xl={6}>
          <Card size="small" title={t('dashboard.topFailures')}>
            {failures.length === 0 ? (
              <Empty description={t('dashboard.noFailures')} />
            ) : (
              <Table
                size="small"
                rowKey="key"
                pagination={false}
                data-testid="top-failures"
                dataSource={failures}
                columns={[
                  { title: t('dashboard.familyColumn'), dataIndex: 'family', width: 90 },
                  { title: t('dashboard.failure'), dataIndex: 'what', ellipsis: true },
                  { title: t('dashboard.count'), dataIndex: 'count', width: 70 },
                ]}
              />
            )}
          </Card>
        </Col>
      </Row>
    </>
  );
}
