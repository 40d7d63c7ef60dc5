import { Readable } from 'node:stream';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import ExcelJS from 'exceljs';

/** One data row of an upload: its line (CSV) or row number (XLSX), 1-based, and its cells. */
export interface UploadRow {
  readonly line: number;
  readonly cells: readonly string[];
}

export type UploadFormat = 'csv-utf8' | 'csv-gbk' | 'xlsx';

/** An upload opened: its format and its rows (the header row first). */
export interface OpenedUpload {
  readonly format: UploadFormat;
  readonly rows: AsyncIterable<UploadRow>;
}

const sniffBytes = 64 * 1024;

/**
 * Opens a recipient file as a stream of rows, never holding the file in memory: XLSX (a zip:
 * `PK\x03\x04`) through exceljs's streaming reader (first worksheet), else CSV in UTF-8 (with or
 * without a BOM) or GBK — the encoding is decided on the first 64 KiB: valid UTF-8 is UTF-8,
 * anything else is read as GBK (what Excel on a Chinese Windows writes). A file with NUL bytes
 * or other control characters in its first 64 KiB is not a CSV: refused.
 */
export async function openUpload(source: AsyncIterable<Buffer | string>): Promise<OpenedUpload> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < sniffBytes) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    size += chunk.length;
  }
  const first = Buffer.concat(head);
  async function* all(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  }
  if (first.length === 0) throw new AppError(ErrorCode.badRequest, 'the upload is empty');
  if (first.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    return { format: 'xlsx', rows: xlsxRows(Readable.from(all())) };
  }
  const sample = first.subarray(0, Math.min(first.length, sniffBytes));
  if (looksBinary(sample)) {
    throw new AppError(
      ErrorCode.unsupportedMediaType,
      'the upload is not a CSV or XLSX file (binary content); upload a .csv (UTF-8 or GBK) or .xlsx with an openid column',
    );
  }
  const encoding = isUtf8Prefix(sample, done) ? 'utf-8' : 'gbk';
  return { format: encoding === 'utf-8' ? 'csv-utf8' : 'csv-gbk', rows: csvRows(all(), encoding) };
}

function looksBinary(sample: Buffer): boolean {
  let control = 0;
  for (const byte of sample) {
    if (byte === 0) return true;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) control += 1;
  }
  return control > 0 && control * 100 > sample.length;
}

/** Whether `sample` decodes as UTF-8; a sequence cut at its end is allowed unless the file ends there. */
function isUtf8Prefix(sample: Buffer, complete: boolean): boolean {
  let end = sample.length;
  if (!complete) {
    // Step back over a multi-byte sequence the 64 KiB cut may have split.
    let back = 0;
    while (back < 4 && end - back - 1 >= 0 && ((sample[end - back - 1] ?? 0) & 0xc0) === 0x80) back += 1;
    if (end - back - 1 >= 0 && (sample[end - back - 1] ?? 0) >= 0xc0) end = end - back - 1;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/**
 * RFC 4180 rows from a byte stream: `,` separated, `"` quoted (a quoted field may hold commas,
 * quotes as `""` and line breaks), CRLF or LF. Cells are trimmed; a UTF-8 BOM is dropped.
 */
export async function* csvRows(source: AsyncIterable<Buffer>, encoding: 'utf-8' | 'gbk'): AsyncGenerator<UploadRow> {
  const decoder = new TextDecoder(encoding, { ignoreBOM: false });
  const parser = new CsvParser();
  for await (const chunk of source) {
    const rows = parser.push(decoder.decode(chunk, { stream: true }));
    for (const row of rows) yield row;
  }
  for (const row of parser.push(decoder.decode())) yield row;
  for (const row of parser.end()) yield row;
}

class CsvParser {
  private cells: string[] = [];
  private cell = '';
  private quoted = false;
  /** The last character was the closing quote of a quoted cell (or its first half of `""`). */
  private quoteSeen = false;
  private line = 1;
  private rowLine = 1;
  private pendingCr = false;

  push(text: string): UploadRow[] {
    const out: UploadRow[] = [];
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch === '\n') continue;
      }
      if (this.quoted) this.inQuotes(ch);
      else this.outsideQuotes(ch, out);
    }
    return out;
  }

  private inQuotes(ch: string): void {
    if (ch === '"') {
      this.quoted = false;
      this.quoteSeen = true;
      return;
    }
    if (ch === '\n') this.line += 1;
    this.cell += ch;
  }

  private outsideQuotes(ch: string, out: UploadRow[]): void {
    if (ch === '"') {
      // `""` inside a quoted cell is one quote; a quote opening a cell starts quoting.
      if (this.quoteSeen) this.cell += '"';
      this.quoted = true;
      this.quoteSeen = false;
      return;
    }
    this.quoteSeen = false;
    if (ch === ',') {
      this.cells.push(this.cell.trim());
      this.cell = '';
    } else if (ch === '\n' || ch === '\r') {
      out.push(this.finishRow());
      this.line += 1;
      this.rowLine = this.line;
      this.pendingCr = ch === '\r';
    } else {
      this.cell += ch;
    }
  }

  end(): UploadRow[] {
    if (this.quoted) {
      throw new AppError(ErrorCode.badRequest, `line ${this.rowLine}: a quoted cell is never closed`);
    }
    if (this.cells.length === 0 && this.cell.trim() === '') return [];
    return [this.finishRow()];
  }

  private finishRow(): UploadRow {
    this.cells.push(this.cell.trim());
    const row = { line: this.rowLine, cells: this.cells };
    this.cells = [];
    this.cell = '';
    this.quoteSeen = false;
    return row;
  }
}

/** The first worksheet's rows, streamed (shared strings are read as they come). */
async function* xlsxRows(stream: Readable): AsyncGenerator<UploadRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
  });
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = Array.isArray(row.values) ? row.values.slice(1) : [];
        yield { line: row.number, cells: values.map(cellText) };
      }
      return;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(ErrorCode.badRequest, `the XLSX file cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  const rich = value as { text?: unknown; richText?: { text: string }[]; result?: unknown };
  if (Array.isArray(rich.richText))
    return rich.richText
      .map((part) => part.text)
      .join('')
      .trim();
  if (typeof rich.text === 'string') return rich.text.trim();
  if (rich.result !== undefined) return cellText(rich.result);
  return String(value).trim();
}
