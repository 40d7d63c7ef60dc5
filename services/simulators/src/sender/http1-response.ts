/** A complete HTTP/1.x answer as the receipts' client reads it. */
export interface Http1Answer {
  readonly status: number;
  readonly body: Buffer;
  /** The connection may carry the next request: keep-alive, the body delimited, nothing after it. */
  readonly isReusable: boolean;
  /** How long the server keeps an idle connection (`Keep-Alive: timeout=N`), in ms, when it says. */
  readonly keepAliveMs?: number;
}

interface Head {
  readonly status: number;
  readonly bodyStart: number;
  /** `Content-Length`; undefined when chunked or read until the connection closes. */
  readonly length: number | undefined;
  readonly isChunked: boolean;
  readonly isKeepAlive: boolean;
  readonly keepAliveMs: number | undefined;
}

const crlf2 = Buffer.from('\r\n\r\n');
const noBytes = Buffer.alloc(0);
/** Heads beyond this are refused (undici's default `maxHeaderSize` is 16 KiB). */
const maxHeadBytes = 16 * 1024;
/** Answers beyond this fail the delivery: WeChat reads a short `success` or a passive reply. */
export const maxAnswerBytes = 2 * 1024 * 1024;

/** A malformed or oversized answer: the delivery fails as if the connection had failed. */
export class Http1Error extends Error {}

/**
 * Reads one HTTP/1.0 or 1.1 answer to a POST from the bytes as they arrive: the status line
 * and headers (interim 1xx answers skipped), then a body delimited by `Content-Length`, by
 * chunked transfer coding (trailers skipped), or by the end of the connection.
 */
export class Http1ResponseReader {
  private bytes: Buffer = noBytes;
  private head: Head | undefined;

  /** Adds received bytes; the answer once it is complete. Throws {@link Http1Error} on a malformed answer. */
  feed(chunk: Buffer): Http1Answer | undefined {
    this.bytes = this.bytes.length === 0 ? chunk : Buffer.concat([this.bytes, chunk]);
    if (this.bytes.length > maxAnswerBytes) throw new Http1Error(`answer larger than ${maxAnswerBytes} bytes`);
    while (this.head === undefined) {
      const end = this.bytes.indexOf(crlf2);
      if (end < 0) {
        if (this.bytes.length > maxHeadBytes) throw new Http1Error('answer head too large');
        return undefined;
      }
      const head = parseHead(this.bytes.toString('latin1', 0, end), end + 4);
      if (head.status >= 100 && head.status < 200) this.bytes = this.bytes.subarray(head.bodyStart);
      else this.head = head;
    }
    return this.complete(this.head);
  }

  /** The connection ended: the answer if its body ran to the end of the connection, else undefined. */
  end(): Http1Answer | undefined {
    const { head } = this;
    if (head === undefined || head.length !== undefined || head.isChunked) return undefined;
    return { status: head.status, body: this.bytes.subarray(head.bodyStart), isReusable: false };
  }

  private complete(head: Head): Http1Answer | undefined {
    let body: Buffer;
    let isReusable: boolean;
    if (head.isChunked) {
      const chunked = readChunked(this.bytes, head.bodyStart);
      if (chunked === undefined) return undefined;
      body = chunked.body;
      isReusable = head.isKeepAlive && chunked.end === this.bytes.length;
    } else {
      if (head.length === undefined) return undefined;
      const end = head.bodyStart + head.length;
      if (this.bytes.length < end) return undefined;
      body = this.bytes.subarray(head.bodyStart, end);
      isReusable = head.isKeepAlive && this.bytes.length === end;
    }
    // One answer object, no spreads: a receipt's answer is read per template send.
    return head.keepAliveMs === undefined
      ? { status: head.status, body, isReusable }
      : { status: head.status, body, isReusable, keepAliveMs: head.keepAliveMs };
  }
}

const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;

interface Headers {
  length: number | undefined;
  isChunked: boolean;
  connection: string;
  keepAliveMs: number | undefined;
}

/**
 * The headers from `from` (the line after the status line) to the end of the head, walked line
 * by line: only the four names that matter are lower-cased and their values trimmed (a
 * receipt's answer is read per template send; splitting and lower-casing every line cost ~2 µs).
 */
