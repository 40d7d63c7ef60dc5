import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wechatFixturesDir } from '@mpstack/testkit';

export interface Vector {
  readonly id: string;
  readonly kind: string;
  readonly [field: string]: unknown;
}

export function loadVector(file: 'official-vectors.json' | 'public-vectors.json', id: string): Vector {
  const doc = JSON.parse(readFileSync(join(wechatFixturesDir(), file), 'utf8')) as {
    readonly vectors: readonly Vector[];
  };
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
