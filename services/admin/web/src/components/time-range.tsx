import { DatePicker } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';

export type Range = [Dayjs | null, Dayjs | null] | null;

/** A range picker's value as the API's `from`/`to` (ms since the epoch). */
export function rangeQuery(range: Range | undefined): { from?: number; to?: number } {
  const from = range?.[0]?.valueOf();
  const to = range?.[1]?.valueOf();
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/** The default window of a log search: the last 7 days (the log service's own default is the last hour). */
export function lastDays(days: number): Range {
  return [dayjs().subtract(days, 'day'), dayjs().add(1, 'minute')];
}

/** A date-time range with the operators' usual presets. */
export function TimeRange(props: { value?: Range; onChange?: (range: Range) => void }) {
  const { t } = useTranslation();
  return (
    <DatePicker.RangePicker
      showTime={{ format: 'HH:mm' }}
      format="YYYY-MM-DD HH:mm"
      presets={[
        { label: t('common.lastHour'), value: () => [dayjs().subtract(1, 'hour'), dayjs()] },
        { label: t('common.today'), value: () => [dayjs().startOf('day'), dayjs()] },
        { label: t('common.last24h'), value: () => [dayjs().subtract(24, 'hour'), dayjs()] },
        { label: t('common.last7days'), value: () => [dayjs().subtract(7, 'day'), dayjs()] },
      ]}
      {...props}
    />
  );
}
