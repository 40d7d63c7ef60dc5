import { stringify } from 'yaml';

/**
 * A deliberately tiny stand-in for Helm's template engine, covering only what the mpstack
 * chart uses: `.Values.…`/`.Release.…`/`.Chart.…` lookups, `include "name" . | nindent N`,
 * `toYaml <path> | nindent N`, non-nested `if <path>`/`else`/`end`, `define`, and `{{-`/`-}}`
 * whitespace trimming. Anything else throws, so a template using more of Go templates fails
 * the test instead of rendering wrongly. It is not Helm: real rendering is not proven here.
 */

export interface RenderContext {
  readonly Values: unknown;
  readonly Release: { readonly Name: string; readonly Namespace: string; readonly Service: string };
  readonly Chart: { readonly Name: string; readonly Version: string };
}

interface Token {
  text: string;
  action?: string;
}

function tokenize(template: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;
  let last = 0;
  let trimNext = false;
  for (const match of template.matchAll(pattern)) {
    let text = template.slice(last, match.index);
    if (trimNext) text = text.trimStart();
    if (match[1] === '-') text = text.trimEnd();
    tokens.push({ text }, { text: '', action: match[2] ?? '' });
    trimNext = match[3] === '-';
    last = (match.index ?? 0) + match[0].length;
  }
  const tail = template.slice(last);
  tokens.push({ text: trimNext ? tail.trimStart() : tail });
  return tokens;
}

function lookup(path: string, context: RenderContext): unknown {
  if (!path.startsWith('.')) throw new Error(`unsupported expression: ${path}`);
  let value: unknown = context;
  for (const part of path.slice(1).split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value;
}

function nindent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return `\n${text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n')}`;
}

function evaluate(action: string, context: RenderContext, defines: Map<string, string>): string {
  const include = /^include "([^"]+)" \. \| nindent (\d+)$/.exec(action);
  if (include?.[1] !== undefined) {
    const body = defines.get(include[1]);
    if (body === undefined) throw new Error(`unknown template ${include[1]}`);
    return nindent(renderTokens(tokenize(body), context, defines), Number(include[2]));
  }
  const toYaml = /^toYaml (\S+) \| nindent (\d+)$/.exec(action);
  if (toYaml?.[1] !== undefined) {
    return nindent(stringify(lookup(toYaml[1], context)).trimEnd(), Number(toYaml[2]));
  }
  const value = lookup(action, context);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`{{ ${action} }} is not a scalar`);
}

type Branch = { readonly taking: boolean } | undefined;

/** The branch state after a control action, or `false` when the action is not control flow. */
function control(action: string, branch: Branch, context: RenderContext): Branch | false {
  const condition = /^if (\S+)$/.exec(action);
  if (condition?.[1] !== undefined) {
    if (branch !== undefined) throw new Error('nested if is not supported');
    return { taking: Boolean(lookup(condition[1], context)) };
  }
  if (action !== 'else' && action !== 'end') return false;
  if (branch === undefined) throw new Error(`${action} without if`);
  return action === 'else' ? { taking: !branch.taking } : undefined;
}

function renderTokens(tokens: readonly Token[], context: RenderContext, defines: Map<string, string>): string {
  let out = '';
  let branch: Branch;
  for (const token of tokens) {
    const active = branch === undefined || branch.taking;
    if (token.action === undefined) {
      if (active) out += token.text;
      continue;
    }
    const next = control(token.action, branch, context);
    if (next !== false) branch = next;
    else if (active) out += evaluate(token.action, context, defines);
  }
  if (branch !== undefined) throw new Error('if without end');
  return out;
}

/** `define` blocks of a helpers file, by name. */
export function parseDefines(helpers: string): Map<string, string> {
  const defines = new Map<string, string>();
  for (const match of helpers.matchAll(/\{\{-? define "([^"]+)" -?\}\}(.*?)\{\{-? end -?\}\}/gs)) {
    defines.set(match[1] ?? '', (match[2] ?? '').trim());
  }
  return defines;
}

export function renderTemplate(template: string, context: RenderContext, defines: Map<string, string>): string {
  return renderTokens(tokenize(template), context, defines);
}
