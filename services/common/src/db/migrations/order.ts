import type { Migration } from 'kysely';

/** `0001-accounts-and-rules`: four digits, a dash, then lower-case words joined by dashes. */
const migrationName = /^(\d{4})-[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Checks a list of migrations and returns it ordered by number: every name is `NNNN-words`,
 * no number is used twice, and the numbers run from 0001 without a gap but for the `retired`
 * ones (numbers given up for good). Throws one error listing every problem, so a migration
 * landed under a taken or a skipped number stops start-up instead of running out of order.
 * Four digits make the number order the name order, the order Kysely runs and records them in.
 */
export function orderMigrations(
  list: Readonly<Record<string, Migration>>,
  retired: ReadonlySet<number> = new Set(),
): Readonly<Record<string, Migration>> {
  const problems: string[] = [];
  const byNumber = new Map<number, string[]>();
  for (const name of Object.keys(list)) {
    const match = migrationName.exec(name);
    if (match === null) {
      problems.push(`"${name}" is not named NNNN-words (four digits, a dash, lower-case words)`);
      continue;
    }
    const number = Number(match[1]);
    byNumber.set(number, [...(byNumber.get(number) ?? []), name]);
  }
  for (const [number, names] of byNumber) {
    if (names.length > 1) problems.push(`number ${pad(number)} is used by ${names.length}: ${names.sort().join(', ')}`);
    if (retired.has(number)) problems.push(`${names.join(', ')} uses ${pad(number)}, a retired number`);
  }
  const highest = Math.max(0, ...byNumber.keys());
  const missing: string[] = [];
  for (let number = 1; number <= highest; number += 1) {
    if (!byNumber.has(number) && !retired.has(number)) missing.push(pad(number));
  }
  if (missing.length > 0) problems.push(`no migration numbered ${missing.join(', ')} (a gap before ${pad(highest)})`);
  if (problems.length > 0) throw new Error(`the migration list is out of order: ${problems.join('; ')}`);
  const ordered = [...byNumber.entries()].sort(([a], [b]) => a - b).flatMap(([, names]) => names);
  return Object.fromEntries(ordered.map((name) => [name, list[name] as Migration]));
}

function pad(number: number): string {
  return String(number).padStart(4, '0');
}
