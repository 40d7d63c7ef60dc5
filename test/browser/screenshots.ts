// `make screenshots`: the console's main pages at 1440×900 in zh-CN, as the README shows them, taken
// from `mpstack dev`'s real services after a little traffic sent as WeChat sends it. Writes
// docs/images/console-*.png. Not a test (mocha runs *.test.js only).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { devUrl, startBrowserStand } from '../support/browser.js';
import { adminCall, demoAdmin, demoTraffic, newConsolePage, signIn } from '../support/console.js';

const out = new URL('../../../docs/images/', import.meta.url).pathname;

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  // Let the charts finish their entry animation.
  await page.waitForTimeout(1200);
  await page.screenshot({ path: join(out, `console-${name}.png`) });
  process.stdout.write(`docs/images/console-${name}.png\n`);
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const stand = await startBrowserStand('mpstack-screenshots-');
  try {
    const { dev, browser } = stand;
    const base = devUrl(dev, 'console');
    const page = await newConsolePage(browser);
    await page.goto(base);
    await page.getByRole('heading', { name: '登录' }).waitFor();
    await shoot(page, 'sign-in');

    await demoTraffic(dev);
    const { username, password } = demoAdmin(dev);
    await signIn(page, dev, username, password);
    await adminCall(page, base, 'POST', '/users', {
      username: 'li.operator',
      displayName: '李运营',
      role: 'operator',
      password: 'tea-garden-window-7',
    });
    await adminCall(page, base, 'POST', '/users', {
      username: 'wang.viewer',
      displayName: '王只读',
      role: 'viewer',
      password: 'kiwi-harbour-lantern-42',
    });

    // The dashboard refreshes itself; wait until the log service's rollups show the traffic.
    await page.waitForFunction(
      `Number(document.querySelector('[data-testid="figure-messages"] .ant-statistic-content-value')?.textContent) > 0`,
      undefined,
      { timeout: 60_000 },
    );
    await shoot(page, 'dashboard');

    await page.goto(`${base}logs/messages`);
    await page.getByTestId('messages-table').locator('tbody tr').nth(3).waitFor();
    await shoot(page, 'logs');

    await page.goto(`${base}logs/timeline?account=demo&openId=o_demo_user_0001`);
    await page.getByTestId('timeline').waitFor();
    await shoot(page, 'timeline');

    await page.goto(`${base}accounts`);
    await page.locator('tr', { hasText: 'wx6d0c0d8f9e7a5b31' }).waitFor();
    await shoot(page, 'accounts');

    await page.goto(`${base}rules`);
    await page.locator('tr', { hasText: '您本月话费' }).waitFor();
    await shoot(page, 'rules');

    await page.goto(`${base}users`);
    await page.locator('tr', { hasText: 'wang.viewer' }).waitFor();
    await shoot(page, 'users');

    await page.goto(`${base}audit`);
    await page.locator('tr', { hasText: 'users.' }).first().waitFor();
    await shoot(page, 'audit');
  } finally {
    await stand.close();
  }
}

await main();
