import assert from 'node:assert/strict';
import type { RunningDev } from '@mpstack/cli';
import { demoAccount } from '@mpstack/cli';
import { until } from '@mpstack/testkit';
import type { Page } from 'playwright-core';
import { type BrowserStand, devUrl, startBrowserStand } from '../support/browser.js';
import { demoAdmin, newConsolePage, signIn } from '../support/console.js';

const wrote = 'o_demo_xiaoming_0001';
const silent = 'o_demo_lihua_0002';

interface ChatEntry {
  readonly from: string;
  readonly via?: string;
  readonly body?: {
    msgtype?: string;
    text?: { content?: string };
    msgmenu?: { head_content?: string; list?: { id: string; content: string }[]; tail_content?: string };
  };
}

/** The follower's conversation at the simulator (what WeChat delivered). */
async function chat(dev: RunningDev, openId: string): Promise<readonly ChatEntry[]> {
  const base = devUrl(dev, 'WeChat API simulator');
  const answer = (await (await fetch(`${base}/_sim/accounts/${demoAccount.id}/chat/${openId}`)).json()) as {
    entries: ChatEntry[];
  };
  return answer.entries;
}

const kefuTexts = async (dev: RunningDev, openId: string) =>
  (await chat(dev, openId)).flatMap((e) => (e.via === 'kefu' && e.body?.text?.content ? [e.body.text.content] : []));

/**
 * The customer-service page against the real services of `mpstack dev` (admin → business → the
 * WeChat simulator): a follower who wrote to the account (through the simulator's phone and the
 * ingress, which opens the 48-hour window) gets the operator's text; one who never wrote is
 * refused here with 45015 and the reason, and WeChat receives nothing.
 */
