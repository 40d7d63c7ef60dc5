import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wechatFixturesDir } from '@mpstack/testkit';

/** One vector of test/fixtures/wechat/{official,public}-vectors.json (fields vary by `kind`). */
export interface Vector {
  readonly id: string;
  readonly kind: string;
  readonly token?: string;
  readonly encoding_aes_key?: string;
  readonly appid?: string;
  readonly timestamp?: string;
  readonly nonce?: string;
  readonly msg_signature?: string;
  readonly encrypt?: string;
  readonly post_body?: string;
  readonly random_ascii?: string;
  readonly plaintext?: string;
  readonly expected_code?: number;
  readonly expected?: {
    readonly plaintext_fields_from_source?: Readonly<Record<string, string>>;
    readonly decrypted_msg_derived?: string;
  };
  readonly verification?: { readonly decrypted_msg_derived?: string; readonly random_prefix_hex_derived?: string };
  readonly noncestr?: string;
  readonly jsapi_ticket?: string;
  readonly url?: string;
  readonly signature?: string;
}

export function loadVectors(name: 'official-vectors.json' | 'public-vectors.json'): readonly Vector[] {
  const doc = JSON.parse(readFileSync(join(wechatFixturesDir(), name), 'utf8')) as {
    readonly vectors: readonly Vector[];
  };
  return doc.vectors;
}

export function vector(vectors: readonly Vector[], id: string): Vector {
  const found = vectors.find((v) => v.id === id);
  if (found === undefined) throw new Error(`vector ${id} not found`);
  return found;
}

/** Reads a field every vector of a kind has; fails loudly when the fixture is malformed. */
export function req<K extends keyof Vector>(v: Vector, key: K): NonNullable<Vector[K]> {
  const value = v[key];
  if (value === undefined || value === null) throw new Error(`vector ${v.id} lacks ${String(key)}`);
  return value as NonNullable<Vector[K]>;
}
