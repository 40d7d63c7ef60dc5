import { AppError, ErrorCode } from '../errors/app-error.js';

/**
 * Bounds on the markup of a callback document. WeChat's deepest push (`SendPicsInfo` →
 * `PicList` → `item` → `PicMd5Sum`, or a job-finish `ResultList`) is 5 levels with a few
 * dozen elements and no attributes at all; the bounds leave room for new pushes while
 * keeping the general parser's work on hostile input small.
 */
export const xmlLimits = { maxDepth: 32, maxElements: 1024, maxAttributes: 16 } as const;

const gt = 0x3e; // >
const bang = 0x21; // !
const question = 0x3f; // ?
const slash = 0x2f; // /
const equals = 0x3d; // =
const doubleQuote = 0x22;
const singleQuote = 0x27;

/** A child of the root element: where its content starts and ends (exclusive). */
export interface ElementSpan {
  readonly start: number;
  readonly end: number;
}

interface OpenTag {
  readonly name: string;
  readonly end: number;
  readonly selfClosing: boolean;
  readonly attributes: number;
}

function invalid(message: string): AppError {
  return new AppError(ErrorCode.xmlInvalid, `body is not well-formed XML: ${message}`);
}

function tooComplex(message: string): AppError {
  return new AppError(ErrorCode.xmlTooComplex, message);
}

/**
 * Where the markup at `from` ends: the first `closer` (`>` or `?>`) outside a quoted value,
 * the way fast-xml-parser reads start tags and processing instructions, so this walk and
 * the parser split a document at the same places.
 */
function quotedEnd(body: string, from: number, closer: number, needsGt: boolean): number {
  let quote = 0;
  for (let i = from; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === doubleQuote || code === singleQuote) {
      quote = code;
    } else if (code === closer && (!needsGt || body.charCodeAt(i + 1) === gt)) {
      return i;
    }
  }
  throw invalid('a tag or processing instruction is not closed');
}

/** Whitespace or `/`: where fast-xml-parser's tag name ends (it splits at `\s`). */
function endsName(code: number): boolean {
  return code === slash || code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function readOpenTag(body: string, at: number): OpenTag {
  const end = quotedEnd(body, at + 1, gt, false);
  let nameEnd = at + 1;
  while (nameEnd < end && !endsName(body.charCodeAt(nameEnd))) nameEnd++;
  let attributes = 0;
  let quote = 0;
  for (let i = nameEnd; i < end; i++) {
    const code = body.charCodeAt(i);
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === doubleQuote || code === singleQuote) {
      quote = code;
    } else if (code === equals) {
      attributes++;
    }
  }
  return { name: body.slice(at + 1, nameEnd), end, selfClosing: body.charCodeAt(end - 1) === slash, attributes };
}

function closeOf(body: string, marker: string, from: number, what: string): number {
  const close = body.indexOf(marker, from);
  if (close === -1) throw invalid(`${what} is not closed`);
  return close + marker.length;
}

interface Walk {
  readonly wanted: string | undefined;
  depth: number;
  elements: number;
  /** Content start of the wanted element while inside it, else -1. */
  tracking: number;
  found: ElementSpan | undefined;
}

/** `<!`: a comment or a CDATA section is skipped; any declaration is refused. */
function skipBang(body: string, at: number): number {
  if (body.startsWith('<!--', at)) return closeOf(body, '-->', at + 4, 'a comment');
  if (body.startsWith('<![CDATA[', at)) return closeOf(body, ']]>', at + 9, 'a CDATA section');
  throw new AppError(ErrorCode.xmlForbidden, 'XML with DOCTYPE, ENTITY or other declarations is refused');
}

function endTag(walk: Walk, body: string, at: number): number {
  const after = closeOf(body, '>', at + 2, 'an end tag');
  if (walk.depth === 2 && walk.tracking !== -1) {
    walk.found = { start: walk.tracking, end: at };
    walk.tracking = -1;
  }
  walk.depth = Math.max(0, walk.depth - 1);
  return after;
}

function startTag(walk: Walk, body: string, at: number): number {
  const tag = readOpenTag(body, at);
  const after = tag.end + 1;
  if (++walk.elements > xmlLimits.maxElements) {
    throw tooComplex(`XML with more than ${xmlLimits.maxElements} elements`);
  }
  if (tag.attributes > xmlLimits.maxAttributes) {
    throw tooComplex(`an XML element with more than ${xmlLimits.maxAttributes} attributes`);
  }
  if (tag.selfClosing) return after;
  if (++walk.depth > xmlLimits.maxDepth) throw tooComplex(`XML nested deeper than ${xmlLimits.maxDepth} levels`);
  if (walk.depth === 2 && walk.found === undefined && tag.name === walk.wanted) walk.tracking = after;
  return after;
}

/**
 * One linear pass over a document's markup — comments, CDATA sections, processing
 * instructions, start and end tags, read the way fast-xml-parser reads them — that refuses
 * what the parser must never see, before it sees it:
 * - any `<!` declaration other than a comment or CDATA (DOCTYPE, ENTITY, ELEMENT, ATTLIST,
 *   conditional sections), wherever it stands — inside a comment or CDATA it is only text
 *   (a user may type `<!DOCTYPE html>`), and a comment or processing instruction cannot
 *   hide one from this walk, which skips exactly what the parser skips → `xml_forbidden`;
 * - nesting deeper than {@link xmlLimits}.maxDepth, more elements or attributes than the
 *   bounds → `xml_too_complex`;
 * - an unclosed comment, CDATA section, tag or processing instruction → `xml_invalid`.
 *
 * When `wanted` is given, returns the content span of the first child of the root element
 * with that name (the envelope's `<Encrypt>`), without building anything.
 */
export function walkMarkup(body: string, wanted?: string): ElementSpan | undefined {
  const walk: Walk = { wanted, depth: 0, elements: 0, tracking: -1, found: undefined };
  let i = body.indexOf('<');
  while (i !== -1) {
    const next = body.charCodeAt(i + 1);
    const after =
      next === bang
        ? skipBang(body, i)
        : next === question
          ? quotedEnd(body, i + 1, question, true) + 2
          : next === slash
            ? endTag(walk, body, i)
            : startTag(walk, body, i);
    i = body.indexOf('<', after);
  }
  return walk.found;
}