function readHeaders(text: string, from: number): Headers {
  const headers: Headers = { length: undefined, isChunked: false, connection: '', keepAliveMs: undefined };
  for (let start = from; start < text.length; ) {
    const lineEnd = text.indexOf('\r\n', start);
    const end = lineEnd < 0 ? text.length : lineEnd;
    const line = text.slice(start, end);
    start = end + 2;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Http1Error('malformed header line');
    const name = line.slice(0, colon).trim();
    // content-length, transfer-encoding, connection, keep-alive.
    if (name.length !== 14 && name.length !== 17 && name.length !== 10) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length') headers.length = contentLength(line.slice(colon + 1).trim(), headers.length);
    else if (lower === 'transfer-encoding')
      headers.isChunked = /(?:^|,)\s*chunked\s*$/i.test(line.slice(colon + 1).trim());
    else if (lower === 'connection')
      headers.connection += `,${line
        .slice(colon + 1)
        .trim()
        .toLowerCase()}`;
    else if (lower === 'keep-alive')
      headers.keepAliveMs = keepAliveTimeout(line.slice(colon + 1).trim()) ?? headers.keepAliveMs;
  }
  return headers;
}

function parseHead(text: string, bodyStart: number): Head {
  const firstEnd = text.indexOf('\r\n');
  const first = firstEnd < 0 ? text : text.slice(0, firstEnd);
  const status = statusLine.exec(first);
  if (status === null) throw new Http1Error(`not an HTTP/1.x status line: ${JSON.stringify(first.slice(0, 40))}`);
  const code = Number(status[2]);
  const { length, isChunked, connection, keepAliveMs } = readHeaders(text, firstEnd < 0 ? text.length : firstEnd + 2);
  const isKeepAlive =
    status[1] === '1' ? !hasConnectionToken(connection, 'close') : hasConnectionToken(connection, 'keep-alive');
  const hasNoBody = code === 204 || code === 304 || (code >= 100 && code < 200);
  const isDelimited = hasNoBody || isChunked || length !== undefined;
  return {
    status: code,
    bodyStart,
    length: hasNoBody ? 0 : isChunked ? undefined : length,
    isChunked: isChunked && !hasNoBody,
    isKeepAlive: isKeepAlive && isDelimited,
    keepAliveMs,
  };
}

/** Whether the Connection values (lower-cased, each after a `,`) hold `token`. */
function hasConnectionToken(connection: string, token: string): boolean {
  for (let start = 1; start <= connection.length; ) {
    const comma = connection.indexOf(',', start);
    const end = comma < 0 ? connection.length : comma;
    if (connection.slice(start, end).trim() === token) return true;
    start = end + 1;
  }
  return false;
}

function contentLength(value: string, earlier: number | undefined): number {
  if (!/^\d{1,15}$/.test(value)) throw new Http1Error('malformed Content-Length');
  const length = Number(value);
  if (earlier !== undefined && earlier !== length) throw new Http1Error('conflicting Content-Length headers');
  return length;
}

function keepAliveTimeout(value: string): number | undefined {
  const match = /(?:^|,)\s*timeout\s*=\s*(\d+)/i.exec(value);
  return match === null ? undefined : Number(match[1]) * 1000;
}

/** The chunked body from `start` and where the message ends, or undefined while incomplete. */
function readChunked(bytes: Buffer, start: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return undefined;
    const sizeText = bytes.toString('latin1', at, lineEnd).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw new Http1Error('malformed chunk size');
    const size = Number.parseInt(sizeText, 16);
    at = lineEnd + 2;
    if (size === 0) return trailersEnd(bytes, at, parts);
    if (bytes.length < at + size + 2) return undefined;
    if (bytes[at + size] !== 0x0d || bytes[at + size + 1] !== 0x0a) throw new Http1Error('chunk not followed by CRLF');
    parts.push(bytes.subarray(at, at + size));
    at += size + 2;
  }
}

/** Skips the trailer fields after the last chunk, up to the empty line. */
function trailersEnd(bytes: Buffer, from: number, parts: Buffer[]): { body: Buffer; end: number } | undefined {
  let at = from;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return undefined;
    if (lineEnd === at) return { body: Buffer.concat(parts), end: lineEnd + 2 };
    at = lineEnd + 2;
  }
}
