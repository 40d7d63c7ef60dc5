import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoAccount, type RunningDev } from '@mpstack/cli';
import type { Page } from 'playwright-core';
import { type BrowserStand, devUrl, startBrowserStand } from '../support/browser.js';
import { demoAdmin, newConsolePage, sendTexts, signIn } from '../support/console.js';

// Screenshots go to the ignored test/browser/screenshots/ (a test run never dirties the tree);
// docs/images/ holds the ones shown in the README, written by `make screenshots`.
const images = new URL('../../browser/screenshots/', import.meta.url).pathname;
const viewerPassword = 'kiwi-harbour-lantern-42';
const journeyUser = 'o_journey_user_0001';

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
    it('the viewer reads the accounts page without an add, edit, rotate, disable or batch button', async () => {
      await viewer.getByRole('menu').getByText('公众号管理', { exact: true }).click();
      const row = viewer.getByTestId('accounts-table').locator('tr', { hasText: demoAccount.appId });
      await row.waitFor();
      assert.equal(
        await viewer.getByRole('button', { name: /添加公众号|编\s*辑|轮换|停\s*用|启\s*用|批量/ }).count(),
        0,
      );
      assert.equal(await viewer.getByRole('checkbox').count(), 0, 'no row selection for batch actions');
      assert.equal(await viewer.getByText('操作', { exact: true }).count(), 0, 'no actions column');
      // The super-admin's page has them (the check above can fail).
      await admin.getByRole('menu').getByText('公众号管理', { exact: true }).click();
      await admin.getByTestId('edit-demo').waitFor();
      await admin.getByTestId('add-account').waitFor();
    });
  });

  describe('journey: the dashboard moves when messages arrive', () => {
    it('counts messages sent through the simulator, refreshing itself without a reload', async () => {
      await admin.getByRole('menu').getByText('数据概览', { exact: true }).click();
      const messages = admin.locator('[data-testid="figure-messages"] .ant-statistic-content-value');
      await messages.waitFor();
      const before = Number(await messages.textContent());
      // A mark on the window: a reload would drop it.
      await admin.evaluate('window.journeyMark = 42');
      const reports = await sendTexts(dev, journeyUser, ['话费', '宽带 办理 🚀', '=1+2']);
      for (const report of reports) assert.equal(report.deliveries[0]?.status, 200);
      // The log service writes the events and their rollups; the page polls every 5 s.
      await admin.waitForFunction(
        `Number(document.querySelector('[data-testid="figure-messages"] .ant-statistic-content-value')?.textContent) >= ${before + 3}`,
        undefined,
        { timeout: 60_000 },
      );
      assert.equal(await admin.evaluate('window.journeyMark'), 42, 'the page was not reloaded');
      await admin.locator('[data-testid="figure-fast"] .ant-statistic-content-value').waitFor();
      assert.ok(
        Number(await admin.locator('[data-testid="figure-fast"] .ant-statistic-content-value').textContent()) >= 1,
      );
    });
  });

  describe("journey: a user's messages, their timeline and the CSV export", () => {
    it('finds the messages of one openid, newest first', async () => {
      await admin.getByRole('menu').getByText('消息与事件', { exact: true }).click();
      await admin.getByTestId('filter-openid').fill(journeyUser);
      await admin.getByTestId('search').click();
      const rows = admin.getByTestId('messages-table').locator('tbody tr.ant-table-row');
      await admin.waitForFunction(
        `(() => {
          const rows = [...document.querySelectorAll('[data-testid="messages-table"] tbody tr.ant-table-row')];
          return rows.length === 3 && rows.every((row) => row.textContent.includes(${JSON.stringify(journeyUser)}));
        })()`,
        undefined,
        { timeout: 30_000 },
      );
      assert.match((await rows.first().textContent()) ?? '', /=1\+2/);
      assert.match((await rows.last().textContent()) ?? '', /话费/);
    });

    it("opens the user's timeline from the row, oldest first", async () => {
      await admin.getByTestId('messages-table').getByRole('link', { name: journeyUser }).first().click();
      const timeline = admin.getByTestId('timeline');
      await timeline.waitFor();
      const text = (await timeline.textContent()) ?? '';
      assert.ok(
        text.indexOf('话费') < text.indexOf('宽带 办理 🚀') && text.indexOf('宽带 办理 🚀') < text.indexOf('=1+2'),
        text,
      );
    });

    it('exports the search as CSV: UTF-8 with a BOM, the rows, formulas neutralised', async () => {
      await admin.goBack();
      await admin.getByTestId('filter-openid').fill(journeyUser);
      await admin.getByTestId('search').click();
      const downloaded = admin.waitForEvent('download');
      await admin.getByTestId('export-csv').click();
      const download = await downloaded;
      const path = await download.path();
      const bytes = readFileSync(path);
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the UTF-8 BOM');
      const lines = bytes.subarray(3).toString('utf8').trim().split(/\r?\n/);
      const rows = lines.filter((line) => line.includes(journeyUser));
      assert.equal(rows.length, 3, lines.join('\n'));
      assert.ok(rows.some((line) => line.includes('宽带 办理 🚀')));
      const formula = rows.find((line) => line.includes('1+2')) ?? '';
      assert.match(formula, /'=1\+2/, 'the formula cell is prefixed with a quote');
      assert.doesNotMatch(formula, /(^|,)"?=1\+2/);
    });
  });

  describe("journey: rotating an account's AES key keeps the old key accepted", () => {
    it("rotates the demo account's key in the UI; messages under the old and the new key are answered, another key is refused", async () => {
      await admin.getByRole('menu').getByText('公众号管理', { exact: true }).click();
      await admin.getByTestId('rotate-demo').click();
      const dialog = admin.getByRole('dialog');
      await dialog.getByRole('button', { name: '随机生成' }).click();
      const newKey = await dialog.getByTestId('new-aes-key').inputValue();
      assert.match(newKey, /^[A-Za-z0-9]{43}$/);
      await dialog.getByRole('button', { name: /保\s*存/ }).click();
      await admin.getByTestId('previous-key-demo').waitFor();

      const [old] = await sendTexts(dev, journeyUser, ['话费'], demoAccount.encodingAesKey);
      assert.equal(old?.deliveries[0]?.status, 200);
      assert.equal(old?.userSees.kind, 'reply', 'the old key still opens messages, and the reply is sealed with it');
      const [fresh] = await sendTexts(dev, journeyUser, ['话费'], newKey);
      assert.equal(fresh?.deliveries[0]?.status, 200);
      assert.equal(fresh?.userSees.kind, 'reply');
      const [other] = await sendTexts(dev, journeyUser, ['话费'], 'A'.repeat(43));
      assert.notEqual(other?.deliveries[0]?.status, 200, 'a key the account never had is refused');
    });
  });

  describe("journey: an account's own send rates", () => {
    it('the super-admin limits the demo account’s template sends in the form; the table and the push estimate follow', async () => {
      await admin.getByRole('menu').getByText('公众号管理', { exact: true }).click();
      const limits = admin.getByTestId('limits-demo');
      assert.equal((await limits.textContent())?.trim(), '部署默认');
      await admin.getByTestId('send-limits-demo').click();
      const dialog = admin.getByRole('dialog');
      await dialog.getByTestId('rate-mode-template').click();
      await admin.locator('.ant-select-item-option', { hasText: /^限速$/ }).click();
      await dialog.getByTestId('rate-template').fill('25');
      await dialog.getByTestId('burst-template').fill('50');
      await dialog.getByTestId('save-send-limits').click();
      await admin.getByTestId('limits-demo').getByText('模板消息 25 条/秒').waitFor();
      // The business service heard the change: 100 recipients = a burst of 50, then 50 at 25/s.
      const estimate = await admin.evaluate(async () => {
        const response = await fetch('/admin/api/outbound/estimate?account=demo&recipients=100');
        return (await response.json()) as { seconds: number | null };
      });
      assert.equal(estimate.seconds, 2, JSON.stringify(estimate));
      // The health page says which rate is the account's own and which the deployment's.
      await admin.goto(`${devUrl(dev, 'console')}outbound/health`);
      const template = admin.getByTestId('rate-template');
      await template.getByText(/账号自定/).waitFor();
      assert.equal(await template.getAttribute('data-rate-source'), 'account');
      assert.match((await template.textContent()) ?? '', /25\/秒（突发 50）/);
      const kefu = admin.getByTestId('rate-kefu');
      assert.equal(await kefu.getAttribute('data-rate-source'), 'deployment');
      assert.match((await kefu.textContent()) ?? '', /部署默认/);
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
