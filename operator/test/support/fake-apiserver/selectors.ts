/**
 * TEST DOUBLE — label and field selectors of the fake Kubernetes API server: equality
 * (`a=b`, `a==b`), inequality (`a!=b`) and existence (`a`, `!a`); `metadata.name` and
 * `metadata.namespace` as field selectors. Set-based selectors (`in`, `notin`) are not served.
 */

type Labels = Readonly<Record<string, string>> | undefined;

/** Does a comma-separated label selector match these labels? */
export function matchesLabels(selector: string | null, labels: Labels): boolean {
  if (selector === null || selector.trim() === '') return true;
  return selector.split(',').every((term) => matchesTerm(term.trim(), labels ?? {}));
}

function matchesTerm(term: string, labels: Readonly<Record<string, string>>): boolean {
  const notEqual = term.split('!=');
  if (notEqual.length === 2) return labels[notEqual[0] ?? ''] !== notEqual[1];
  const equal = term.split(/==?/);
  if (equal.length === 2) return labels[equal[0] ?? ''] === equal[1];
  if (term.startsWith('!')) return !(term.slice(1) in labels);
  return term in labels;
}

/** Does a field selector (only `metadata.name` / `metadata.namespace`) match? */
export function matchesFields(
  selector: string | null,
  meta: { name?: string | undefined; namespace?: string | undefined },
): boolean {
  if (selector === null || selector.trim() === '') return true;
  return selector.split(',').every((term) => {
    const [field, value] = term.split(/==?/);
    if (field === 'metadata.name') return meta.name === value;
    if (field === 'metadata.namespace') return meta.namespace === value;
    return true;
  });
}
