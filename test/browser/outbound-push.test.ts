import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningDev } from '@mpstack/cli';
import { sampleTemplates } from '@mpstack/simulators';
import type { Page } from 'playwright-core';
import { type BrowserStand, devUrl, startBrowserStand } from '../support/browser.js';
import { demoAdmin, newConsolePage, signIn } from '../support/console.js';

/** The demo account's two followers (the simulator knows them) and openids WeChat does not know (40003). */
const followers = ['o_demo_xiaoming_0001', 'o_demo_lihua_0002'];
const strangers = Array.from({ length: 30 }, (_, i) => `o_unknown_follower_${String(i).padStart(4, '0')}`);

/**
 * Issue 11's console journey against the real services of `mpstack dev` (admin → business →
 * the WeChat simulator): the demo super-admin uploads a push file, starts it, watches the
 * progress bar reach 100 % and downloads the failure report.
 */
describe('browser: a template push from the console (mpstack dev)', function () {
  this.timeout(180_000);
  let stand: BrowserStand | undefined;
  let dev: RunningDev;
  let page: Page;
  let dir: string;

  before(async () => {
    stand = await startBrowserStand('mpstack-push-');
    dev = stand.dev;
    dir = mkdtempSync(join(tmpdir(), 'mpstack-push-file-'));
    page = await newConsolePage(stand.browser);
    const { username, password } = demoAdmin(dev);
    await signIn(page, dev, username, password);
  });
  after(async () => {
    await stand?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads 32 recipients, starts the push, shows 100 % and a failure report of the 30 unknown openids', async () => {
    const template = sampleTemplates[0];
    if (template === undefined) throw new Error('no sample template');
    // The compose page picks from the synced library.
    await page.goto(`${devUrl(dev, 'console')}outbound/templates`);
    await page.getByTestId('templates-sync').click();
    await page.getByTestId(`template-fields-${template.templateId}`).waitFor();
    await page.goto(`${devUrl(dev, 'console')}outbound/pushes`);
    await page.getByTestId('push-compose').click();
    await page.getByTestId('push-name').fill('账单提醒 12 月');
    await page.getByTestId('push-template').click();
    await page.locator('.ant-select-item-option').filter({ hasText: template.templateId }).click();
    await page
      .getByTestId('push-fields')
      .fill('first = 您好 {{name}}\nkeyword1 = 2026-12\nkeyword2 = {{amount}}\nkeyword3 = 12-31\nremark = 谢谢');
    const csv = join(dir, 'recipients.csv');
    const rows = [...followers, ...strangers].map((openid, i) => `${openid},用户${i},${i + 10}.00`);
    writeFileSync(csv, `openid,name,amount\n${rows.join('\n')}\n`);
    await page.locator('input[type=file]').setInputFiles(csv);
    await page.getByTestId('push-preview').getByText('您好 用户0').waitFor();
    await page.getByTestId('push-upload').click();
    const report = page.getByTestId('push-report');
    await report.waitFor();
    assert.match((await report.textContent()) ?? '', /32/);
    await page.getByTestId('push-start').click();

    const progress = page.locator('[data-testid^="push-progress-"]').first();
    // The bar's own percent, polled as the page refreshes it every two seconds.
    await progress
      .and(page.locator('[data-percent="100"]'))
      .waitFor({ timeout: 60_000 })
      .catch(async (error: unknown) => {
        const state = await page.request.get(`${devUrl(dev, 'console')}api/outbound/pushes`).then((r) => r.text());
        throw new Error(`${String(error)}\nbar: ${await progress.textContent()}\npushes: ${state}`);
      });
    assert.match((await progress.textContent()) ?? '', /2.*30.*32/);

    const download = page.waitForEvent('download');
    await page.locator('[data-testid^="push-failures-"]').first().click();
    const file = await (await download).path();
    const lines = readFileSync(file, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r\n/);
    assert.equal(lines[0], 'seq,openid,state,errcode,errmsg,msgid,receipt');
    const failed = lines.slice(1).map((line) => line.split(','));
    assert.deepEqual(failed.map((cells) => cells[1]).sort(), [...strangers].sort());
    assert.ok(
      failed.every((cells) => cells[3] === '40003'),
      lines.slice(1, 4).join(' | '),
    );
  });
});
