import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The console's messages (services/admin/web/src/i18n): zh-CN is the default, English must be
// complete. Read as the files the console bundles, not through the console's code.
const web = new URL('../../../services/admin/web/src/', import.meta.url).pathname;

type Tree = { readonly [key: string]: string | Tree };

function messages(language: string): Map<string, string> {
  const tree = JSON.parse(readFileSync(join(web, 'i18n', `${language}.json`), 'utf8')) as Tree;
  const flat = new Map<string, string>();
  const walk = (node: Tree, prefix: string) => {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string') flat.set(`${prefix}${key}`, value);
      else walk(value, `${prefix}${key}.`);
    }
  };
  walk(tree, '');
  return flat;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('console i18n: zh-CN and English', () => {
  const zh = messages('zh-CN');
  const en = messages('en');

  it('has every zh-CN key in English and every English key in zh-CN', () => {
    assert.ok(zh.size > 100, `only ${zh.size} zh-CN messages read`);
    assert.deepEqual(
      [...zh.keys()].filter((key) => !en.has(key)),
      [],
      'zh-CN keys missing in en',
    );
    assert.deepEqual(
      [...en.keys()].filter((key) => !zh.has(key)),
      [],
      'en keys missing in zh-CN',
    );
  });

  it('uses the same placeholders in both languages, and no message is empty', () => {
    for (const [key, text] of zh) {
      assert.notEqual(text.trim(), '', `zh-CN ${key} is empty`);
      assert.notEqual((en.get(key) ?? '').trim(), '', `en ${key} is empty`);
      assert.deepEqual(placeholders(en.get(key) ?? ''), placeholders(text), `placeholders of ${key}`);
    }
  });

  it('has a message for every literal key the console translates', () => {
    const used = new Set<string>();
    for (const file of sources(web)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([\w.-]+)'/g)) used.add(m[1] ?? '');
    }
    assert.ok(used.size > 50, `only ${used.size} literal keys found in the console's sources`);
    assert.deepEqual(
      [...used].filter((key) => !zh.has(key)),
      [],
      'keys used in the console without a message',
    );
  });
});
