import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningDev } from '@mpstack/cli';
import { sampleTemplates } from '@mpstack/simulators';
import type { Page } from 'playwright-core';
import { type BrowserStand, devUrl, startBrowserStand } from '../support/browser.js';
import { demoAdmin, newConsolePage, signIn, wechat } from '../support/console.js';

const followers = ['o_demo_xiaoming_0001', 'o_demo_lihua_0002'];

/**
 * Issue 11's console pages against the real services of `mpstack dev` (admin → business → the
 * WeChat simulator): sync the templates, compose a push with a picked template and see its
 * estimate, check the connection, and mass-send to a tag until its MASSSENDJOBFINISH figures show.
 */
describe('browser: templates, compose estimate, connection check and a mass send (mpstack dev)', function () {
  this.timeout(180_000);
  let stand: BrowserStand | undefined;
  let dev: RunningDev;
  let page: Page;
  let dir: string;
  const consoleUrl = () => devUrl(dev, 'console');

  before(async () => {
    stand = await startBrowserStand('mpstack-outui-');
    dev = stand.dev;
    dir = mkdtempSync(join(tmpdir(), 'mpstack-outui-file-'));
    page = await newConsolePage(stand.browser);
    const { username, password } = demoAdmin(dev);
    await signIn(page, dev, username, password);
  });
  after(async () => {
    await stand?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs the templates from WeChat and shows each one with its fields', async () => {
    const template = sampleTemplates[0];
    if (template === undefined) throw new Error('no sample template');
    await page.goto(`${consoleUrl()}outbound/templates`);
    await page.getByTestId('templates-synced-at').getByText('尚未从微信同步过模板').waitFor();
    await page.getByTestId('templates-sync').click();
    const fields = page.getByTestId(`template-fields-${template.templateId}`);
    await fields.waitFor();
    assert.match((await fields.textContent()) ?? '', /first.*keyword1.*remark/);
    assert.match((await page.getByTestId('templates-synced-at').textContent()) ?? '', /3 个模板/);
  });

  it('composes a push by picking a template: its fields laid out, and the estimate after the upload', async () => {
    const template = sampleTemplates[0];
    if (template === undefined) throw new Error('no sample template');
    await page.goto(`${consoleUrl()}outbound/pushes`);
    await page.getByTestId('push-compose').click();
    await page.getByTestId('push-name').fill('模板选择');
    await page.getByTestId('push-template').click();
    await page.locator('.ant-select-item-option').filter({ hasText: template.templateId }).click();
    await page.getByTestId('push-template-fields').waitFor();
    const laidOut = await page.getByTestId('push-fields').inputValue();
    assert.deepEqual(
      laidOut.split('\n').map((line) => line.split('=')[0]?.trim()),
      ['first', 'keyword1', 'keyword2', 'keyword3', 'remark'],
    );
    await page
      .getByTestId('push-fields')
      .fill('first = 您好 {{name}}\nkeyword1 = 2026-12\nkeyword2 = 88.00\nkeyword3 = 12-31\nremark = 谢谢');
    const csv = join(dir, 'recipients.csv');
    writeFileSync(csv, `openid,name\n${followers.map((openid, i) => `${openid},用户${i}`).join('\n')}\n`);
    await page.locator('input[type=file]').setInputFiles(csv);
    await page.getByTestId('push-upload').click();
    const estimate = page.getByTestId('push-estimate');
    await estimate.waitFor();
    const text = (await estimate.textContent()) ?? '';
    assert.match(text, /可发送的接收人 2 个/);
    // mpstack dev sets no template rate: the estimate says so; the quota is WeChat's default.
    assert.match(text, /未设置速率限制/);
    assert.match(text, /100000/);
    assert.equal(await page.getByTestId('push-quota-exceeded').count(), 0);
  });

  it('checks the connection: a token through the shared manager and an authenticated call, OK', async () => {
    await page.goto(`${consoleUrl()}outbound/health`);
    await page.getByTestId('health-check').click();
    const result = page.getByTestId('health-check-result');
    await result.waitFor();
    assert.match((await result.textContent()) ?? '', /连接正常/);
    await page.getByTestId('health-token').getByText('可用').waitFor();
    assert.match((await page.getByTestId('quota-getStableAccessToken').textContent()) ?? '', /[1-9]\d* \/ 500,000/);
  });

  it('mass-sends to a tag of the simulator and shows its MASSSENDJOBFINISH figures', async () => {
    const created = await wechat(dev, '/cgi-bin/tags/create', { tag: { name: '浏览器测试' } });
    const tagId = (created.tag as { id: number }).id;
    const tagged = await wechat(dev, '/cgi-bin/tags/members/batchtagging', {
      openid_list: [followers[0]],
      tagid: tagId,
    });
    assert.equal(tagged.errcode, 0, JSON.stringify(tagged));

    await page.goto(`${consoleUrl()}outbound/mass`);
    await page.getByTestId('mass-create').click();
    await page.getByTestId('mass-target').getByText('标签').click();
    await page.getByTestId('mass-tag').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '浏览器测试（1 人）' }).click();
    await page.getByTestId('mass-text').fill('会员日快乐');
    await page.getByTestId('mass-submit').click();
    const counts = page.locator('[data-testid^="mass-counts-"]').first();
    await counts.waitFor({ timeout: 60_000 });
    assert.match((await counts.textContent()) ?? '', /总数 1.*成功 1.*失败 0/);
    assert.equal(await page.locator('[data-testid^="mass-state-"]').first().getAttribute('data-state'), 'finished');
  });
});
