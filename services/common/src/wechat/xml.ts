import { XMLParser } from 'fast-xml-parser';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { scanFlatXml } from './flat-xml.js';
import { walkMarkup } from './xml-guard.js';

/** Largest XML document the parser accepts; WeChat callbacks are a few KiB at most. */
export const maxXmlBytes = 256 * 1024;

/**
 * Entity processing is off: fast-xml-parser 5 would otherwise expand the entities of a
 * DOCTYPE without limit (a 64 KB body became a 300 MB string). WeChat declares none; the
 * five predefined entities and character references in text are decoded by
 * {@link decodeText}, CDATA is kept verbatim. `preserveOrder` keeps text and CDATA in
 * document order so the two can be told apart.
 */
const parser = new XMLParser({
  ignoreAttributes: true,
  // Values stay strings: MsgId is a 64-bit integer and would lose precision as a number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  preserveOrder: true,
});

const textNode = '#text';
const cdataNode = '#cdata';

/** A flat view of `<xml>`: child name → text; nested elements are JSON-encoded. */
export type XmlFields = Readonly<Record<string, string>>;

/**
 * Parses a WeChat XML document into its `<xml>` children. Bounds the size, refuses
 * DOCTYPE / ENTITY declarations and over-deep or over-large markup ({@link walkMarkup},
 * one linear pass), never expands an entity beyond the predefined five and character
 * references, and requires a root `<xml>`. The flat documents WeChat sends for most pushes
 * are read by {@link scanFlatXml} with the same result; everything else goes through
 * `fast-xml-parser` and its validator.
 */
export function parseXml(body: string): XmlFields {
  checkSize(body);
  return scanFlatXml(body) ?? parseWithFastXmlParser(body);
}

/**
 * {@link parseXml} always through `fast-xml-parser` (validator, then parser), never the flat
 * scanner: the reference the scanner is tested against.
 */
export function parseXmlGeneral(body: string): XmlFields {
  checkSize(body);
  return parseWithFastXmlParser(body);
}

function checkSize(body: string): void {
  // A UTF-16 code unit takes at most 3 bytes of UTF-8: count exactly only near the limit.
  if (body.length * 3 > maxXmlBytes && Buffer.byteLength(body, 'utf8') > maxXmlBytes) {
    throw new AppError(ErrorCode.bodyTooLarge, `XML larger than ${maxXmlBytes} bytes`);
  }
}

/** The general path; the flat scanner never accepts markup beyond leaf elements, so only this one walks it. */
function parseWithFastXmlParser(body: string): XmlFields {
  walkMarkup(body);
  let doc: readonly OrderedNode[];
  try {
    doc = parser.parse(body, true) as OrderedNode[];
  } catch (error) {
    throw new AppError(ErrorCode.xmlInvalid, 'body is not well-formed XML', { cause: error });
  }
  const root = doc.find((node) => Object.hasOwn(node, 'xml'))?.['xml'];
  const content = Array.isArray(root) ? compactElement(root as readonly OrderedNode[]) : undefined;
  if (content === undefined || typeof content === 'string') {
    throw new AppError(ErrorCode.xmlInvalid, 'XML root element <xml> with children is required');
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(content)) {
    // With trimValues off, the indentation between child elements surfaces as `#text`.
    if (name === textNode) continue;
    fields[name] = typeof value === 'string' ? value : JSON.stringify(value, dropIndentation);
  }
  return fields;
}

/** fast-xml-parser's `preserveOrder` node: one key (the element name, `#text` or `#cdata`). */
type OrderedNode = Readonly<Record<string, unknown>>;
type Compact = string | CompactObject;

function nodeName(node: OrderedNode): string | undefined {
  for (const key in node) if (key !== ':@') return key;
  return undefined;
}

/**
 * The compact object fast-xml-parser builds without `preserveOrder` (text-only element →
 * its text, empty → '', repeated names → arrays, mixed → `#text`), with text decoded and
 * CDATA verbatim, in document order.
 */
function compactElement(children: readonly OrderedNode[]): Compact {
  const object: CompactObject = {};
  let text: string | undefined;
  for (const child of children) {
    const name = nodeName(child);
    if (name === undefined) continue;
    if (name === textNode || name === cdataNode) text = (text ?? '') + textOf(name, child[name]);
    else addChild(object, name, compactElement(child[name] as readonly OrderedNode[]));
  }
  if (Object.keys(object).length === 0) return text ?? '';
  if (text !== undefined && text.length > 0) object[textNode] = text;
  return object;
}

type CompactObject = { [name: string]: Compact | Compact[] };

/** Text is decoded; a CDATA section (`[{ '#text': raw }]`, or `[]` when empty) is verbatim. */
function textOf(name: string, value: unknown): string {
  if (name === textNode) return decodeText(String(value));
  const inner = (value as readonly OrderedNode[])[0]?.[textNode];
  return inner === undefined ? '' : String(inner);
}

function addChild(object: CompactObject, name: string, value: Compact): void {
  const existing = Object.hasOwn(object, name) ? object[name] : undefined;
  if (existing === undefined) object[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else object[name] = [existing, value];
}

const reference = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const predefined: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/**
 * Decodes the five predefined entities and character references of XML text in one pass
 * (`&amp;lt;` stays `&lt;`). Any other reference — an entity a DOCTYPE would have declared —
 * and a reference to a character XML forbids are left as written.
 */
export function decodeText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(reference, (whole, name?: string, decimal?: string, hex?: string) => {
    if (name !== undefined) return predefined[name] ?? whole;
    const code = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? '', 16);
    return isXmlChar(code) ? String.fromCodePoint(code) : whole;
  });
}

/** JSON replacer: drops the whitespace-only `#text` that indentation leaves inside nested elements. */
function dropIndentation(key: string, value: unknown): unknown {
  return key === textNode && typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/** Wraps text in CDATA, splitting any `]]>` so the section cannot be closed early. */
export function cdata(text: string): string {
  return `<![CDATA[${text.includes(']]>') ? text.replaceAll(']]>', ']]]]><![CDATA[>') : text}]]>`;
}
