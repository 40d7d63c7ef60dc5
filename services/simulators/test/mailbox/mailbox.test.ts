import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Mailbox, type RunningSimulator, startSimulator } from '../../src/index.js';
import { testAccount } from '../helpers.js';

/** A plain SMTP client conversation (no library): each command waits for its reply code. */
async function smtpSend(port: number, from: string, to: readonly string[], message: string): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffer = '';
  const waiting: ((line: string) => void)[] = [];
  const lines: string[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      // A multi-line reply (`250-…`) ends with its `250 …` line.
      if (/^\d{3} /.test(line)) {
        const next = waiting.shift();
        if (next === undefined) lines.push(line);
        else next(line);
      }
    }
  });
  const reply = () =>
    new Promise<string>((resolve) => {
      const ready = lines.shift();
      if (ready !== undefined) resolve(ready);
      else waiting.push(resolve);
    });
  const replies: string[] = [];
  const command = async (text: string) => {
    socket.write(`${text}\r\n`);
    replies.push(await reply());
  };
  replies.push(await reply());
  await command('EHLO test.local');
  await command(`MAIL FROM:<${from}>`);
  for (const address of to) await command(`RCPT TO:<${address}>`);
  await command('DATA');
  // Dot-stuffing: a line starting with '.' gets another.
  await command(`${message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')}\r\n.`);
  await command('QUIT');
  socket.end();
  return replies;
}

const subjectWords = `=?UTF-8?B?${Buffer.from('mpstack 每日摘要 · 2026-12-02').toString('base64')}?=`;
const textQp = Buffer.from('【消息与事件】\n  共 7 条\n.一行以点开头', 'utf8')
  .toString('binary')
  .replace(/[^\x20-\x7e\n]|=/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
const htmlBase64 = Buffer.from('<h2>每日摘要</h2><script>alert(1)</script><p>共 7 条</p>').toString('base64');

const mail = [
  'From: mpstack <mpstack@example.com>',
  'To: ops@example.com',
  `Subject: ${subjectWords}`,
  'Date: Thu, 03 Dec 2026 08:00:01 +0800',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="--b1"',
  '',
  '----b1',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  textQp,
  '----b1',
  'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: base64',
  '',
  htmlBase64,
  '----b1--',
  '',
].join('\n');

describe('the simulator’s mailbox (SMTP server and pages)', () => {
  let sim: RunningSimulator;

  beforeEach(async () => {
    sim = await startSimulator({
      port: 0,
      smtpPort: 0,
      ingressBaseUrl: 'http://127.0.0.1:9',
      accounts: [testAccount()],
    });
  });
  afterEach(() => sim.close());

  it('receives a mail over SMTP and lists it (JSON and the page), then shows it: text, and HTML in a sandboxed frame', async () => {
    const port = sim.smtp?.port ?? 0;
    const replies = await smtpSend(port, 'mpstack@example.com', ['ops@example.com', 'lead@example.com'], mail);
    assert.ok(
      replies.every((r) => /^[23]\d\d /.test(r)),
      replies.join(' | '),
    );
    const list = (await (await fetch(`${sim.url}/_sim/mailbox`)).json()) as {
      items: { id: number; subject: string; envelopeTo: string[]; from: string }[];
    };
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0]?.subject, 'mpstack 每日摘要 · 2026-12-02');
    assert.deepEqual(list.items[0]?.envelopeTo, ['ops@example.com', 'lead@example.com']);
    assert.equal(list.items[0]?.from, 'mpstack <mpstack@example.com>');

    const full = (await (await fetch(`${sim.url}/_sim/mailbox/1`)).json()) as { text: string; html: string };
    assert.equal(full.text, '【消息与事件】\r\n  共 7 条\r\n.一行以点开头');
    assert.match(full.html, /<h2>每日摘要<\/h2>/);

    const index = await fetch(`${sim.url}/mailbox`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const page = await index.text();
    assert.match(page, /<a href="\/mailbox\/1">mpstack 每日摘要 · 2026-12-02<\/a>/);
    assert.match(page, /ops@example\.com, lead@example\.com/);
    assert.ok(!page.includes('立即发送今日摘要'), 'no summary button without a log service beside it');

    const view = await (await fetch(`${sim.url}/mailbox/1`)).text();
    assert.match(view, /<pre class="text">【消息与事件】/);
    assert.match(view, /<iframe sandbox="" title="HTML" srcdoc="&lt;h2&gt;每日摘要&lt;\/h2&gt;&lt;script&gt;/);
    assert.ok(!view.includes('<script>'), 'the mail’s markup never runs in the page');
    assert.equal((await fetch(`${sim.url}/mailbox/99`)).status, 404);
    assert.equal((await fetch(`${sim.url}/mailbox/..%2F..`)).status, 404);

    const home = await (await fetch(`${sim.url}/`)).text();
    assert.match(home, /href="\/mailbox"/);
  });

  it('keeps the newest mails (bounded), refuses an oversized one (552) and empties on DELETE', async () => {
    const port = sim.smtp?.port ?? 0;
    for (let i = 0; i < 3; i += 1)
      await smtpSend(port, 'a@example.com', ['b@example.com'], `Subject: n${i}\n\nbody ${i}\n`);
    const big = `Subject: big\n\n${'x'.repeat(998)}\n`.repeat(2200);
    const replies = await smtpSend(port, 'a@example.com', ['b@example.com'], big);
    assert.ok(
      replies.some((r) => r.startsWith('552')),
      replies.join(' | '),
    );
    const list = (await (await fetch(`${sim.url}/_sim/mailbox`)).json()) as { items: { subject: string }[] };
    assert.deepEqual(
      list.items.map((m) => m.subject),
      ['n2', 'n1', 'n0'],
    );
    const small = new Mailbox({ capacity: 2 });
    for (const n of [1, 2, 3]) small.receive(Buffer.from(`Subject: m${n}\r\n\r\nx`), { from: 'a@x', to: ['b@x'] });
    assert.deepEqual(
      small.list().map((m) => [m.id, m.subject]),
      [
        [3, 'm3'],
        [2, 'm2'],
      ],
    );
    assert.equal((await fetch(`${sim.url}/_sim/mailbox`, { method: 'DELETE' })).status, 204);
    assert.equal(((await (await fetch(`${sim.url}/_sim/mailbox`)).json()) as { items: unknown[] }).items.length, 0);
  });

  it('sends today’s summary from the page when a log service runs beside it', async () => {
    assert.equal((await fetch(`${sim.url}/mailbox/send-summary`, { method: 'POST' })).status, 409);
    let calls = 0;
    sim.mailbox.sendSummary = async () => {
      calls += 1;
      if (calls === 2) throw new Error('SMTP down');
      return 'mpstack 每日摘要 · 2026-12-03（截至目前）';
    };
    assert.match(await (await fetch(`${sim.url}/mailbox`)).text(), /立即发送今日摘要/);
    const sent = await fetch(`${sim.url}/mailbox/send-summary`, { method: 'POST', redirect: 'manual' });
    assert.equal(sent.status, 303);
    const notice = await (await fetch(new URL(sent.headers.get('location') ?? '', sim.url))).text();
    assert.match(notice, /<p class="notice">已发送：mpstack 每日摘要 · 2026-12-03（截至目前）<\/p>/);
    const failed = await fetch(`${sim.url}/mailbox/send-summary`, { method: 'POST', redirect: 'manual' });
    const error = await (await fetch(new URL(failed.headers.get('location') ?? '', sim.url))).text();
    assert.match(error, /<p class="notice error">发送失败：SMTP down<\/p>/);
  });
});
