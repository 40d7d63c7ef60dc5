/**
 * Writes the generated CRD to `k8s/crd/` and `charts/mpstack/crds/` (identical bytes; a test
 * fails when either drifts from `buildCrd()`). Run after `tsc -b`:
 *   node operator/dist/src/scripts/generate-manifests.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdYaml, generatedCrdPaths } from '../api/crd-yaml.js';

function repoRoot(): string {
  // operator/dist/src/scripts/ or operator/src/scripts/ → the repository root
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!dir.endsWith('/operator')) {
    if (dirname(dir) === dir) throw new Error('not inside the operator workspace');
    dir = dirname(dir);
  }
  return dirname(dir);
}

const root = repoRoot();
const text = crdYaml();
for (const path of generatedCrdPaths) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${path}`);
}