describe('browser: customer-service messages (mpstack dev)', function () {
  this.timeout(180_000);
  let stand: BrowserStand | undefined;
  let dev: RunningDev;
  let page: Page;
  const consoleUrl = () => devUrl(dev, 'console');

  const statuses = () => page.locator('[data-testid^="kefu-status-"]');
  /**
   * Opens the page and waits until its list shows the account's sends: the form appears with the
   * account, before the list's first answer — a count taken then is 0, and the list's arrival
   * (the dev slow path's sends) passed for the new send. The table shows 10 rows a page.
   */
  const open = async () => {
    const listed = page.waitForResponse(
      (r) => r.url().includes('/kefu-sends?account=') && r.request().method() === 'GET',
      { timeout: 30_000 },
    );
    await page.goto(`${consoleUrl()}outbound/kefu`);
    await page.getByTestId('kefu-submit').waitFor();
    const { sends } = (await (await listed).json()) as { sends: unknown[] };
    await until(async () => (await statuses().count()) === Math.min(sends.length, 10), 10_000, 'the list shown', 100);
  };
  /** Waits for the newest send to settle; its status. */
  const settled = () =>
    until(
      async () => {
        const status = await statuses().first().getAttribute('data-status');
        return status === 'sent' || status === 'failed' || status === 'unknown' ? status : undefined;
      },
      30_000,
      'the customer-service send settled',
      200,
    );
  /** Sends from the form and waits for the send's row (the list's newest) to settle; its status. */
  const send = async (openId: string, text: string) => {
    const before = await statuses().count();
    await page.getByTestId('kefu-openid').fill(openId);
    await page.getByTestId('kefu-text').fill(text);
    await page.getByTestId('kefu-submit').click();
    await until(async () => (await statuses().count()) === before + 1, 10_000, 'the send listed', 100);
    return until(
      async () => {
        const status = await statuses().first().getAttribute('data-status');
        return status === 'sent' || status === 'failed' || status === 'unknown' ? status : undefined;
      },
      30_000,
      'the customer-service send settled',
      200,
    );
  };

  before(async () => {
    stand = await startBrowserStand('mpstack-kefuui-');
    dev = stand.dev;
    // The follower writes to the account as from the phone: WeChat (the simulator) and the
    // ingress both see it; the dev slow path's own customer-service answer shows it was handled.
    const phone = await fetch(`${devUrl(dev, 'WeChat API simulator')}/phone/api/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: demoAccount.id, openid: wrote, action: 'text', content: '请问有人工客服吗' }),
    });
    assert.equal(phone.status, 200, await phone.text());
    await until(async () => (await kefuTexts(dev, wrote)).length > 0, 30_000, 'the slow path answered', 100);
    page = await newConsolePage(stand.browser);
    const { username, password } = demoAdmin(dev);
    await signIn(page, dev, username, password);
  });
  after(async () => {
    await stand?.close();
  });

  it('a follower who never wrote: failed 45015 with the reason shown, nothing reaches WeChat', async () => {
    await open();
    assert.equal(await send(silent, '您好，您的工单已处理'), 'failed');
    assert.match((await statuses().first().textContent()) ?? '', /失败 45015/);
    const reason = page.locator('[data-testid^="kefu-reason-"]').first();
    assert.match((await reason.textContent()) ?? '', /48 小时内未与公众号互动.*45015/);
    assert.deepEqual(await kefuTexts(dev, silent), []);
  });

  it('a follower who wrote: the text reaches WeChat and the send shows sent', async () => {
    const status = await send(wrote, '您好，这里是人工客服，请问有什么可以帮您？');
    assert.equal(status, 'sent', (await page.locator('.ant-table-row').first().textContent()) ?? '');
    assert.ok((await kefuTexts(dev, wrote)).includes('您好，这里是人工客服，请问有什么可以帮您？'));
    // Filtered by the follower: only their sends — the dev slow path's answer to their message
    // (it goes through the business service too) and the operator's.
    await page.getByTestId('kefu-filter').locator('input').fill(wrote);
    await page.getByTestId('kefu-filter').locator('input').press('Enter');
    await until(async () => (await statuses().count()) === 2, 10_000, 'the list filtered by openid', 100);
    const rows = (await page.locator('.ant-table-row').allTextContents()).join(' | ');
    assert.ok(!rows.includes(silent), rows);
  });
  it('a menu message (msgmenu) composed in the form reaches WeChat with its options', async () => {
    await open();
    const before = await statuses().count();
    await page.getByTestId('kefu-openid').fill(wrote);
    await page.locator('label', { hasText: '菜单消息' }).click();
    await page.getByTestId('kefu-headContent').fill('您对本次服务满意吗？');
    await page.getByTestId('kefu-menu-id-0').fill('101');
    await page.getByTestId('kefu-menu-content-0').fill('满意');
    await page.getByTestId('kefu-menu-add').click();
    await page.getByTestId('kefu-menu-id-1').fill('102');
    await page.getByTestId('kefu-menu-content-1').fill('不满意');
    await page.getByTestId('kefu-tailContent').fill('欢迎再次光临');
    await page.getByTestId('kefu-submit').click();
    await until(async () => (await statuses().count()) === before + 1, 10_000, 'the send listed', 100);
    assert.equal(await settled(), 'sent', (await page.locator('.ant-table-row').first().textContent()) ?? '');
    assert.match((await page.locator('.ant-table-row').first().textContent()) ?? '', /msgmenu/);
    const menus = (await chat(dev, wrote)).filter((e) => e.via === 'kefu' && e.body?.msgtype === 'msgmenu');
    assert.deepEqual(
      menus.map((e) => e.body?.msgmenu),
      [
        {
          head_content: '您对本次服务满意吗？',
          tail_content: '欢迎再次光临',
          list: [
            { id: '101', content: '满意' },
            { id: '102', content: '不满意' },
          ],
        },
      ],
    );
  });

  it('a mini program page the business service refuses: its reason names the field, nothing is queued', async () => {
    const before = await statuses().count();
    await page.locator('label', { hasText: '小程序卡片' }).click();
    await page.getByTestId('kefu-title').fill('订单详情');
    await page.getByTestId('kefu-appid').fill('wx123');
    await page.getByTestId('kefu-pagepath').fill('pages/order/index');
    await page.getByTestId('kefu-thumbMediaId').fill('thumb-1');
    await page.getByTestId('kefu-submit').click();
    const toast = page.locator('.ant-message-notice', { hasText: 'AppID' });
    await toast.waitFor({ timeout: 10_000 });
    assert.match((await toast.textContent()) ?? '', /not a mini program AppID \(message\.miniprogrampage\.appid\)/);
    assert.equal(await statuses().count(), before, 'nothing queued');
  });
});
