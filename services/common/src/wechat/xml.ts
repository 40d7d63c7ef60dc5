import { XMLParser } from 'fast-xml-parser';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { scanFlatXml } from './flat-xml.js';

/** Largest XML document the parser accepts; WeChat callbacks are a few KiB at most. */
export const maxXmlBytes = 256 * 1024;

const forbidden = /<!DOCTYPE|<!ENTITY|<!\[INCLUDE|<!\[IGNORE/i;

const parser = new XMLParser({
  ignoreAttributes: true,
  // Values stay strings: MsgId is a 64-bit integer and would lose precision as a number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: false,
});

const textNode = '#text';

/** A flat view of `<xml>`: child name → text; nested elements are JSON-encoded. */
export type XmlFields = Readonly<Record<string, string>>;

/**
 * Parses a WeChat XML document into its `<xml>` children.
 * Rejects DOCTYPE / ENTITY declarations before parsing (external entities and
 * billion-laughs can only come through them), bounds the size, and requires a root `<xml>`.
 * The flat documents WeChat sends for most pushes are read by {@link scanFlatXml} with the
 * same result; everything else goes through `fast-xml-parser` and its validator.
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

const cdataSection = /<!\[CDATA\[[\s\S]*?\]\]>/g;

/**
 * Whether a document declares a DTD or entities. Text inside CDATA sections is only text —
 * a user may well type `<!DOCTYPE html>` — so a hit is confirmed with the CDATA removed.
 * A declaration cannot hide in CDATA: it would have to come before the root element.
 */
export function hasForbiddenDeclaration(body: string): boolean {
  return forbidden.test(body) && forbidden.test(body.replace(cdataSection, ''));
}

function checkSize(body: string): void {
  // A UTF-16 code unit takes at most 3 bytes of UTF-8: count exactly only near the limit.
  if (body.length * 3 > maxXmlBytes && Buffer.byteLength(body, 'utf8') > maxXmlBytes) {
    throw new AppError(ErrorCode.bodyTooLarge, `XML larger than ${maxXmlBytes} bytes`);
  }
}

/** The general path; the flat scanner never accepts a declaration, so only this one checks. */
function parseWithFastXmlParser(body: string): XmlFields {
  if (hasForbiddenDeclaration(body)) {
    throw new AppError(ErrorCode.xmlForbidden, 'XML with DOCTYPE or ENTITY declarations is refused');
  }
  let doc: unknown;
  try {
    doc = parser.parse(body, true);
  } catch (error) {
    throw new AppError(ErrorCode.xmlInvalid, 'body is not well-formed XML', { cause: error });
  }
  const root = (doc as Record<string, unknown> | undefined)?.xml;
  if (root === undefined || root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw new AppError(ErrorCode.xmlInvalid, 'XML root element <xml> with children is required');
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(root as Record<string, unknown>)) {
    // With trimValues off, the indentation between child elements surfaces as `#text`.
    if (name === textNode) continue;
    fields[name] = typeof value === 'string' ? value : JSON.stringify(value, dropIndentation);
  }
  return fields;
}

/** JSON replacer: drops the whitespace-only `#text` that indentation leaves inside nested elements. */
function dropIndentation(key: string, value: unknown): unknown {
  return key === textNode && typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/** Wraps text in CDATA, splitting any `]]>` so the section cannot be closed early. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}
