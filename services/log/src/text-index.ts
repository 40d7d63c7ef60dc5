/**
 * The text index's words (docs/architecture.md §5a, "Chinese text search"). MariaDB has no
 * n-gram parser, and its built-in FULLTEXT parser splits words at spaces and punctuation —
 * Chinese has neither between words. So the log service makes the words itself: the text,
 * NFKC-normalised and lower-cased, cut into runs at whitespace, punctuation and control
 * characters, each run into overlapping pairs of characters (code points: an emoji is one
 * character), each pair written as an 8-character ASCII word (both code points in base 36,
 * 4 digits each — long enough for `innodb_ft_min_token_size`, never a stopword). A search's
 * pairs must all be present (FULLTEXT boolean mode, `+word …`), then the candidates are checked
 * for the exact text, so pair order and adjacency ("上海移动" is not "移动上海") are respected.
 */

/** The form both the stored text and a query are compared in: NFKC (full-width → ASCII, …), lower case. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

const SEPARATORS = /[\s\p{P}\p{C}\p{Z}]+/u;

function pairWord(a: string, b: string): string {
  const code = (c: string) => (c.codePointAt(0) ?? 0).toString(36).padStart(4, '0');
  return `${code(a)}${code(b)}`;
}

/** The distinct pair words of a text, in order of first appearance; none for a text without two adjacent characters. */
export function textWords(text: string): string[] {
  const words = new Set<string>();
  for (const run of normalizeText(text).split(SEPARATORS)) {
    const chars = [...run];
    for (let i = 0; i + 1 < chars.length; i += 1) words.add(pairWord(chars[i] as string, chars[i + 1] as string));
  }
  return [...words];
}

/**
 * A search's FULLTEXT boolean query (every pair word required), or undefined when the text has
 * no pair (a single character, or single characters between separators): such a search is a scan.
 */
export function textQuery(text: string): string | undefined {
  const words = textWords(text);
  return words.length === 0 ? undefined : words.map((w) => `+${w}`).join(' ');
}

/** The exact check on a candidate: the normalised content contains the normalised search text. */
export function containsText(content: string | null | undefined, text: string): boolean {
  return content !== null && content !== undefined && normalizeText(content).includes(normalizeText(text));
}
