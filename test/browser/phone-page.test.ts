import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoAccount, type RunningDev, startDev } from '@mpstack/cli';
import { type Browser, chromium, type Page } from 'playwright-core';

const chromiumPath = '/usr/bin/chromium';
const screenshots = new URL('../../browser/screenshots/', import.meta.url).pathname;

/**
 * The phone page as a person uses it, in headless Chromium, against `mpstack dev` (the
 * embedded default): a keyword gets its passive reply, an unmatched message gets the default
 * reply and later the customer-service message from the slow path, a menu click is answered,
 * sub-menus open and their view / scan buttons push their events.
 */
describe('browser: the phone page of mpstack dev', function () {
  this.timeout(60_000);
  let dev: RunningDev;
  let browser: Browser;
  let page: Page;
  let dataDir: string;

  before(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(`${chromiumPath} is missing: run scripts/ensure-browser.sh (make test does)`);
    }
    dataDir = mkdtempSync(join(tmpdir(), 'mpstack-browser-'));
    dev = await startDev(
      { MPSTACK_DATA_DIR: dataDir, MPSTACK_LOG_LEVEL: 'warn' },
      { ingressPort: 0, simulatorPort: 0 },
    );
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 420, height: 820 } });
    const phoneUrl = Object.entries(dev.urls).find(([name]) => name.startsWith('phone'))?.[1];
    assert.ok(phoneUrl !== undefined);
    await page.goto(phoneUrl);
    await page.waitForFunction("document.getElementById('openid').value !== ''");
  });

  after(async () => {
    await browser?.close();
    await dev?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
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
    const api = dev.urls['WeChat API simulator'];
    assert.ok(api !== undefined);
    const { access_token: token } = (await (
      await fetch(`${api}/cgi-bin/stable_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credential',
          appid: demoAccount.appId,
          secret: demoAccount.appSecret,
        }),
      })
    ).json()) as { access_token: string };
    const created = await fetch(`${api}/cgi-bin/qrcode/create?access_token=${token}`, {
      method: 'POST',
      body: JSON.stringify({ action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: 'campaign-2025' } } }),
    });
    assert.equal(typeof ((await created.json()) as { ticket?: string }).ticket, 'string');
    await page.fill('#openid', 'o_qr_newcomer');
    await page.dispatchEvent('#openid', 'change');
    page.once('dialog', (dialog) => void dialog.accept(dialog.defaultValue()));
    await page.click('#qrscan');
    await page.getByText('扫描二维码（场景 campaign-2025）').waitFor({ timeout: 10_000 });
    await page.getByText('欢迎关注 mpstack 演示号', { exact: false }).last().waitFor({ timeout: 10_000 });
  });
});
