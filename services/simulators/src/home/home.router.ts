import { type Request, type Response, Router } from 'express';
import type { AccountDirectory } from '../accounts.js';
import type { RouteInfo } from '../http/routes.js';
import { callbackUrlOf, originalIdOf, type SimAccount, type SimTemplate } from '../types.js';

/** A group of endpoints the index lists under one heading. */
export interface EndpointGroup {
  readonly title: string;
  readonly routes: readonly RouteInfo[];
}

export interface HomeRouterDeps {
  readonly accounts: AccountDirectory;
  readonly ingressBaseUrl?: string;
  readonly groups: readonly EndpointGroup[];
  /** The account's current templates (read on every page view). */
  readonly templatesOf?: (appId: string) => readonly SimTemplate[];
}

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

function accountRows(account: SimAccount, ingressBaseUrl: string | undefined): string {
  const callback =
    account.callbackUrl === undefined && ingressBaseUrl === undefined
      ? '— (no ingress configured)'
      : callbackUrlOf(account, ingressBaseUrl ?? '');
  const rows: readonly (readonly [string, string])[] = [
    ['AppID', account.appId],
    ['AppSecret', account.appSecret],
    ['Token', account.token],
    ['EncodingAESKey', account.encodingAesKey ?? '— (plain mode)'],
    ['消息加解密方式 (mode)', account.mode],
    ['原始 ID (ToUserName)', originalIdOf(account)],
    ['服务器地址 (URL the messages are pushed to)', callback],
  ];
  const cells = rows.map(([name, value]) => `<tr><th>${html(name)}</th><td><code>${html(value)}</code></td></tr>`);
  return `<h3>${html(account.id)}</h3>\n<table>${cells.join('')}</table>`;
}

/** The account's templates with a delete button each, and a form to add one (posts to `/_sim`). */
function templateSection(account: SimAccount, templates: readonly SimTemplate[]): string {
  const base = `/_sim/accounts/${encodeURIComponent(account.id)}/templates`;
  const rows = templates.map(
    (t) => `<tr><td><code>${html(t.templateId)}</code></td><td>${html(t.title)}</td>
<td><pre>${html(t.content)}</pre></td><td><form method="post" action="${base}/${encodeURIComponent(t.templateId)}/delete">
<button>删除</button></form></td></tr>`,
  );
  return `<h4 id="templates-${html(account.id)}">模板消息 (templates: ${templates.length} of 25)</h4>
<table class="templates"><tr><th>template_id</th><th>标题</th><th>内容</th><th></th></tr>${rows.join('\n')}</table>
<form method="post" action="${base}" class="add-template">
<input name="title" placeholder="标题, e.g. 缴费成功通知" required>
<textarea name="content" rows="3" placeholder="{{first.DATA}}&#10;金额：{{keyword1.DATA}}&#10;{{remark.DATA}}" required></textarea>
<button>添加模板</button></form>`;
}

function endpointList(group: EndpointGroup): string {
  const items = group.routes.map((route) => `<li><code>${route.method} ${html(route.path)}</code></li>`);
  return `<h3>${html(group.title)}</h3>\n<ul>${items.join('')}</ul>`;
}

