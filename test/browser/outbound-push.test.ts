import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningDev } from '@mpstack/cli';
import { sampleTemplates } from '@mpstack/simulators';
import { until } from '@mpstack/testkit';
import type { Page } from 'playwright-core';
import { type BrowserStand, devUrl, startBrowserStand } from '../support/browser.js';
import { composePush, demoAdmin, newConsolePage, signIn } from '../support/console.js';

/** The demo account's two followers (the simulator knows them) and openids WeChat does not know (40003). */
const followers = ['o_demo_xiaoming_0001', 'o_demo_lihua_0002'];
const strangers = Array.from({ length: 30 }, (_, i) => `o_unknown_follower_${String(i).padStart(4, '0')}`);

/** The dashboard's outbound figures (the Statistic values the page shows). */
const outboundFigureIds = [
  'sends-sent',
  'sends-failed',
  'sends-refused',
  'receipts-success',
  'receipts-user-block',
] as const;
type OutboundFigures = Record<(typeof outboundFigureIds)[number], number>;

async function outboundFigures(page: Page): Promise<OutboundFigures> {
  const figures = {} as OutboundFigures;
  for (const id of outboundFigureIds) {
    const value = page.locator(`[data-testid="figure-${id}"] .ant-statistic-content-value`);
    await value.waitFor();
    figures[id] = Number(await value.textContent());
  }
  return figures;
}

/**
 * Issue 11's console journey against the real services of `mpstack dev` (admin → business →
 * the WeChat simulator): the demo super-admin uploads a push file, starts it, watches the
 * progress bar reach 100 % and downloads the failure report; the dashboard's sends and receipt
 * outcomes move by what the push did.
 */
describe('browser: a template push from the console (mpstack dev)', function () {
  this.timeout(180_000);
  let stand: BrowserStand | undefined;
  let dev: RunningDev;
  let page: Page;
  let dir: string;
  /** The dashboard's outbound figures before the push. */
  let figuresBefore: OutboundFigures;

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
    await page.goto(devUrl(dev, 'console'));
    figuresBefore = await outboundFigures(page);
    // The compose page picks from the synced library.
    await page.goto(`${devUrl(dev, 'console')}outbound/templates`);
    await page.getByTestId('templates-sync').click();
    await page.getByTestId(`template-fields-${template.templateId}`).waitFor();
    await composePush(page, devUrl(dev, 'console'), dir, template.templateId, [...followers, ...strangers]);
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

    // mpstack dev sends the finish e-mail to the simulator's mailbox, with the push's figures.
    const mailbox = `${devUrl(dev, 'WeChat API simulator')}/_sim/mailbox`;
    const mail = await until(
      async () => {
        const { items } = (await (await fetch(mailbox)).json()) as {
          items: { subject: string; envelopeTo: string[] }[];
        };
        return items.find((item) => item.subject.includes('账单提醒 12 月'));
      },
      20_000,
      'the push e-mail in the mailbox',
    );
    assert.match(mail.subject, /^\[mpstack\] push #\d+ 账单提醒 12 月: 2 sent, 30 failed$/);
    assert.deepEqual(mail.envelopeTo, ['ops@mpstack.local']);
  });

  it('moves the dashboard: 2 sent and 30 failed (40003) template sends, 2 delivered receipts, live', async () => {
    await page.goto(devUrl(dev, 'console'));
    await page.evaluate('window.journeyMark = 11');
    const expected = `(() => {
      const value = (id) => Number(document.querySelector('[data-testid="figure-' + id + '"] .ant-statistic-content-value')?.textContent);
      return value('sends-sent') >= ${figuresBefore['sends-sent'] + 2} && value('sends-failed') >= ${figuresBefore['sends-failed'] + 30}
        && value('receipts-success') >= ${figuresBefore['receipts-success'] + 2};
    })()`;
    // The page refreshes itself every 5 s; the log service writes the events' rollups as they come.
    await page.waitForFunction(expected, undefined, { timeout: 60_000 }).catch(async (error: unknown) => {
      throw new Error(
        `${String(error)}\nbefore: ${JSON.stringify(figuresBefore)}\nnow: ${JSON.stringify(await outboundFigures(page))}`,
      );
    });
    assert.equal(await page.evaluate('window.journeyMark'), 11, 'the page was not reloaded');
    const after = await outboundFigures(page);
    assert.deepEqual(
      {
        sent: after['sends-sent'] - figuresBefore['sends-sent'],
        failed: after['sends-failed'] - figuresBefore['sends-failed'],
        refused: after['sends-refused'] - figuresBefore['sends-refused'],
        delivered: after['receipts-success'] - figuresBefore['receipts-success'],
        blocked: after['receipts-user-block'] - figuresBefore['receipts-user-block'],
      },
      { sent: 2, failed: 30, refused: 0, delivered: 2, blocked: 0 },
    );
    const failures = page.getByTestId('top-failures');
    await failures.waitFor();
    assert.match((await failures.textContent()) ?? '', /模板消息.*40003.*30/);
    await page.getByTestId('chart-sends').locator('canvas').waitFor();
    await page.getByTestId('chart-receipts').locator('canvas').waitFor();
  });
});
