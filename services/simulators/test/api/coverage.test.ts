import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wechatFixturesDir } from '@mpstack/testkit';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

/** test/fixtures/wechat/api.json: a copy of the team's WeChat API reference (../shared/wechat). */
function apiReference(): { endpoints: unknown } {
  return JSON.parse(readFileSync(join(wechatFixturesDir(), 'api.json'), 'utf8')) as { endpoints: unknown };
}

/** Every `{ method, path }` in the reference, whatever its nesting. */
function endpointsOf(
  node: unknown,
  found: { method: string; path: string }[] = [],
): { method: string; path: string }[] {
  if (Array.isArray(node)) for (const item of node) endpointsOf(item, found);
  else if (node !== null && typeof node === 'object') {
    const { method, path } = node as { method?: unknown; path?: unknown };
    if (typeof method === 'string' && typeof path === 'string') {
      found.push({ method: method.startsWith('GET') ? 'GET' : 'POST', path });
    }
    for (const value of Object.values(node)) endpointsOf(value, found);
  }
  return found;
}

/**
 * Endpoints of the reference the simulator does not serve (yet): they answer 48001 like any
 * unknown path. The README's simulator section names them; serving one means removing it here.
 */
const notSimulated = new Set<string>([]);

describe('simulator coverage of the API reference (api.json)', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi([testAccount()]);
  });
  after(() => api.close());

  it('routes every endpoint of the reference: a call without credentials gets the endpoint’s own JSON error', async () => {
    const endpoints = endpointsOf(apiReference().endpoints);
    assert.ok(endpoints.length >= 20, `found ${endpoints.length} endpoints`);
    for (const { method, path } of endpoints) {
      if (notSimulated.has(`${method} ${path}`)) continue;
      const response = await fetch(`${api.url}${path}`, {
        method,
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      assert.equal(response.status, 200, `${method} ${path} answered ${response.status}`);
      const body = (await response.json()) as { errcode?: unknown };
      assert.equal(typeof body.errcode, 'number', `${method} ${path}: ${JSON.stringify(body)}`);
      assert.notEqual(body.errcode, 0, `${method} ${path} succeeded without credentials`);
      // 48001 / 43001 / 43002 are what the simulator answers a path or method it does not serve.
      assert.ok(![48001, 43001, 43002].includes(body.errcode as number), `${method} ${path} is not routed`);
    }
  });

  it('answers 48001 for each endpoint it does not simulate, so the list above stays true', async () => {
    const listed = new Set(endpointsOf(apiReference().endpoints).map(({ method, path }) => `${method} ${path}`));
    for (const entry of notSimulated) {
      assert.ok(listed.has(entry), `${entry} is not in the reference`);
      const [method = '', path = ''] = entry.split(' ');
      const response = await fetch(`${api.url}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      assert.equal(((await response.json()) as { errcode?: unknown }).errcode, 48001, `${entry} is served now`);
    }
  });
});
