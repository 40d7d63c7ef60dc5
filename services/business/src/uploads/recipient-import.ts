import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { UploadFormat, UploadRow } from './recipient-file.js';

/** One problem row of an upload: where, and why it was not taken. */
export interface UploadProblem {
  readonly line: number;
  readonly reason: string;
}

/** What an upload came to. `problems` lists the first {@link problemsListed}; the counts are complete. */
export interface UploadReport {
  readonly format: UploadFormat;
  readonly columns: readonly string[];
  readonly accepted: number;
  readonly duplicates: number;
  readonly emptyLines: number;
  readonly rejected: number;
  readonly problems: readonly UploadProblem[];
}

export const problemsListed = 100;

/** A recipient row ready to store: its position among accepted rows, openid and the other cells. */
export interface RecipientRow {
  readonly seq: number;
  readonly openId: string;
  readonly values: readonly string[];
}

const openIdHeader = /^(open[\s_-]?id|openid)$/i;
const phoneHeader = /^(phone|mobile|tel|telephone|手机|手机号|手机号码|电话|电话号码)$/i;
/** WeChat openids are 28 characters of [A-Za-z0-9_-]; bounds kept loose for other appid kinds. */
const openIdPattern = /^[A-Za-z0-9_-]{6,64}$/;

export interface ImportOptions {
  readonly maxRows: number;
  /** Told the variable columns once the header is read (the fields compile against them; may throw). */
  readonly onHeader?: (columns: readonly string[]) => void;
  /** Checks a row's values against the template fields; the reason it cannot be sent, or undefined. */
  readonly check?: (values: readonly string[]) => string | undefined;
  /** Stores a batch of accepted rows (in order). */
  readonly store: (rows: readonly RecipientRow[]) => Promise<void>;
  readonly batchSize?: number;
}

/**
 * Reads an upload's rows (header first) into recipients: the header must name an `openid`
 * column (a phone-number column is refused: phone numbers resolve to openids only through the
 * bindings of the business issue, which do not exist yet); every other column is a variable
 * the fields may name as `{{column}}`. Empty lines are skipped, a repeated openid is kept once,
 * a row with a malformed openid, the wrong number of cells or a field over its limit is
 * refused — each counted and listed with its line. More than `maxRows` data rows refuses the
 * whole upload. Memory: the set of openids seen (about 100 bytes each).
 */
export async function importRecipients(
  format: UploadFormat,
  rows: AsyncIterable<UploadRow>,
  options: ImportOptions,
): Promise<UploadReport> {
  const iterator = rows[Symbol.asyncIterator]();
  const header = await firstNonEmpty(iterator);
  const { openIdAt, columns } = readHeader(header);
  options.onHeader?.(columns);
  const seen = new Set<string>();
  const problems: UploadProblem[] = [];
  const batch: RecipientRow[] = [];
  const batchSize = options.batchSize ?? 1000;
  let accepted = 0;
  let duplicates = 0;
  let emptyLines = 0;
  let rejected = 0;
  const refuse = (line: number, reason: string) => {
    rejected += 1;
    if (problems.length < problemsListed) problems.push({ line, reason });
  };
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) break;
    const { line, cells } = next.value;
    const verdict = classifyRow(cells, header.cells.length, openIdAt, seen, options.check);
    if (verdict.kind === 'empty') {
      emptyLines += 1;
      continue;
    }
    if (verdict.kind === 'duplicate') {
      duplicates += 1;
      if (problems.length < problemsListed) problems.push({ line, reason: verdict.reason });
      continue;
    }
    if (verdict.kind === 'refused') {
      refuse(line, verdict.reason);
      continue;
    }
    const { openId, values } = verdict;
    if (accepted >= options.maxRows) {
      throw new AppError(
        ErrorCode.bodyTooLarge,
        `the upload has more than ${options.maxRows.toLocaleString('en-US')} recipients (line ${line}); split it into several pushes`,
      );
    }
    seen.add(openId);
    batch.push({ seq: accepted, openId, values });
    accepted += 1;
    if (batch.length >= batchSize) await options.store(batch.splice(0));
  }
  if (batch.length > 0) await options.store(batch.splice(0));
  if (accepted === 0) {
    throw new AppError(ErrorCode.badRequest, `the upload has no recipient: ${problems[0]?.reason ?? 'no data rows'}`, {
      detail: { rejected, duplicates, emptyLines, problems: JSON.stringify(problems.slice(0, 10)) },
    });
  }
  return { format, columns, accepted, duplicates, emptyLines, rejected, problems };
}

type RowVerdict =
  | { readonly kind: 'empty' }
  | { readonly kind: 'duplicate'; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'ok'; readonly openId: string; readonly values: string[] };

function classifyRow(
  cells: readonly string[],
  width: number,
  openIdAt: number,
  seen: ReadonlySet<string>,
  check: ImportOptions['check'],
): RowVerdict {
  if (cells.every((cell) => cell === '')) return { kind: 'empty' };
  if (cells.length > width && cells.slice(width).some((c) => c !== '')) {
    return { kind: 'refused', reason: `${cells.length} cells, the header has ${width}` };
  }
  const openId = cells[openIdAt] ?? '';
  if (!openIdPattern.test(openId)) {
    return { kind: 'refused', reason: openId === '' ? 'no openid' : `"${openId.slice(0, 40)}" is not an openid` };
  }
  if (seen.has(openId)) return { kind: 'duplicate', reason: `duplicate openid ${openId} (kept once)` };
  const values: string[] = [];
  for (let i = 0; i < width; i++) if (i !== openIdAt) values.push(cells[i] ?? '');
  const invalid = check?.(values);
  return invalid === undefined ? { kind: 'ok', openId, values } : { kind: 'refused', reason: invalid };
}

async function firstNonEmpty(iterator: AsyncIterator<UploadRow>): Promise<UploadRow> {
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) throw new AppError(ErrorCode.badRequest, 'the upload has no header row');
    if (next.value.cells.some((cell) => cell !== '')) return next.value;
  }
}

function readHeader(header: UploadRow): { openIdAt: number; columns: string[] } {
  const names = header.cells.map((cell) => cell.replace(/^\uFEFF/, ''));
  const openIdAt = names.findIndex((name) => openIdHeader.test(name));
  if (openIdAt < 0) {
    if (names.some((name) => phoneHeader.test(name))) {
      throw new AppError(
        ErrorCode.badRequest,
        'the upload has phone numbers, not openids: phone numbers resolve to followers only through phone bindings, which arrive with the business issue — upload an openid column for now',
      );
    }
    throw new AppError(
      ErrorCode.badRequest,
      `the header row (line ${header.line}) has no openid column; found: ${names.filter((n) => n !== '').join(', ') || 'nothing'}`,
    );
  }
  const columns = names.filter((_, i) => i !== openIdAt);
  const blank = columns.indexOf('');
  if (blank >= 0) throw new AppError(ErrorCode.badRequest, `the header row has an unnamed column (#${blank + 2})`);
  const repeated = columns.find((name, i) => columns.indexOf(name) !== i);
  if (repeated !== undefined)
    throw new AppError(ErrorCode.badRequest, `the header row repeats the column "${repeated}"`);
  return { openIdAt, columns };
}
