import { intFromEnv } from '@mpstack/common/config';
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const smtpUrl = optionalText.pipe(
  z
    .url()
    .refine((value) => value.startsWith('smtp:') || value.startsWith('smtps:'), {
      message: 'must start with smtp:// or smtps://',
    })
    .optional(),
);

const recipients = optionalText.pipe(
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((address) => address.trim())
        .filter((address) => address !== ''),
    )
    .pipe(z.array(z.email()).min(1))
    .optional(),
);

/** `HH:MM`, 24 hours. */
const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 hours)')
  .default('08:00');

const timeZone = z
  .string()
  .default('Asia/Shanghai')
  .refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not an IANA time zone (e.g. Asia/Shanghai)' },
  );

/** The log service's JSON-lines files and daily summary e-mail (docs/architecture.md §5a). */
export const fileAndMailEnvFields = {
  /** Where the JSON-lines files go; default `<MPSTACK_DATA_DIR>/logs`. */
  MPSTACK_LOG_FILES_DIR: optionalText,
  /** How often held lines are appended to the files (ms). */
  MPSTACK_LOG_FILE_FLUSH_MS: intFromEnv(1000, 10, 60_000),
  /** Most MiB of lines held in memory while the disk refuses them (beyond: dropped, counted). */
  MPSTACK_LOG_FILE_BUFFER_MB: intFromEnv(32, 1, 4096),
  /** The SMTP server of the daily summary; none: no summary is sent. */
  MPSTACK_SMTP_URL: smtpUrl,
  /** The summary's recipients, comma-separated. */
  MPSTACK_SUMMARY_TO: recipients,
  MPSTACK_SUMMARY_FROM: z.string().trim().default('mpstack <mpstack@localhost>'),
  /** Local time of day the summary of the day before is sent. */
  MPSTACK_SUMMARY_AT: timeOfDay,
  MPSTACK_SUMMARY_TIMEZONE: timeZone,
} as const;

export interface FileAndMailConfig {
  /** Undefined: `<dataDir>/logs`. */
  readonly filesDir: string | undefined;
  readonly fileFlushMs: number;
  readonly fileBufferBytes: number;
  readonly smtpUrl: string | undefined;
  readonly summaryTo: readonly string[];
  readonly summaryFrom: string;
  /** `HH:MM`. */
  readonly summaryAt: string;
  readonly summaryTimeZone: string;
}

type Parsed = z.output<z.ZodObject<typeof fileAndMailEnvFields>>;

export function fileAndMailConfigOf(e: Parsed): FileAndMailConfig {
  return {
    filesDir: e.MPSTACK_LOG_FILES_DIR,
    fileFlushMs: e.MPSTACK_LOG_FILE_FLUSH_MS,
    fileBufferBytes: e.MPSTACK_LOG_FILE_BUFFER_MB * 1024 * 1024,
    smtpUrl: e.MPSTACK_SMTP_URL,
    summaryTo: e.MPSTACK_SUMMARY_TO ?? [],
    summaryFrom: e.MPSTACK_SUMMARY_FROM,
    summaryAt: e.MPSTACK_SUMMARY_AT,
    summaryTimeZone: e.MPSTACK_SUMMARY_TIMEZONE,
  };
}
