import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDev } from '@mpstack/cli';
import type { Page } from 'playwright-core';
import { type BrowserStand, devUrl, startBrowserStand } from '../support/browser.js';
import { demoAdmin, newConsolePage, signIn } from '../support/console.js';

// Screenshots go to the ignored test/browser/screenshots/ (a test run never dirties the tree);
// docs/images/ holds the ones shown in the README, written by `make screenshots`.
const images = new URL('../../browser/screenshots/', import.meta.url).pathname;
const viewerPassword = 'kiwi-harbour-lantern-42';

/**
 * The operator console (services/admin/web, built by `make build`) as served by `mpstack dev`'s
 * admin service under /admin/, in headless Chromium, against the real services `mpstack dev`
 * runs (admin, log, ingress, simulator; embedded database, cache and queue). The journeys run in
 * order on one stand; each signed-in person has a browser context of their own.
 */
describe('browser: the operator console of mpstack dev', function () {
  this.timeout(90_000);
  let stand: BrowserStand | undefined;
  let dev: RunningDev;
  let page: Page;
  let admin: Page;

  before(async () => {
    stand = await startBrowserStand('mpstack-console-');
    dev = stand.dev;
    page = await stand.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(devUrl(dev, 'console'));
  });

  after(async () => {
    await stand?.close();
  });

  describe('sign-in page', () => {
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

  describe('journey: the demo super-admin signs in', () => {
    it('lands on the dashboard with the left menu, breadcrumbs and every page a super-admin may open', async () => {
      if (stand === undefined) throw new Error('no stand');
      admin = await newConsolePage(stand.browser);
      const { username, password } = demoAdmin(dev);
      await signIn(admin, dev, username, password);
      await admin.getByTestId('dashboard-controls').waitFor();
      const menu = admin.getByRole('menu');
      for (const entry of ['数据概览', '日志查询', '公众号管理', '用户管理', '审计日志']) {
        await menu.getByText(entry, { exact: true }).waitFor();
      }
      assert.match((await admin.getByTestId('user-menu').textContent()) ?? '', /超级管理员/);
      await menu.getByText('审计日志', { exact: true }).click();
      await admin.waitForURL(/\/admin\/audit$/);
      await admin.locator('.ant-breadcrumb').getByText('审计日志').waitFor();
    });

    it('finds its own sign-in in the audit log', async () => {
      const row = admin.locator('tr', { hasText: 'session.sign-in' }).first();
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /admin/);
    });
  });

  describe('journey: a viewer sees no edit buttons', () => {
    let viewer: Page;

    it('the super-admin adds a viewer on the users page', async () => {
      await admin.getByRole('menu').getByText('用户管理', { exact: true }).click();
      await admin.getByTestId('add-user').click();
      const dialog = admin.getByRole('dialog');
      await dialog.getByLabel('用户名').fill('wang.viewer');
      await dialog.getByLabel('显示名称').fill('王只读');
      await dialog.getByTestId('user-password').fill('short');
      await dialog.getByRole('button', { name: /保\s*存/ }).click();
      await dialog.getByText('at least 10 characters').waitFor();
      await dialog.getByTestId('user-password').fill(viewerPassword);
      await dialog.getByRole('button', { name: /保\s*存/ }).click();
      await dialog.waitFor({ state: 'hidden' });
      const row = admin.locator('tr', { hasText: 'wang.viewer' });
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /只读/);
    });

    it('the viewer sees neither the users nor the audit page, in the menu or by URL', async () => {
      if (stand === undefined) throw new Error('no stand');
      viewer = await newConsolePage(stand.browser);
      await signIn(viewer, dev, 'wang.viewer', viewerPassword);
      const menu = viewer.getByRole('menu');
      await menu.getByText('日志查询', { exact: true }).waitFor();
      assert.match((await viewer.getByTestId('user-menu').textContent()) ?? '', /王只读 · 只读/);
      assert.equal(await menu.getByText('用户管理', { exact: true }).count(), 0);
      assert.equal(await menu.getByText('审计日志', { exact: true }).count(), 0);
      await viewer.goto(`${devUrl(dev, 'console')}users`);
      await viewer.locator('.ant-result-404').waitFor();
      assert.equal(await viewer.getByTestId('add-user').count(), 0);
    });
  });

  describe('journey: signing out', () => {
    it('signs out and is back on the sign-in page; the old session no longer opens the console', async () => {
      await admin.getByTestId('user-menu').hover();
      await admin.getByText('退出登录', { exact: true }).click();
      await admin.getByRole('heading', { name: '登录' }).waitFor();
      await admin.reload();
      await admin.getByRole('heading', { name: '登录' }).waitFor();
    });
  });

  describe('journey: lockout after repeated failures', () => {
    it('locks a name after 5 wrong passwords and says how long to wait', async () => {
      if (stand === undefined) throw new Error('no stand');
      const locked = await newConsolePage(stand.browser);
      await locked.goto(devUrl(dev, 'console'));
      const error = locked.getByTestId('sign-in-error');
      let text = '';
      // Each failure from the 5th on locks the name for 2^(n-5) s; an attempt within the lock is
      // refused before the password is checked. At most 10 attempts (the per-IP spray limit is 20).
      for (let attempt = 1; attempt <= 10 && !/锁定/.test(text); attempt += 1) {
        await locked.getByLabel('用户名').fill('admin');
        await locked.getByLabel('密码').fill(`wrong password ${attempt}`);
        const answered = locked.waitForResponse((r) => r.url().endsWith('/admin/api/session'));
        await locked.getByRole('button', { name: /登\s*录/ }).click();
        const response = await answered;
        await error.waitFor();
        text = (await error.textContent()) ?? '';
        if (attempt < 5) assert.equal(response.status(), 401, `attempt ${attempt}`);
      }
      assert.match(text, /登录失败次数过多，账户已锁定，请 \d+ 秒后再试/);
      await locked.screenshot({ path: join(images, 'console-locked.png') });
    });
  });
});
