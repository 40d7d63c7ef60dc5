import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type BrowserStand, devUrl, startBrowserStand } from '../support/browser.js';

// Screenshots go to the ignored test/browser/screenshots/ (a test run never dirties the tree);
// docs/images/ holds the copies shown in the README, refreshed by hand.
const images = new URL('../../browser/screenshots/', import.meta.url).pathname;

/**
 * The operator console (services/admin/web, built by `make build`) as served by `mpstack dev`'s
 * admin service under /admin/: the sign-in page in Chinese first, its required-field hints, an
 * wrong password refused on the page, the switch to English (the shown error included). The journeys behind
 * sign-in (dashboard, logs, accounts, viewer) join as the admin API's endpoints land.
 */
describe('browser: the operator console of mpstack dev', function () {
  this.timeout(60_000);
  let stand: BrowserStand | undefined;
  let page: Page;

  before(async () => {
    stand = await startBrowserStand('mpstack-console-');
    page = await stand.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(devUrl(stand.dev, 'console'));
  });

  after(async () => {
    await stand?.close();
  });

  it('opens on the sign-in page in Chinese, and hints at the required fields', async () => {
    await page.getByRole('heading', { name: '登录' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.getByText('请输入用户名').waitFor();
    await page.getByText('请输入密码').waitFor();
    mkdirSync(images, { recursive: true });
    await page.screenshot({ path: join(images, 'console-sign-in.png') });
  });

  it('shows the refusal of a wrong password on the page', async () => {
    await page.getByLabel('用户名').fill('nobody');
    await page.getByLabel('密码').fill('wrong password');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    const error = page.getByTestId('sign-in-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /用户名或密码错误/);
  });

  it('switches to English, every label included', async () => {
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Username').waitFor();
    await page.getByLabel('Password').waitFor();
    await page.getByText('Wrong username or password').waitFor();
    assert.equal(await page.getByText('用户名').count(), 0);
  });
});
