import { Card, Col, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { change } from './charts';

/** One figure of the window against the comparison window, with the change in percent. */
export function Figure(props: {
  id: string;
  title: string;
  value: number | null;
  before: number | null | undefined;
  compareLabel: string;
  suffix?: string;
  /** For latency and failures, a rise is bad (red); for messages and followers, good (green). */
  riseIsBad?: boolean;
}) {
  const { t } = useTranslation();
  const delta = change(props.value, props.before);
  const rising = delta !== undefined && delta > 0;
  const color =
    delta === undefined || delta === 0 ? undefined : rising === (props.riseIsBad ?? false) ? '#cf1322' : '#389e0d';
  return (
    <Col xs={12} md={6} xl={3}>
      <Card size="small" data-testid={`figure-${props.id}`}>
        <Statistic
          title={props.title}
          value={props.value ?? '—'}
          {...(props.suffix === undefined || props.value === null ? {} : { suffix: props.suffix })}
        />
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('dashboard.versus', { what: props.compareLabel, value: props.before ?? '—' })}
          {delta !== undefined && (
            <span style={{ color, marginLeft: 6 }}>
              {rising ? '↑' : '↓'} {Math.abs(delta)}%
            </span>
          )}
        </Typography.Text>
      </Card>
    </Col>
  );
}