/** The page at the simulator's base URL: what it is, its accounts' credentials, its links and endpoints. */
export function homePage({ accounts, ingressBaseUrl, groups, templatesOf }: HomeRouterDeps): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mpstack WeChat simulator</title>
<style>
  body { margin: 0 auto; max-width: 860px; padding: 16px; font: 15px/1.5 -apple-system, "PingFang SC",
    "Microsoft YaHei", "Segoe UI", "Noto Sans CJK SC", sans-serif; color: #222; }
  table { border-collapse: collapse; margin: 6px 0 12px; }
  th { text-align: left; font-weight: normal; color: #666; padding: 2px 12px 2px 0; vertical-align: top; }
  td code, li code { word-break: break-all; }
  ul { columns: 2; padding-left: 18px; }
  table.templates td { vertical-align: top; padding: 2px 8px 2px 0; }
  table.templates pre { margin: 0; white-space: pre-wrap; font-size: 13px; }
  form.add-template { display: flex; gap: 6px; align-items: flex-start; margin-bottom: 16px; }
  form.add-template textarea { flex: 1; }
  a.button { display: inline-block; background: #07c160; color: #fff; padding: 6px 14px; border-radius: 4px;
    text-decoration: none; margin-right: 8px; }
</style>
</head>
<body>
<h1>mpstack WeChat simulator</h1>
<p>A stand-in for WeChat, for development and tests: the Official Account API of
<code>api.weixin.qq.com</code> (tokens, customer-service / template / mass messages, menus,
users, web authorisation, QR codes, customer-service accounts), the pushes WeChat makes to
an account's server (signed, encrypted, 5 s timeout, three deliveries), and a user's phone.
Point an SDK's API base URL here instead of <code>https://api.weixin.qq.com</code>.</p>
<p><a class="button" href="/phone">打开手机 (the phone)</a> <a class="button" href="/mailbox">邮箱 (mailbox: what the platform e-mailed)</a> <a href="/healthz">/healthz</a></p>
<h2>Simulated accounts</h2>
${accounts
  .list()
  .map(
    (account) =>
      accountRows(account, ingressBaseUrl) +
      (templatesOf === undefined ? '' : templateSection(account, templatesOf(account.appId))),
  )
  .join('\n')}
<h2>Controls for tests (<code>/_sim</code>, JSON)</h2>
<ul class="controls">
<li><code>POST /_sim/faults {api, errcode | status | drop: true, delayMs?, times?, probability?, phase?, account?, host?}</code>:
the next calls of <code>api</code> (a path or <code>*</code>) answer the errcode (e.g. −1, 45011), an HTTP 5xx page or a
dropped connection; <code>phase: "after"</code> lets the call take effect and loses only its answer.
<code>GET /_sim/faults</code>, <code>DELETE /_sim/faults[/:id]</code>.</li>
<li><code>POST /_sim/hosts/api {isDown, mode?: "refuse" | "reset" | "503"}</code>: the <code>api</code> host down while
<code>api2</code> (a second listener, <code>startSimulator({ api2Port })</code>) works.</li>
<li><code>PUT /_sim/quotas {api, daily?, perMinute?, account?}</code>: 45009 past the daily quota, 45011 past the minute's.</li>
<li><code>GET /_sim/calls?api=&amp;appid=</code>: calls per API, account and openid and how they were answered
(exactly-once checks); <code>DELETE /_sim/calls</code>.</li>
<li><code>POST /_sim/accounts/:account/secret</code>: resets the AppSecret (tokens → 40001);
<code>POST /_sim/accounts/:account/tokens/invalidate</code>.</li>
<li><code>PATCH /_sim/limits {tokenLifetimeMs, tokenOverlapMs, templateDailyQuota, …}</code>;
<code>PUT /_sim/accounts/:account/oauth-domains {domains}</code>; templates under
<code>/_sim/accounts/:account/templates</code>; <code>POST /_sim/reset</code> forgets everything.</li>
<li><code>POST /_sim/accounts/:account/subscribe-popup {openid, templateId | templateIds, status?: "accept" | "reject", scene?}</code>:
a follower answers the subscribe popup (each accept allows one bizsend; pushes <code>subscribe_msg_popup_event</code>);
<code>GET /_sim/accounts/:account/subscribe-sends</code>.</li>
</ul>
<h2>Endpoints</h2>
<p>Any other path answers WeChat's JSON error <code>{"errcode":48001,"errmsg":"api unauthorized …"}</code>
(a known path called with the wrong method: 43001 / 43002).</p>
${groups.map(endpointList).join('\n')}
</body>
</html>
`;
}

/** `GET /`: the index page. */
export function createHomeRouter(deps: HomeRouterDeps): Router {
  const router = Router();
  router.get('/', (_req: Request, res: Response) => {
    res.type('text/html; charset=utf-8').send(homePage(deps));
  });
  return router;
}
