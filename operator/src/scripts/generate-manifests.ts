/**
 * Writes the generated CRD to `k8s/crd/` and `charts/mpstack/crds/` (identical bytes) and the
 * chart's `values.schema.json`; a test fails when a committed file drifts from the code. Run after `tsc -b`:
 *   node operator/dist/src/scripts/generate-manifests.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdYaml, generatedCrdPaths, generatedValuesSchemaPath, valuesSchemaJson } from '../api/generated-files.js';

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
writeFileSync(join(root, generatedValuesSchemaPath), valuesSchemaJson());
console.log(`wrote ${generatedValuesSchemaPath}`);
