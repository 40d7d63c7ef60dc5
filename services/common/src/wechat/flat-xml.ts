/**
 * The shape of nearly every callback WeChat sends: a root `<xml>` whose children are leaf
 * elements, each `<Name><![CDATA[value]]></Name>` or `<Name>value</Name>`. This scanner
 * reads exactly that shape in one pass and returns what `fast-xml-parser` (configured as in
 * xml.ts) would, for the webhook's hot path where the general parser and its validator cost
 * more than everything else on the path (docs/architecture.md, "Flat callbacks").
 *
 * It returns `undefined` — and the caller parses with `fast-xml-parser` — for everything
 * else: nested elements (menu and location events), attributes, comments, declarations,
 * processing instructions, entity references, carriage returns (the general parser
 * normalises line ends), several CDATA sections or mixed text in one element, repeated
 * names, `__proto__`, a missing root. So it never has to refuse or repair anything: a
 * document it accepts is well-formed by construction, and its result equals the general
 * parser's (a property test holds the two side by side).
 */

type Fields = Record<string, string>;

const lt = 0x3c; // <
const gt = 0x3e; // >
const cdataOpen = '<![CDATA[';
const cdataClose = ']]>';

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** ASCII XML names only (WeChat's element names); anything else goes to the general parser. */
function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e;
}

function skipSpace(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Reads `<Name>` at `at`; returns the name and the index after `>`, or undefined. */
function openTag(text: string, at: number, end: number): { name: string; next: number } | undefined {
  if (text.charCodeAt(at) !== lt || !isNameStart(text.charCodeAt(at + 1))) return undefined;
  let i = at + 2;
  while (i < end && isNameChar(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== gt) return undefined;
  return { name: text.slice(at + 1, i), next: i + 1 };
}

/**
 * Reads a leaf's value at `at` (just after its start tag): one CDATA section, or text free
 * of `<` and `&`; CR in either is declined. Returns the value and the index after it.
 */
function leafValue(body: string, at: number): { value: string; after: number } | undefined {
  let value: string;
  let after: number;
  if (body.startsWith(cdataOpen, at)) {
    const valueStart = at + cdataOpen.length;
    const close = body.indexOf(cdataClose, valueStart);
    if (close === -1) return undefined;
    value = body.slice(valueStart, close);
    after = close + cdataClose.length;
  } else {
    after = body.indexOf('<', at);
    if (after === -1) return undefined;
    value = body.slice(at, after);
    if (value.includes('&')) return undefined;
  }
  return value.includes('\r') ? undefined : { value, after };
}

/**
 * Parses a flat WeChat document into its children, or returns `undefined` when the document
 * is anything but the flat shape (see the module comment).
 */
export function scanFlatXml(body: string): Fields | undefined {
  const start = skipSpace(body, 0, body.length);
  let end = body.length;
  while (end > start && isSpace(body.charCodeAt(end - 1))) end--;
  if (!body.startsWith('<xml>', start) || !body.endsWith('</xml>', end)) return undefined;
  const contentEnd = end - '</xml>'.length;
  const fields: Fields = {};
  let count = 0;
  let i = skipSpace(body, start + '<xml>'.length, contentEnd);
  while (i < contentEnd) {
    const tag = openTag(body, i, contentEnd);
    if (tag === undefined || tag.name === '__proto__' || Object.hasOwn(fields, tag.name)) return undefined;
    const leaf = leafValue(body, tag.next);
    if (leaf === undefined) return undefined;
    const closeTag = `</${tag.name}>`;
    if (!body.startsWith(closeTag, leaf.after) || leaf.after + closeTag.length > contentEnd) return undefined;
    fields[tag.name] = leaf.value;
    count++;
    i = skipSpace(body, leaf.after + closeTag.length, contentEnd);
  }
  return count === 0 ? undefined : fields;
}
