import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDev } from '@mpstack/cli';
import { demoAccount } from '@mpstack/cli';
import { sendToAccount, subscribeEvent, textMessage, unsubscribeEvent } from '@mpstack/simulators';
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

/** A state-changing call of the admin API with the page's session (its cookie and CSRF token); `base` is the console's URL. */
export async function adminCall(page: Page, base: string, method: 'POST' | 'PATCH', path: string, data: unknown) {
  const session = (await (await page.request.get(`${base}api/session`)).json()) as { csrfToken: string };
  const origin = new URL(base).origin;
  const response = await page.request.fetch(`${base}api${path}`, {
    method,
    data,
    headers: { 'x-csrf-token': session.csrfToken, origin },
  });
  if (!response.ok()) throw new Error(`${method} ${path}: ${response.status()} ${await response.text()}`);
}

/** A fresh browser context (its own cookies) at 1440×900 in zh-CN, and its page. */
export async function newConsolePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  return context.newPage();
}

/** Messages to the demo account, delivered as WeChat delivers them (signed, encrypted with `aesKey`, the simulator's sender). */
export async function deliver(dev: RunningDev, xmls: readonly string[], aesKey: string = demoAccount.encodingAesKey) {
  const url = devUrl(dev, 'webhook');
  const reports = [];
  for (const xml of xmls) {
    reports.push(
      await sendToAccount({
        url,
        account: { appId: demoAccount.appId, token: demoAccount.token, mode: 'safe', encodingAesKey: aesKey },
        xml,
        maxDeliveries: 1,
      }),
    );
  }
  return reports;
}

/** Text messages from `openId` to the demo account, as WeChat sends them. */
export function sendTexts(dev: RunningDev, openId: string, texts: readonly string[], aesKey?: string) {
  const to = demoAccount.originalId;
  return deliver(
    dev,
    texts.map((content) => textMessage({ from: openId, to, content })),
    aesKey,
  );
}

/**
 * A morning of a carrier's account, in small: followers from QR codes and search, a few keyword
 * questions and free text, one unfollow — what the screenshots show.
 */
export async function demoTraffic(dev: RunningDev): Promise<void> {
  const to = demoAccount.originalId;
  const users = Array.from({ length: 12 }, (_, i) => `o_demo_user_${String(i + 1).padStart(4, '0')}`);
  const scenes = ['store-beijing', 'store-beijing', 'poster-5g', undefined, 'store-shanghai', undefined];
  const texts = ['话费', '流量', '活动', '话费', '我想办理宽带', '流量', '话费', '套餐怎么改', '流量包', '话费'];
  const xmls: string[] = [];
  users.forEach((from, i) => {
    const scene = scenes[i % scenes.length];
    xmls.push(subscribeEvent({ from, to, ...(scene === undefined ? {} : { scene }) }));
    xmls.push(textMessage({ from, to, content: texts[i % texts.length] ?? '话费' }));
    if (i % 3 === 0) xmls.push(textMessage({ from, to, content: texts[(i + 4) % texts.length] ?? '流量' }));
  });
  xmls.push(unsubscribeEvent({ from: users[5] ?? 'o_demo_user_0006', to }));
  await deliver(dev, xmls);
}

/** A WeChat API call to the dev simulator as another tool of the account's would make it (stable_token: no token superseded). */
export async function wechat(dev: RunningDev, path: string, body: unknown): Promise<Record<string, unknown>> {
  const base = devUrl(dev, 'WeChat API simulator');
  const token = (await (
    await fetch(`${base}/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid: demoAccount.appId,
        secret: demoAccount.appSecret,
        force_refresh: false,
      }),
    })
  ).json()) as { access_token: string };
  const response = await fetch(`${base}${path}?access_token=${token.access_token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

/**
 * Opens the console's push composer at `base` and fills it as the push journeys do: the name
 * 账单提醒 12 月, the template `templateId` with its fields from the file's `name` and `amount`
 * columns, and a CSV of `openIds` (written in `dir`) chosen — not uploaded yet.
 */
export async function composePush(
  page: Page,
  base: string,
  dir: string,
  templateId: string,
  openIds: readonly string[],
): Promise<void> {
  await page.goto(`${base}outbound/pushes`);
  await page.getByTestId('push-compose').click();
  await page.getByTestId('push-name').fill('账单提醒 12 月');
  await page.getByTestId('push-template').click();
  await page.locator('.ant-select-item-option').filter({ hasText: templateId }).click();
  await page
    .getByTestId('push-fields')
    .fill('first = 您好 {{name}}\nkeyword1 = 2026-12\nkeyword2 = {{amount}}\nkeyword3 = 12-31\nremark = 谢谢');
  const csv = join(dir, 'recipients.csv');
  const rows = openIds.map((openid, i) => `${openid},用户${i},${i + 10}.00`);
  writeFileSync(csv, `openid,name,amount\n${rows.join('\n')}\n`);
  await page.locator('input[type=file]').setInputFiles(csv);
}
