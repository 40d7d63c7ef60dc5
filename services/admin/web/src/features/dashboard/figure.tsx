import { Card, Col, Row, Statistic, Typography } from 'antd';
import type { CSSProperties } from 'react';
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

/** One figure of a row: the window's value and the comparison window's. */
export interface FigureSpec {
  readonly id: string;
  readonly title: string;
  readonly value: number | null;
  readonly before: number | null | undefined;
  readonly suffix?: string;
  readonly riseIsBad?: boolean;
}

/** A row of figures, each against the comparison window (`compareLabel`). */
export function FigureRow(props: {
  figures: readonly FigureSpec[];
  compareLabel: string;
  testId: string;
  style?: CSSProperties;
}) {
  return (
    <Row gutter={[12, 12]} data-testid={props.testId} {...(props.style === undefined ? {} : { style: props.style })}>
      {props.figures.map((figure) => (
        <Figure key={figure.id} {...figure} compareLabel={props.compareLabel} />
      ))}
    </Row>
  );
}
