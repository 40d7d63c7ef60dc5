import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningDev, startDev } from '../../src/commands/dev.js';

describe('mpstack dev: the daily summary lands in the simulator’s mailbox', function () {
  this.timeout(60_000);
  let dev: RunningDev | undefined;
  let dataDir: string | undefined;

  after(async () => {
    await dev?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('points the log service’s SMTP at the simulator, prints the mailbox URL and sends today’s summary with --send-summary', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mpstack-dev-mail-'));
    dev = await startDev(
      { MPSTACK_DATA_DIR: dataDir, MPSTACK_LOG_LEVEL: 'warn' },
      { ingressPort: 0, simulatorPort: 0, logPort: 0, adminPort: 0, sendSummary: true },
    );
    const mailboxUrl = dev.urls['mailbox (e-mails the platform sent)'];
    assert.match(mailboxUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/mailbox$/);
    assert.ok(
      dev.notes.some((note) =>
        /today's summary e-mailed \("mpstack 每日摘要 · \d{4}-\d{2}-\d{2}（截至目前）/.test(note),
      ),
      dev.notes.join('\n'),
    );
    const base = (mailboxUrl ?? '').replace(/\/mailbox$/, '');
    const list = (await (await fetch(`${base}/_sim/mailbox`)).json()) as {
      items: { id: number; subject: string; envelopeTo: string[] }[];
    };
    // Started after 08:00 Asia/Shanghai, the schedule also sends yesterday's at once: pick today's.
    const today = list.items.filter((m) => m.subject.includes('（截至目前）'));
    assert.equal(today.length, 1, JSON.stringify(list.items));
    assert.deepEqual(today[0]?.envelopeTo, ['ops@mpstack.local']);
    const mail = (await (await fetch(`${base}/_sim/mailbox/${today[0]?.id}`)).json()) as {
      text: string;
      html: string;
    };
    assert.match(mail.text, /【消息与事件】/);
    assert.match(mail.html, /<h3[^>]*>粉丝<\/h3>/);
    // The page's button asks the log service for another one.
    const page = await (await fetch(mailboxUrl ?? '')).text();
    assert.match(page, /立即发送今日摘要/);
    const sent = await fetch(`${base}/mailbox/send-summary`, { method: 'POST', redirect: 'manual' });
    assert.equal(sent.status, 303);
    assert.match(decodeURIComponent(sent.headers.get('location') ?? ''), /已发送：mpstack 每日摘要/);
    const after = (await (await fetch(`${base}/_sim/mailbox`)).json()) as { items: { subject: string }[] };
    assert.equal(after.items.filter((m) => m.subject.includes('（截至目前）')).length, 2);
  });
});
