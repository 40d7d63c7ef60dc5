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

/**
 * Text messages per index document. One FULLTEXT document holds the pair words of up to this
 * many text messages of one account written in one batch (in time order): InnoDB's cost is per
 * document and per distinct word of a document, so a block costs a fraction of one document a
 * message; a search reads a matching block's messages and checks each one's text, so the size
 * also bounds the rows read for each candidate block.
 */
export const TEXT_BLOCK_MESSAGES = 128;

/** A message the text index holds: its key, account, time and text. */
export interface IndexedText {
  readonly id: string;
  readonly at: number;
  readonly account: string;
  readonly content: string;
}

/**
 * One document of the text index: the first message of the block (`at`, `eventId`: the row's
 * key), the last one's time, the account, how many messages it holds, and the distinct pair
 * words of all their texts.
 */
export interface TextBlock {
  readonly at: number;
  readonly eventId: string;
  readonly lastAt: number;
  readonly account: string;
  readonly messages: number;
  readonly tokens: string;
}

/**
 * The index documents of a batch's text messages: grouped by `monthOf` (a month's messages go to
 * that month's table) and account, ordered by `(at, id)`, cut into blocks of `size` messages
 * with at least one pair word; each block's words are the union of its messages' words. A
 * message the index finds through its block is then checked for the exact text, so a word made
 * of the end of one message and the start of the next cannot find either.
 */
export function textBlocks<K>(
  messages: Iterable<IndexedText>,
  monthOf: (at: number) => K,
  size = TEXT_BLOCK_MESSAGES,
): Map<K, TextBlock[]> {
  const groups = new Map<K, Map<string, Worded[]>>();
  for (const message of messages) {
    const words = textWords(message.content);
    if (words.length === 0) continue;
    const month = monthOf(message.at);
    const byAccount = groups.get(month) ?? new Map<string, Worded[]>();
    groups.set(month, byAccount);
    const list = byAccount.get(message.account);
    if (list === undefined) byAccount.set(message.account, [{ message, words }]);
    else list.push({ message, words });
  }
  const blocks = new Map<K, TextBlock[]>();
  for (const [month, byAccount] of groups) {
    const out: TextBlock[] = [];
    for (const [account, list] of byAccount) out.push(...blocksOf(account, list, size));
    // In key order: concurrent writers append to the table's primary key in the same order.
    out.sort((x, y) => x.at - y.at || (x.eventId < y.eventId ? -1 : 1));
    blocks.set(month, out);
  }
  return blocks;
}

interface Worded {
  readonly message: IndexedText;
  readonly words: readonly string[];
}

/** An account's worded texts of one month, in `(at, id)` order, cut into blocks of `size`. */
function blocksOf(account: string, list: Worded[], size: number): TextBlock[] {
  list.sort((x, y) => x.message.at - y.message.at || (x.message.id < y.message.id ? -1 : 1));
  const out: TextBlock[] = [];
  for (let start = 0; start < list.length; start += size) {
    const part = list.slice(start, start + size);
    const words = new Set<string>();
    for (const item of part) for (const word of item.words) words.add(word);
    const first = (part[0] as Worded).message;
    const last = (part[part.length - 1] as Worded).message;
    out.push({
      at: first.at,
      eventId: first.id,
      lastAt: last.at,
      account,
      messages: part.length,
      tokens: [...words].join(' '),
    });
  }
  return out;
}
