import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Vector {
  readonly id: string;
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** Walks up from this file (tsx: test/, compiled: dist/test/) to the repo root holding the fixtures. */
function fixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'test', 'fixtures', 'wechat');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('test/fixtures/wechat not found above the test file');
    dir = parent;
  }
}

export function loadVector(file: 'official-vectors.json' | 'public-vectors.json', id: string): Vector {
  const doc = JSON.parse(readFileSync(join(fixturesDir(), file), 'utf8')) as { readonly vectors: readonly Vector[] };
  const found = doc.vectors.find((v) => v.id === id);
  if (found === undefined) throw new Error(`vector ${id} not found in ${file}`);
  return found;
}

/** A string field of a vector, including nested ones (`verification.decrypted_msg_derived`). */
export function str(v: Vector, path: string): string {
  let value: unknown = v;
  for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  if (typeof value !== 'string') throw new Error(`vector ${v.id} lacks ${path}`);
  return value;
}
