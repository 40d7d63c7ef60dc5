import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmPath } from '../support/k8s-tools.js';
import { parseYamlDocuments, repoRoot } from './repo.js';

export const CHART = 'charts/mpstack';
export const RELEASE = { name: 'mpstack', namespace: 'mpstack-system' } as const;

export interface HelmResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs the real helm with a values file written from `values` (JSON is YAML); never throws. */
export function helm(args: readonly string[], values?: unknown): HelmResult {
  const dir = mkdtempSync(join(tmpdir(), 'helm-values-'));
  try {
    const valuesArgs: string[] = [];
    if (values !== undefined) {
      const file = join(dir, 'values.yaml');
      writeFileSync(file, JSON.stringify(values));
      valuesArgs.push('--values', file);
    }
    const output = execFileSync(helmPath(), [...args, ...valuesArgs], {
      cwd: repoRoot(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    return { ok: true, output };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? failed.message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm lint --strict` of the chart with these values. */
export function helmLint(values?: unknown): HelmResult {
  return helm(['lint', '--strict', CHART, '--namespace', RELEASE.namespace], values);
}

/** `helm template` of the chart (CRDs included) with these values, as objects; a failure throws with helm's words. */
export function helmTemplate(values?: unknown): Record<string, unknown>[] {
  const result = helm(
    ['template', RELEASE.name, CHART, '--namespace', RELEASE.namespace, '--include-crds', '--kube-version', '1.31.0'],
    values,
  );
  if (!result.ok) throw new Error(`helm template failed:\n${result.output}`);
  return parseYamlDocuments(result.output);
}
