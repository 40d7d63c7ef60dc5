import assert from 'node:assert/strict';
import { addDays, dateLabel, dayStart, loadLogConfig, zonedParts, zonedTime } from '../../../src/index.js';

describe('daily summary: local days and its configuration', () => {
  it('finds a local day’s start in Asia/Shanghai (UTC+8) and across a DST change', () => {
    assert.equal(
      new Date(dayStart({ year: 2026, month: 12, day: 2 }, 'Asia/Shanghai')).toISOString(),
      '2026-12-01T16:00:00.000Z',
    );
    assert.deepEqual(zonedParts(Date.parse('2026-12-01T16:00:00Z'), 'Asia/Shanghai'), {
      year: 2026,
      month: 12,
      day: 2,
      hour: 0,
      minute: 0,
      second: 0,
    });
    // New York moves to summer time on 2026-03-08: that day has 23 hours.
    const start = dayStart({ year: 2026, month: 3, day: 8 }, 'America/New_York');
    const next = dayStart(addDays({ year: 2026, month: 3, day: 8 }, 1), 'America/New_York');
    assert.equal(new Date(start).toISOString(), '2026-03-08T05:00:00.000Z');
    assert.equal(next - start, 23 * 3_600_000);
    assert.equal(
      new Date(zonedTime({ year: 2026, month: 7, day: 1, hour: 8, minute: 30 }, 'America/New_York')).toISOString(),
      '2026-07-01T12:30:00.000Z',
    );
    assert.equal(dateLabel(addDays({ year: 2026, month: 1, day: 1 }, -1)), '2025-12-31');
  });

  it('reads the files’ and the e-mail’s settings, listing every problem', () => {
    const config = loadLogConfig({
      MPSTACK_SMTP_URL: 'smtp://user:pw@mail.example.com:587',
      MPSTACK_SUMMARY_TO: 'ops@example.com, lead@example.com',
      MPSTACK_SUMMARY_AT: '07:30',
    });
    assert.equal(config.smtpUrl, 'smtp://user:pw@mail.example.com:587');
    assert.deepEqual(config.summaryTo, ['ops@example.com', 'lead@example.com']);
    assert.equal(config.summaryAt, '07:30');
    assert.equal(config.summaryTimeZone, 'Asia/Shanghai');
    assert.equal(config.filesDir, undefined);
    assert.equal(config.fileBufferBytes, 32 * 1024 * 1024);
    assert.deepEqual(loadLogConfig({}).summaryTo, []);
    assert.throws(
      () =>
        loadLogConfig({
          MPSTACK_SMTP_URL: 'http://mail.example.com',
          MPSTACK_SUMMARY_TO: 'ops@example.com,not-an-address',
          MPSTACK_SUMMARY_AT: '8:00',
          MPSTACK_SUMMARY_TIMEZONE: 'Mars/Olympus',
        }),
      (error: Error) =>
        /MPSTACK_SMTP_URL/.test(error.message) &&
        /MPSTACK_SUMMARY_TO/.test(error.message) &&
        /MPSTACK_SUMMARY_AT/.test(error.message) &&
        /MPSTACK_SUMMARY_TIMEZONE/.test(error.message),
    );
  });
});
