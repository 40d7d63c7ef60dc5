import { DatePicker } from 'antd';
import type { Dayjs } from 'dayjs';

export type Range = [Dayjs | null, Dayjs | null] | null;

/** A range picker's value as the API's `from`/`to` (ms since the epoch). */
export function rangeQuery(range: Range | undefined): { from?: number; to?: number } {
  const from = range?.[0]?.valueOf();
  const to = range?.[1]?.valueOf();
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

export function TimeRange(props: { value?: Range; onChange?: (range: Range) => void }) {
  return <DatePicker.RangePicker showTime {...props} />;
}

export const messageTypes = ['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link', 'event'];
