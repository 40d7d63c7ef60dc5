import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@mpstack/common/logging';
import { type Stringifier, stringify } from 'csv-stringify';
import type { Response } from 'express';
import { ApiFailure } from '../api-error.js';
import type { MessageRow } from '../api-types.js';
import type { LogClient } from './log-client.js';

export interface CsvExportOptions {
  readonly client: LogClient;
  readonly logger: Logger;
  /** The log service's filters (`/query/messages` without cursor and limit). */
  readonly query: URLSearchParams;
  readonly csvMaxRows: number;
  readonly now?: () => number;
}

interface Page {
  readonly items: readonly MessageRow[];
  readonly nextCursor?: string;
}

/** The log service's largest page. */
const pageSize = 500;

const columns = {
  'zh-CN': [
    '时间 (北京时间)',
    '公众号',
    'OpenID',
    '类型',
    '事件',
    '事件 Key',
    'MsgId',
    '内容',
    '结果',
    '处理方',
    '耗时 (ms)',
  ],
  en: [
    'Time (Asia/Shanghai)',
    'Account',
    'OpenID',
    'Type',
    'Event',
    'Event key',
    'MsgId',
    'Content',
    'Outcome',
    'Decided by',
    'Latency (ms)',
  ],
} as const;

/**
 * `GET /logs/messages.csv`: every message matching the filters, newest first, read from the log
 * service page by page (keyset cursor, 500 rows) and written as they come — memory holds one
 * page and the stringifier's buffer, and the next page is asked for only when the browser has
 * taken the last (`drain`). UTF-8 with a BOM (Excel), RFC 4180 (CRLF, quotes doubled), formula
 * injection neutralised (csv-stringify's `escape_formulas`, plus the full-width ＝＋－＠ a
 * Chinese spreadsheet may read as the same), times in Asia/Shanghai. Past `csvMaxRows` the
 * file ends with a row saying it was cut. The first page is read before anything is sent, so a
 * refused query or a log service that is down is a JSON error; a failure later cuts the
 * connection, so the browser reports the download failed rather than keeping half a file.
 */
export async function streamMessagesCsv(res: Response, options: CsvExportOptions): Promise<void> {
  const query = new URLSearchParams(options.query);
  for (const paged of ['cursor', 'limit']) query.delete(paged);
  const lang = query.get('lang') === 'en' ? 'en' : 'zh-CN';
  query.delete('lang');
  query.set('limit', String(pageSize));
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  const first = await fetchPage(options.client, query, abort.signal);
  const now = (options.now ?? Date.now)();
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', contentDisposition(query.get('account'), now));
  const csv = safeCsv(columns[lang]);
  const sent = pipeline(csv, res);
  try {
    await writeRows(csv, first, query, options, abort.signal, (next) => fetchPage(options.client, next, abort.signal));
    csv.end();
    await sent;
  } catch (error) {
    if (!abort.signal.aborted) options.logger.warn({ err: error }, 'CSV export cut');
    csv.destroy();
    res.destroy();
    await sent.catch(() => undefined);
  }
}

async function writeRows(
  csv: Stringifier,
  first: Page,
  query: URLSearchParams,
  options: CsvExportOptions,
  signal: AbortSignal,
  nextPage: (query: URLSearchParams) => Promise<Page>,
): Promise<void> {
  let page = first;
  let written = 0;
  for (;;) {
    for (const row of page.items) {
      if (written === options.csvMaxRows) {
        await write(csv, truncatedRow(options.csvMaxRows));
        return;
      }
      await write(csv, toCells(row));
      written += 1;
    }
    if (page.nextCursor === undefined || signal.aborted) return;
    const next = new URLSearchParams(query);
    next.set('cursor', page.nextCursor);
    page = await nextPage(next);
  }
}

async function write(csv: Stringifier, cells: readonly string[]): Promise<void> {
  if (!csv.write(cells)) await once(csv, 'drain');
}

async function fetchPage(client: LogClient, query: URLSearchParams, signal: AbortSignal): Promise<Page> {
  const page = (await client.json('/query/messages', query, signal)) as Page;
  if (!Array.isArray(page?.items)) throw new ApiFailure('upstream_failed', 'the log service sent an unexpected answer');
  return page;
}

function toCells(row: MessageRow): string[] {
  return [
    shanghaiTime(row.at),
    row.account,
    row.openId,
    row.msgType,
    row.event ?? '',
    row.eventKey ?? '',
    row.msgId ?? '',
    row.content ?? '',
    row.outcome,
    row.decidedBy ?? '',
    String(row.latencyMs),
  ].map(neutraliseWide);
}

function truncatedRow(cap: number): string[] {
  return [`(truncated: more than ${cap} rows match; narrow the time range or the filters and export again)`];
}

/**
 * A CSV a spreadsheet opens safely: UTF-8 with a BOM (Excel), RFC 4180 (CRLF, quotes doubled),
 * a header row, formula injection neutralised (csv-stringify's `escape_formulas`; pass each
 * cell through `neutraliseWide` for the full-width signs).
 */
export function safeCsv(header: readonly string[]): Stringifier {
  return stringify({
    bom: true,
    header: true,
    columns: [...header],
    record_delimiter: 'windows',
    escape_formulas: true,
  });
}

/** csv-stringify escapes = + - @ TAB CR; the full-width forms are prefixed here the same way. */
export function neutraliseWide(cell: string): string {
  return /^[＝＋－＠]/.test(cell) ? `'${cell}` : cell;
}

/** `YYYY-MM-DD HH:mm:ss.SSS` in Asia/Shanghai: UTC+8 all year (China has kept no daylight saving since 1991). */
export function shanghaiTime(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().replace('T', ' ').replace('Z', '');
}

/** `<what>-<account>-<YYYYMMDD-HHmm>.csv`, the account's characters outside [A-Za-z0-9_-] replaced. */
export function contentDisposition(account: string | null, now: number, what = 'messages'): string {
  const who = (account ?? 'all').replace(/[^\w-]/g, '_').slice(0, 64) || 'all';
  const stamp = shanghaiTime(now).slice(0, 16).replace(/[-:]/g, '').replace(' ', '-');
  return `attachment; filename="${what}-${who}-${stamp}.csv"`;
}
