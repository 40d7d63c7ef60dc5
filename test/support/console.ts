import type { RunningDev } from '@mpstack/cli';
import { demoAccount } from '@mpstack/cli';
import { sendToAccount, textMessage } from '@mpstack/simulators';
import type { Browser, Page } from 'playwright-core';
import { devUrl } from './browser.js';

/** The demo super-admin `mpstack dev` created and printed (`admin / <password>`). */
export function demoAdmin(dev: RunningDev): { username: string; password: string } {
  const line = Object.entries(dev.urls).find(([name]) => name.startsWith('console sign-in'))?.[1];
  const [username, password] = (line ?? '').split(' / ');
  if (username === undefined || password === undefined || password === '') {
    throw new Error(`no demo credentials in ${JSON.stringify(dev.urls)}`);
  }
  return { username, password };
}

/** Signs in on the console's sign-in page as a person does; resolves once the layout shows who is signed in. */
export async function signIn(page: Page, dev: RunningDev, username: string, password: string): Promise<void> {
  await page.goto(devUrl(dev, 'console'));
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.getByTestId('user-menu').waitFor();
}

/** A fresh browser context (its own cookies) at 1440×900 in zh-CN, and its page. */
export async function newConsolePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  return context.newPage();
}

/**
 * Text messages from `openId` to the demo account, sent as WeChat sends them (signed, encrypted
 * with `aesKey`, the simulator's sender); the replies' HTTP statuses and what the user saw.
 */
export async function sendAsWeChat(
  dev: RunningDev,
  openId: string,
  texts: readonly string[],
  aesKey: string = demoAccount.encodingAesKey,
) {
  const url = devUrl(dev, 'webhook');
  const reports = [];
  for (const content of texts) {
    reports.push(
      await sendToAccount({
        url,
        account: { appId: demoAccount.appId, token: demoAccount.token, mode: 'safe', encodingAesKey: aesKey },
        xml: textMessage({ from: openId, to: demoAccount.originalId, content }),
        maxDeliveries: 1,
      }),
    );
  }
  return reports;
}
