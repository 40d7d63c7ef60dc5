import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `test/fixtures/wechat` of the repository (test vectors, the API reference), found by
 * walking up from this module: it works from the sources (tsx) and from `dist` alike.
 */
export function wechatFixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'test', 'fixtures', 'wechat');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('test/fixtures/wechat not found above @mpstack/testkit');
    dir = parent;
  }
}
