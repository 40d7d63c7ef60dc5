import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root: the directory holding `.mocharc.cjs`, found from this file (src or dist). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, '.mocharc.cjs'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('.mocharc.cjs not found above the test file');
    dir = parent;
  }
  return dir;
}

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot(), path), 'utf8');
}

/** Every non-empty YAML document of a multi-document text; a YAML error fails the test. */
export function parseYamlDocuments(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
      return doc.toJS() as unknown;
    })
    .filter((value): value is Record<string, unknown> => value !== null && typeof value === 'object');
}
