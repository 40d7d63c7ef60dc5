/**
 * Just enough MIME to show a mail the platform sent (RFC 5322 headers, RFC 2047 encoded words,
 * RFC 2045/2046 multipart with base64 or quoted-printable parts): the mailbox page reads
 * what nodemailer and other clients send, it is not a general mail reader (attachments are
 * listed by name only).
 */
export interface ParsedMail {
  readonly subject: string;
  readonly from: string;
  readonly to: string;
  readonly date: string | undefined;
  readonly text: string | undefined;
  readonly html: string | undefined;
  /** File names of the other parts. */
  readonly attachments: readonly string[];
}

interface Entity {
  readonly headers: ReadonlyMap<string, string>;
  /** The body's bytes as latin1 (one char a byte), so splitting keeps them intact. */
  readonly body: string;
}

/** Splits headers from body; header names lower-cased, folded lines joined, the first of each kept. */
function entityOf(raw: string): Entity {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match === null ? raw : raw.slice(0, match.index);
  const body = match === null ? '' : raw.slice(match.index + match[0].length);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** `text/plain; charset="utf-8"` → the type and its parameters. */
function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const [type = 'text/plain', ...rest] = (value ?? 'text/plain').split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    params.set(
      param.slice(0, eq).trim().toLowerCase(),
      param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    );
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function quotedPrintable(text: string, underscoreIsSpace = false): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i += 1) {
    const char = soft[i] as string;
    const hex = soft.slice(i + 1, i + 3);
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (char === '_' && underscoreIsSpace) bytes.push(0x20);
    else bytes.push(char.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

/** A header value with its RFC 2047 encoded words decoded (adjacent words joined). */
export function decodeHeader(value: string): string {
  return Buffer.from(value, 'latin1')
    .toString('utf8')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, encoding: string, text: string) =>
      decodeCharset(
        encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : quotedPrintable(text, true),
        charset,
      ),
    );
}

function bodyText(entity: Entity, charset: string | undefined): string {
  const encoding = (entity.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const bytes =
    encoding === 'base64'
      ? Buffer.from(entity.body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')
      : encoding === 'quoted-printable'
        ? quotedPrintable(entity.body)
        : Buffer.from(entity.body, 'latin1');
  return decodeCharset(bytes, charset);
}

interface Parts {
  text?: string;
  html?: string;
  attachments: string[];
}

function walk(entity: Entity, parts: Parts, depth: number): void {
  const { type, params } = contentType(entity.headers.get('content-type'));
  const boundary = params.get('boundary');
  if (type.startsWith('multipart/') && boundary !== undefined && depth < 8) {
    const delimiter = `--${boundary}`;
    const sections = entity.body.split(new RegExp(`\\r?\\n?${escapeRegExp(delimiter)}(?:--)?[ \\t]*\\r?\\n?`));
    // The first section is the preamble, the last the epilogue.
    for (const section of sections.slice(1, -1)) walk(entityOf(section), parts, depth + 1);
    return;
  }
  const disposition = entity.headers.get('content-disposition') ?? '';
  const filename = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? params.get('name');
  if (disposition.toLowerCase().startsWith('attachment') || (filename !== undefined && !type.startsWith('text/'))) {
    parts.attachments.push(decodeHeader(filename ?? type));
  } else if (type === 'text/plain' && parts.text === undefined) {
    parts.text = bodyText(entity, params.get('charset'));
  } else if (type === 'text/html' && parts.html === undefined) {
    parts.html = bodyText(entity, params.get('charset'));
  } else {
    parts.attachments.push(filename === undefined ? type : decodeHeader(filename));
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Parses a received message (its raw bytes as the SMTP DATA delivered them). */
export function parseMail(raw: Buffer): ParsedMail {
  const entity = entityOf(raw.toString('latin1'));
  const parts: Parts = { attachments: [] };
  walk(entity, parts, 0);
  const header = (name: string) => decodeHeader(entity.headers.get(name) ?? '');
  return {
    subject: header('subject'),
    from: header('from'),
    to: header('to'),
    date: entity.headers.get('date'),
    text: parts.text,
    html: parts.html,
    attachments: parts.attachments,
  };
}
