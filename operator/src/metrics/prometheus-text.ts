/** One sample of the Prometheus text exposition format (version 0.0.4). */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string, line: number): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new ExpositionError(line, `bad value '${text}'`);
  return value;
}

/** Reads a quoted label value starting after the opening quote; returns the value and the index after the closing quote. */
function readQuoted(text: string, start: number, line: number): [string, number] {
  let out = '';
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') return [out, i + 1];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = text[++i];
    if (next === 'n') out += '\n';
    else if (next === '\\' || next === '"') out += next;
    else throw new ExpositionError(line, `bad escape '\\${next ?? ''}'`);
  }
  throw new ExpositionError(line, 'unterminated label value');
}

function readLabels(text: string, start: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return [labels, i + 1];
    const name = labelName.exec(text.slice(i))?.[0];
    if (name === undefined) throw new ExpositionError(line, 'bad label name');
    i += name.length;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new ExpositionError(line, `expected ="…" after ${name}`);
    const [value, after] = readQuoted(text, i + 2, line);
    labels[name] = value;
    i = after;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new ExpositionError(line, 'expected , or }');
  }
}

function parseSampleLine(text: string, line: number): Sample {
  const name = metricName.exec(text)?.[0];
  if (name === undefined) throw new ExpositionError(line, 'bad metric name');
  let i = name.length;
  let labels: Record<string, string> = {};
  if (text[i] === '{') [labels, i] = readLabels(text, i + 1, line);
  const rest = text.slice(i).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2) throw new ExpositionError(line, 'expected a value and an optional timestamp');
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) throw new ExpositionError(line, 'bad timestamp');
  return { name, labels, value: parseValue(rest[0] ?? '', line) };
}

/**
 * Parses the text exposition strictly: comments and blank lines are skipped, every other line
 * must be a well-formed sample, or the whole scrape is rejected (a half-read scrape would
 * under-count and scale down for no reason).
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    samples.push(parseSampleLine(line, index + 1));
  });
  return samples;
}

/** Sum of every series of one counter (all label sets), or undefined when the counter is absent. */
export function sumSeries(samples: readonly Sample[], name: string): number | undefined {
  let total: number | undefined;
  for (const sample of samples) if (sample.name === name) total = (total ?? 0) + sample.value;
  return total;
}
