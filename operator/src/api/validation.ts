import { crossFieldProblems } from './cross-checks.js';
import { specSchema } from './spec-schema.js';
import type { WeChatPlatformSpec } from './v1alpha1.js';

export type SpecValidation =
  | { readonly ok: true; readonly spec: WeChatPlatformSpec }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Re-checks a `WeChatPlatform` spec the way the CRD's OpenAPI schema and CEL rules would,
 * because the operator cannot rely on the API server having done it (an API server older
 * than CEL validation, a CRD applied without its schema, a write straight to etcd). Returns
 * the spec with every default applied, or every problem found (never just the first), each
 * as `path: message`.
 */
export function validateSpec(spec: unknown): SpecValidation {
  const parsed = specSchema.safeParse(spec);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(spec)'}: ${issue.message}`);
  problems.push(...crossFieldProblems(spec));
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  return { ok: true, spec: parsed.data as WeChatPlatformSpec };
}

/**
 * Longest platform name: object names are `<platform>-<suffix>` (up to `-business-worker`)
 * and must stay DNS labels, StatefulSet pods also carry a `<name>-<hash>` revision label.
 */
export const MAX_PLATFORM_NAME_LENGTH = 40;

/** Problems with a `WeChatPlatform`'s own name (the CRD's root CEL rule, re-checked). */
export function validatePlatformName(name: string): string[] {
  const problems: string[] = [];
  if (name.length > MAX_PLATFORM_NAME_LENGTH) {
    problems.push(`metadata.name: at most ${MAX_PLATFORM_NAME_LENGTH} characters (object names derive from it)`);
  }
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name))
    problems.push('metadata.name: must be a DNS label starting with a letter');
  return problems;
}
