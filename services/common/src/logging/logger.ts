import { createHash } from 'node:crypto';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Paths redacted in every log line (docs/conventions.md §10): secrets and personal data. */
export const redactedPaths: readonly string[] = [
  'appSecret',
  'app_secret',
  'secret',
  'encodingAesKey',
  'encoding_aes_key',
  'previousEncodingAesKey',
  'access_token',
  'accessToken',
  'token',
  'password',
  'phone',
  '*.appSecret',
  '*.app_secret',
  '*.secret',
  '*.encodingAesKey',
  '*.encoding_aes_key',
  '*.previousEncodingAesKey',
  '*.access_token',
  '*.accessToken',
  '*.token',
  '*.password',
  '*.phone',
  'req.headers.authorization',
  'req.headers.cookie',
  // ioredis puts a failed command's arguments on its reply errors (`err.command.args`): keys
  // that hold an openid (service window, dedupe) and values. The command's name stays.
  'err.command.args',
  '*.err.command.args',
];

export interface LoggerOptions {
  readonly service: string;
  readonly level: string;
  readonly destination?: DestinationStream;
}

/** The one root logger of a process; children carry `reqId`, `account`, `msgId`. */
export function createLogger(options: LoggerOptions): Logger {
  const config = {
    level: options.level,
    base: { service: options.service },
    redact: { paths: [...redactedPaths], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** Masks a mainland phone number: 13812345678 → 138****5678. */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}

/**
 * A short tag for a personal identifier (an openid) in a log line: lines about one user can
 * be matched with each other and with a known id, but the id cannot be read back.
 */
export function logHash(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 12);
}
