// `make screenshots`: the console's main pages at 1440×900 in zh-CN, as the README shows them, taken
// from `mpstack dev`'s real services after a little traffic sent as WeChat sends it. Writes
// docs/images/console-*.png. Not a test (mocha runs *.test.js only).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningDev } from '@mpstack/cli';
import { demoAccount } from '@mpstack/cli';
import { sampleTemplates } from '@mpstack/simulators';
import type { Page } from 'playwright-core';
import { devUrl, startBrowserStand } from '../support/browser.js';
import { adminCall, composePush, demoAdmin, demoTraffic, newConsolePage, signIn, wechat } from '../support/console.js';

const out = new URL('../../../docs/images/', import.meta.url).pathname;

/** The simulator's followers of the demo account; the strangers are openids WeChat does not know (40003). */
const followers = ['o_demo_xiaoming_0001', 'o_demo_lihua_0002'];
const strangers = Array.from({ length: 6 }, (_, i) => `o_unknown_follower_${String(i).padStart(4, '0')}`);

/** `fullPage`: the whole page, not the 900 px of the viewport (the dashboard's outbound half is below). */
async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.waitForLoadState('networkidle');
  // Let the charts finish their entry animation.
  await page.waitForTimeout(1200);
  await page.screenshot({ path: join(out, `console-${name}.png`), fullPage });
  process.stdout.write(`docs/images/console-${name}.png\n`);
}

/**
 * The outbound pages with something on them: the synced templates, a push of the two followers
 * and a few strangers run to 100 %, the connection check, a mass send to a tag until its
 * MASSSENDJOBFINISH figures show, and customer-service texts to a follower who wrote and one
 * who did not (45015). Their sends and receipts fill the dashboard's outbound panels.
 */
async function outbound(page: Page, dev: RunningDev, base: string): Promise<void> {
  const template = sampleTemplates[0];
  if (template === undefined) throw new Error('no sample template');
  await page.goto(`${base}outbound/templates`);
  await page.getByTestId('templates-sync').click();
  await page.getByTestId(`template-fields-${template.templateId}`).waitFor();
  await shoot(page, 'templates');

  const dir = mkdtempSync(join(tmpdir(), 'mpstack-screenshots-'));
  try {
    await composePush(page, base, dir, template.templateId, [...followers, ...strangers]);
    await page.getByTestId('push-upload').click();
    await page.getByTestId('push-report').waitFor();
    await page.getByTestId('push-start').click();
    await page
      .locator('[data-testid^="push-progress-"]')
      .first()
      .and(page.locator('[data-percent="100"]'))
      .waitFor({ timeout: 60_000 });
    await shoot(page, 'pushes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const created = await wechat(dev, '/cgi-bin/tags/create', { tag: { name: '会员' } });
  const tagId = (created.tag as { id: number }).id;
  await wechat(dev, '/cgi-bin/tags/members/batchtagging', { openid_list: followers, tagid: tagId });
  await page.goto(`${base}outbound/mass`);
  await page.getByTestId('mass-create').click();
  await page.getByTestId('mass-target').getByText('标签').click();
  await page.getByTestId('mass-tag').click();
  await page.locator('.ant-select-item-option').filter({ hasText: '会员（2 人）' }).click();
  await page.getByTestId('mass-text').fill('会员日快乐：本周六全场流量包五折');
  await page.getByTestId('mass-submit').click();
  await page.locator('[data-testid^="mass-counts-"]').first().waitFor({ timeout: 60_000 });
  await shoot(page, 'mass');

  await page.goto(`${base}outbound/health`);
  await page.getByTestId('health-check').click();
  await page.getByTestId('health-check-result').waitFor();
  await shoot(page, 'health');

  // The follower writes from the phone first (the 48-hour window opens); the other never wrote.
  const phone = await fetch(`${devUrl(dev, 'WeChat API simulator')}/phone/api/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      account: demoAccount.id,
      openid: followers[0],
      action: 'text',
      content: '请问有人工客服吗',
    }),
  });
  if (!phone.ok) throw new Error(`phone send: ${phone.status} ${await phone.text()}`);
  await page.goto(`${base}outbound/kefu`);
  const statuses = page.locator('[data-testid^="kefu-status-"]');
  for (const [openId, text] of [
    [followers[1], '您好，您的工单已处理'],
    [followers[0], '您好，这里是人工客服，请问有什么可以帮您？'],
  ] as const) {
    const before = await statuses.count();
    await page.getByTestId('kefu-openid').fill(openId ?? '');
    await page.getByTestId('kefu-text').fill(text);
    await page.getByTestId('kefu-submit').click();
    await page.waitForFunction(
      `document.querySelectorAll('[data-testid^="kefu-status-"]').length > ${before} &&
        ['sent', 'failed', 'unknown'].includes(document.querySelector('[data-testid^="kefu-status-"]')?.getAttribute('data-status'))`,
      undefined,
      { timeout: 30_000 },
    );
  }
  // The "submitted" notices gone.
  await page.locator('.ant-message-notice').first().waitFor({ state: 'detached', timeout: 10_000 });
  await shoot(page, 'kefu');
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

    await outbound(page, dev, base);

    // The dashboard refreshes itself; wait until the log service's rollups show the traffic and the sends.
    await page.goto(base);
    const figure = (id: string) =>
      `Number(document.querySelector('[data-testid="figure-${id}"] .ant-statistic-content-value')?.textContent) > 0`;
    await page.waitForFunction(
      `${figure('messages')} && ${figure('sends-sent')} && ${figure('receipts-success')}`,
      undefined,
      {
        timeout: 60_000,
      },
    );
    await shoot(page, 'dashboard', true);

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
