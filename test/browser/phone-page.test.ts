import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { demoUsers, type RunningDev } from '@mpstack/cli';
import type { Page } from 'playwright-core';
import { type BrowserStand, devUrl, startBrowserStand } from '../support/browser.js';
import { wechat } from '../support/console.js';

const screenshots = new URL('../../browser/screenshots/', import.meta.url).pathname;

/**
 * The phone page as a person uses it, in headless Chromium, against `mpstack dev` (the
 * embedded default): a keyword gets its passive reply, an unmatched message gets the default
 * reply and later the customer-service message from the slow path, a menu click is answered,
 * sub-menus open and their view / scan buttons push their events; each user sees only their
 * own conversation, whole after a reload; 人工客服 shows the transfer; a user who unfollowed is
 * offered 关注 instead of the composer; an empty openid gets a Chinese hint that fits the page.
 */
describe('browser: the phone page of mpstack dev', function () {
  this.timeout(60_000);
  let dev: RunningDev;
  let stand: BrowserStand | undefined;
  let page: Page;

  before(async () => {
    stand = await startBrowserStand('mpstack-browser-');
    dev = stand.dev;
    page = await stand.browser.newPage({ viewport: { width: 420, height: 820 } });
    await page.goto(devUrl(dev, 'phone'));
    await page.waitForFunction("document.getElementById('openid').value !== ''");
  });

  after(async () => {
    await stand?.close();
  });

  async function send(text: string): Promise<void> {
    await page.fill('#content', text);
    await page.click('button.send');
  }

  it('a keyword gets its passive reply in a bubble', async () => {
    await send('话费');
    await page.getByText('您本月话费 58.00 元，余额 88.88 元 📱').waitFor({ timeout: 10_000 });
  });

  it('an unmatched message gets the default reply, then the slow path answers through customer service', async () => {
    await send('我想办理宽带 😀𠮷');
    await page.getByText('收到，正在为您处理…').last().waitFor({ timeout: 10_000 });
    await page.getByText('（业务处理）已收到「我想办理宽带 😀𠮷」', { exact: false }).waitFor({ timeout: 15_000 });
  });

  it('the menu created through the API is shown and a click is answered', async () => {
    await page.getByRole('button', { name: '查账单' }).click();
    await page.getByText('点击了「查账单」菜单 🧾').waitFor({ timeout: 10_000 });
  });

  it('a button with sub-buttons opens its list; a view button pushes VIEW, a scan button asks for the code', async () => {
    const view = page.getByRole('menuitem', { name: '流量红包' });
    assert.equal(await view.isVisible(), false, 'the list is closed until its button is tapped');
    await page.getByRole('button', { name: '更多' }).click();
    await view.waitFor({ state: 'visible' });
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'phone.png') });
    await view.click();
    assert.equal(await view.isVisible(), false, 'the list closes after a tap');
    await page.getByText('打开 https://example.com/activity').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: '更多' }).click();
    page.once('dialog', (dialog) => void dialog.accept('https://mpstack.dev/qr/42'));
    await page.getByRole('menuitem', { name: '扫码办理' }).click();
    await page.getByText('扫一扫「扫码办理」：https://mpstack.dev/qr/42').waitFor({ timeout: 10_000 });
    const notes = await page.locator('.note').allTextContents();
    const deliveries = notes.filter((text) => text.startsWith('deliveries:'));
    assert.ok(deliveries.length >= 2);
    for (const line of deliveries.slice(-2))
      assert.match(line, /^deliveries: 200 /, 'the ingress acknowledged both events');
  });

  it('a new user scanning a parametric QR code follows the account and gets the welcome reply', async () => {
    const created = await wechat(dev, '/cgi-bin/qrcode/create', {
      action_name: 'QR_STR_SCENE',
      action_info: { scene: { scene_str: 'campaign-2025' } },
    });
    assert.equal(typeof created['ticket'], 'string');
    await page.fill('#openid', 'o_qr_newcomer');
    await page.dispatchEvent('#openid', 'change');
    page.once('dialog', (dialog) => void dialog.accept(dialog.defaultValue()));
    await page.click('#qrscan');
    await page.getByText('扫描二维码（场景 campaign-2025）').waitFor({ timeout: 10_000 });
    await page.getByText('欢迎关注 mpstack 演示号', { exact: false }).last().waitFor({ timeout: 10_000 });
  });

  async function switchTo(openid: string): Promise<void> {
    await page.fill('#openid', openid);
    await page.dispatchEvent('#openid', 'change');
  }

  /** The texts of the chat's bubbles and lines, top to bottom. */
  function chatTexts(): Promise<string[]> {
    return page.locator('#chat .bubble, #chat .note, #chat .card b').allTextContents();
  }

  function assertInOrder(texts: readonly string[], expected: readonly string[]): void {
    let from = 0;
    for (const wanted of expected) {
      const at = texts.findIndex((text, index) => index >= from && text.includes(wanted));
      assert.ok(at >= 0, `"${wanted}" after position ${from} in ${JSON.stringify(texts)}`);
      from = at + 1;
    }
  }

  it('switching user shows only that user’s conversation; a reload brings the whole conversation back, in order', async () => {
    const [xiaoming, lihua] = demoUsers;
    await switchTo(lihua.openid);
    await page.locator('#composer').waitFor({ state: 'visible' });
    assert.equal(await page.getByText('您本月话费 58.00 元', { exact: false }).count(), 0, 'the previous chat is gone');
    await send('流量');
    await page.getByText('本月已用流量 3.2 GB', { exact: false }).waitFor({ timeout: 10_000 });
    await switchTo(xiaoming.openid);
    await page.getByText('您本月话费 58.00 元', { exact: false }).waitFor({ timeout: 10_000 });
    assert.equal(await page.getByText('本月已用流量', { exact: false }).count(), 0, 'not the other user’s chat');

    await page.reload();
    await page.getByText('（业务处理）已收到「我想办理宽带 😀𠮷」', { exact: false }).waitFor({ timeout: 10_000 });
    assertInOrder(await chatTexts(), [
      '话费',
      '您本月话费 58.00 元',
      '我想办理宽带 😀𠮷',
      '收到，正在为您处理…',
      '（业务处理）已收到「我想办理宽带 😀𠮷」',
      '点击菜单「查账单」',
      '点击了「查账单」菜单 🧾',
    ]);
  });

  it('人工客服 shows the transfer to customer service', async () => {
    await page.getByRole('button', { name: '人工客服' }).click();
    await page.getByText('点击菜单「人工客服」').last().waitFor({ timeout: 10_000 });
    await page.getByText('已为你转接人工客服，请稍候').last().waitFor({ timeout: 10_000 });
  });

  it('a user who unfollowed cannot write: the page offers 关注, and following brings the composer back', async () => {
    await page.getByRole('button', { name: '取消关注' }).click();
    await page.getByText('你已取消关注这个公众号，重新关注后才能发消息').waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#composer').isVisible(), false, 'no composer for a user who unfollowed');
    assert.equal(await page.locator('#menu').isVisible(), false, 'no menu either');
    await page.getByRole('button', { name: '关注公众号' }).click();
    await page.getByText('欢迎关注 mpstack 演示号', { exact: false }).last().waitFor({ timeout: 10_000 });
    await page.locator('#composer').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#follow').isVisible(), false);
  });

  it('an empty openid gets a Chinese hint that fits on the page, and nothing is sent', async () => {
    await switchTo('');
    const hint = page.locator('#hint');
    await hint.waitFor({ state: 'visible' });
    assert.equal(await hint.textContent(), '请先填写用户 openid（用户在这个公众号下的标识）');
    const box = await hint.boundingBox();
    assert.ok(box !== null && box.x >= 0 && box.x + box.width <= 420, `the hint fits: ${JSON.stringify(box)}`);
    const overflows = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    assert.equal(overflows, false, 'nothing runs off the page');
    assert.equal(await page.locator('#chat > *').count(), 0);
    await switchTo('o bad<openid>');
    await page.getByText('openid 只能包含字母、数字、_ 和 -，最长 64 个字符').waitFor();
  });
});
