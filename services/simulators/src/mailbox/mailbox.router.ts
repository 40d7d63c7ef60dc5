import { type Request, type Response, Router } from 'express';
import type { Mailbox, StoredMail } from './mailbox-store.js';

const escapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function html(text: string): string {
  return text.replace(/[&<>"']/g, (char) => escapes[char] ?? char);
}

function time(ms: number): string {
  return new Date(ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
}

/** The mail's own HTML runs in a sandboxed frame (no scripts, no same origin) with no network. */
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self' about:; img-src data:";

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title>
<style>
  body { margin: 0 auto; max-width: 960px; padding: 16px; font: 15px/1.5 -apple-system, "PingFang SC",
    "Microsoft YaHei", "Segoe UI", "Noto Sans CJK SC", sans-serif; color: #222; }
  table.mails { border-collapse: collapse; width: 100%; }
  table.mails th, table.mails td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
  table.mails th { color: #666; font-weight: normal; }
  .muted { color: #888; font-size: 13px; }
  .notice { background: #f0f9eb; border: 1px solid #c2e7b0; padding: 6px 10px; border-radius: 4px; }
  .notice.error { background: #fef0f0; border-color: #fbc4c4; }
  pre.text { white-space: pre-wrap; background: #fafafa; border: 1px solid #eee; padding: 10px; }
  iframe { width: 100%; height: 520px; border: 1px solid #eee; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
  dt { color: #666; }
  button { background: #07c160; color: #fff; border: 0; padding: 6px 14px; border-radius: 4px; cursor: pointer; }
  form { display: inline; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function row(mail: StoredMail): string {
  return `<tr><td class="muted">${html(time(mail.receivedAt))}</td><td>${html(mail.from || mail.envelopeFrom)}</td>
<td>${html(mail.envelopeTo.join(', '))}</td><td><a href="/mailbox/${mail.id}">${html(mail.subject || '（无主题）')}</a></td></tr>`;
}

/** `GET /mailbox`: the mails received, newest first. */
export function mailboxPage(mailbox: Mailbox, notice?: { readonly text: string; readonly error: boolean }): string {
  const mails = mailbox.list();
  const button =
    mailbox.sendSummary === undefined
      ? ''
      : `<form method="post" action="/mailbox/send-summary"><button>立即发送今日摘要 (send today's summary now)</button></form>`;
  const list =
    mails.length === 0
      ? '<p class="muted">还没有邮件。平台发送的邮件（如每日摘要）会显示在这里。 (No mail yet.)</p>'
      : `<table class="mails"><tr><th>收到时间</th><th>发件人</th><th>收件人</th><th>主题</th></tr>${mails.map(row).join('\n')}</table>`;
  return page(
    '邮箱 · mpstack simulator',
    `<h1>邮箱 <span class="muted">(mailbox)</span></h1>
<p>模拟器的 SMTP 服务器收到的邮件（仅在内存中，最近 200 封）。 The mails the platform sent to the simulator's SMTP server.
<a href="/">模拟器首页</a></p>
${notice === undefined ? '' : `<p class="notice${notice.error ? ' error' : ''}">${html(notice.text)}</p>`}
<p>${button}</p>
${list}`,
  );
}

/** `GET /mailbox/:id`: one mail — its headers, its text, and its HTML in a sandboxed frame. */
export function messagePage(mail: StoredMail): string {
  const attachments = mail.attachments.length === 0 ? '' : `<dt>附件</dt><dd>${html(mail.attachments.join(', '))}</dd>`;
  return page(
    `${mail.subject || '（无主题）'} · 邮箱`,
    `<p><a href="/mailbox">← 返回邮箱 (back to the mailbox)</a></p>
<h1>${html(mail.subject || '（无主题）')}</h1>
<dl><dt>发件人</dt><dd>${html(mail.from)}</dd><dt>收件人</dt><dd>${html(mail.to)}</dd>
<dt>信封 (envelope)</dt><dd>${html(mail.envelopeFrom)} → ${html(mail.envelopeTo.join(', '))}</dd>
<dt>收到时间</dt><dd>${html(time(mail.receivedAt))}</dd><dt>大小</dt><dd>${mail.bytes} 字节</dd>${attachments}</dl>
${mail.html === undefined ? '' : `<h2>HTML</h2><iframe sandbox="" title="HTML" srcdoc="${html(mail.html)}"></iframe>`}
${mail.text === undefined ? '' : `<h2>纯文本 (text)</h2><pre class="text">${html(mail.text)}</pre>`}`,
  );
}

function summaryOf(mail: StoredMail) {
  return {
    id: mail.id,
    receivedAt: mail.receivedAt,
    from: mail.from,
    to: mail.to,
    envelopeFrom: mail.envelopeFrom,
    envelopeTo: mail.envelopeTo,
    subject: mail.subject,
    bytes: mail.bytes,
  };
}

/**
 * The mailbox: `GET /mailbox` and `GET /mailbox/:id` (pages), `POST /mailbox/send-summary`
 * (asks the log service running beside it for today's summary), and for tests and scripts
 * `GET /_sim/mailbox`, `GET /_sim/mailbox/:id` (JSON) and `DELETE /_sim/mailbox`.
 */
export function createMailboxRouter(deps: { readonly mailbox: Mailbox }): Router {
  const { mailbox } = deps;
  const router = Router();
  const mailOf = (req: Request) => {
    const id = String(req.params['id'] ?? '');
    return /^\d{1,9}$/.test(id) ? mailbox.get(Number(id)) : undefined;
  };
  const sendPage = (res: Response, status: number, body: string) => {
    res.status(status).set('Content-Security-Policy', PAGE_POLICY).type('text/html; charset=utf-8').send(body);
  };

  router.get('/mailbox', (req, res) => {
    const text = typeof req.query['notice'] === 'string' ? req.query['notice'].slice(0, 500) : undefined;
    sendPage(
      res,
      200,
      mailboxPage(mailbox, text === undefined ? undefined : { text, error: req.query['error'] === '1' }),
    );
  });
  router.get('/mailbox/:id', (req, res) => {
    const mail = mailOf(req);
    if (mail === undefined) {
      sendPage(
        res,
        404,
        page('邮箱', '<p>没有这封邮件（可能已被更新的邮件挤出）。 <a href="/mailbox">返回邮箱</a></p>'),
      );
      return;
    }
    sendPage(res, 200, messagePage(mail));
  });
  router.post('/mailbox/send-summary', async (_req, res) => {
    if (mailbox.sendSummary === undefined) {
      res.status(409).json({ error: { code: 'conflict', message: 'no log service runs beside this simulator' } });
      return;
    }
    try {
      const subject = await mailbox.sendSummary();
      res.redirect(303, `/mailbox?notice=${encodeURIComponent(`已发送：${subject}`)}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      res.redirect(303, `/mailbox?error=1&notice=${encodeURIComponent(`发送失败：${message}`)}`);
    }
  });
  router.get('/_sim/mailbox', (_req, res) => {
    res.json({ items: mailbox.list().map(summaryOf) });
  });
  router.get('/_sim/mailbox/:id', (req, res) => {
    const mail = mailOf(req);
    if (mail === undefined) {
      res.status(404).json({ error: { code: 'not_found', message: 'no such mail' } });
      return;
    }
    res.json(mail);
  });
  router.delete('/_sim/mailbox', (_req, res) => {
    mailbox.clear();
    res.status(204).end();
  });
  return router;
}
