import { AppError, ErrorCode } from '@mpstack/common/errors';

/**
 * A template's fields as the caller gives them: each key (`thing1`, `time2`, `keyword1`) to a
 * text that may name the upload's columns as `{{column}}` — filled per recipient.
 */
export type FieldTemplates = Readonly<Record<string, string>>;

/**
 * Longest value WeChat takes for a field, by the rule its key starts with (the template
 * message's keyword types: thing ≤ 20 characters, number / letter / character_string ≤ 32,
 * symbol / phrase ≤ 5, phone_number ≤ 17, car_number ≤ 8, name ≤ 20 — api.json, the
 * subscribe-message notes; a longer value is refused with 47003). Keys of the old templates
 * (`first`, `keyword1`, `remark`) have no documented bound: 200 keeps a message readable.
 */
const limits: readonly (readonly [prefix: string, max: number])[] = [
  ['character_string', 32],
  ['phone_number', 17],
  ['car_number', 8],
  ['thing', 20],
  ['number', 32],
  ['letter', 32],
  ['symbol', 5],
  ['phrase', 5],
  ['amount', 32],
  ['name', 20],
  ['time', 32],
  ['date', 32],
  ['const', 20],
];
const legacyMax = 200;

/** The longest value WeChat accepts for `key`. */
export function fieldLimit(key: string): number {
  for (const [prefix, max] of limits) {
    if (key.startsWith(prefix) && /^\d*$/.test(key.slice(prefix.length))) return max;
  }
  return legacyMax;
}

const placeholder = /\{\{\s*([^{}]+?)\s*\}\}/g;

/** The upload columns the field texts name. */
export function columnsNamed(fields: FieldTemplates): string[] {
  const names = new Set<string>();
  for (const text of Object.values(fields)) for (const match of text.matchAll(placeholder)) names.add(match[1] ?? '');
  return [...names];
}

/** Checks the field texts themselves: keys WeChat accepts, at least one field. */
export function checkFieldTemplates(fields: FieldTemplates): void {
  const keys = Object.keys(fields);
  if (keys.length === 0) throw new AppError(ErrorCode.badRequest, 'a template send needs at least one field');
  for (const key of keys) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(key)) {
      throw new AppError(ErrorCode.badRequest, `field "${key}" is not a template key (letters, digits, _)`);
    }
  }
}

/** A compiled field set: fills the texts from one recipient's column values. */
export interface FieldRenderer {
  /** The columns the fields need, in the upload's order of `columns`. */
  readonly needs: readonly string[];
  /**
   * The `data` object of the send, or the reason it cannot be sent (a field over its limit —
   * refused here, before anything reaches WeChat).
   */
  render(values: readonly string[]): { readonly data: Record<string, { value: string }> } | { readonly error: string };
}

/** Compiles `fields` against the upload's `columns` (the openid column excluded). */
export function compileFields(fields: FieldTemplates, columns: readonly string[]): FieldRenderer {
  checkFieldTemplates(fields);
  const index = new Map(columns.map((name, i) => [name, i] as const));
  const missing = columnsNamed(fields).filter((name) => !index.has(name));
  if (missing.length > 0) {
    throw new AppError(
      ErrorCode.badRequest,
      `the fields name column(s) ${missing.map((m) => `"${m}"`).join(', ')} that the upload does not have (columns: ${columns.join(', ') || 'none'})`,
    );
  }
  const entries = Object.entries(fields).map(([key, text]) => ({ key, text, max: fieldLimit(key) }));
  return {
    needs: columnsNamed(fields),
    render(values) {
      const data: Record<string, { value: string }> = {};
      for (const { key, text, max } of entries) {
        const value = text.replace(placeholder, (_all, name: string) => values[index.get(name.trim()) ?? -1] ?? '');
        const length = [...value].length;
        if (length > max) return { error: `field ${key} is ${length} characters, over its limit of ${max}` };
        data[key] = { value };
      }
      return { data };
    },
  };
}
