/**
 * The phone page: plain HTML + vanilla JS, no build step. Text goes into the DOM through
 * `textContent` only, so replies (which the account controls) can never inject markup.
 * The emoji font stack makes nicknames and replies with emoji render on every desktop.
 */
export const phonePage = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mpstack phone</title>
<style>
  :root { --green: #95ec69; --bg: #ededed; --bar: #f7f7f7; }
  * { box-sizing: border-box; }
  body { margin: 0; background: #d9dde3; font: 15px/1.45 -apple-system, "PingFang SC", "Microsoft YaHei", "Segoe UI",
    "Noto Sans CJK SC", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"; }
  .phone { max-width: 420px; height: 100vh; margin: 0 auto; display: flex; flex-direction: column; background: var(--bg);
    box-shadow: 0 0 24px rgba(0,0,0,.15); }
  header { background: var(--bar); padding: 8px 12px; border-bottom: 1px solid #ddd; display: flex; gap: 6px; flex-wrap: wrap; }
  header select, header input { flex: 1; min-width: 120px; padding: 4px; }
  #chat { flex: 1; overflow-y: auto; padding: 12px; }
  .row { display: flex; margin: 8px 0; }
  .row.me { justify-content: flex-end; }
  .bubble { max-width: 75%; padding: 8px 11px; border-radius: 6px; background: #fff; white-space: pre-wrap; word-break: break-word; }
  .me .bubble { background: var(--green); }
  .note { text-align: center; color: #999; font-size: 12px; margin: 6px 0; white-space: pre-wrap; word-break: break-word; }
  .note.info { color: #576b95; }
  #hint { margin: 0; padding: 6px 12px; background: #fff3f0; color: #c0392b; font-size: 13px; word-break: break-word; }
  #hint[hidden], #follow[hidden], form[hidden], #menu[hidden], .tools button[hidden] { display: none; }
  #follow { display: flex; flex-direction: column; align-items: center; gap: 8px; padding: 12px; background: var(--bar);
    border-top: 1px solid #ddd; color: #666; font-size: 13px; text-align: center; }
  #follow button { background: #07c160; color: #fff; border: 0; border-radius: 4px; padding: 8px 24px; font-size: 15px; }
  .error { color: #c0392b; }
  .card { background: #fff; border-radius: 6px; padding: 10px; max-width: 80%; }
  .card b { display: block; } .card small { color: #888; }
  .kefu .bubble { border-left: 3px solid #07c160; }
  #menu { display: flex; border-top: 1px solid #ddd; background: var(--bar); }
  #menu .cell { flex: 1; position: relative; display: flex; }
  #menu .cell > button { flex: 1; border: 0; border-right: 1px solid #ddd; background: none; padding: 8px; cursor: pointer; }
  #menu .submenu { position: absolute; bottom: calc(100% + 6px); left: 4px; right: 4px; display: flex;
    flex-direction: column; background: #fff; border: 1px solid #ddd; border-radius: 4px; box-shadow: 0 2px 6px #0002; }
  #menu .submenu[hidden] { display: none; }
  #menu .submenu button { border: 0; border-bottom: 1px solid #eee; background: none; padding: 8px; cursor: pointer; }
  form { display: flex; gap: 6px; padding: 8px; background: var(--bar); border-top: 1px solid #ddd; }
  form input { flex: 1; padding: 8px; border: 1px solid #ccc; border-radius: 4px; }
  button.send { background: #07c160; color: #fff; border: 0; border-radius: 4px; padding: 0 14px; }
  .tools { display: flex; gap: 6px; padding: 0 8px 8px; background: var(--bar); }
  .tools button { font-size: 12px; }
</style>
</head>
<body>
<div class="phone">
  <header>
    <select id="account" aria-label="account"></select>
    <input id="openid" list="users" placeholder="用户 openid" aria-label="openid" autocomplete="off">
    <datalist id="users"></datalist>
  </header>
  <p id="hint" role="alert" hidden></p>
  <div id="chat" aria-live="polite"></div>
  <div id="follow" hidden>
    <span id="follow-text"></span>
    <button type="button" id="follow-button">关注公众号</button>
  </div>
  <div id="menu" hidden></div>
  <form id="composer" hidden>
    <input id="content" name="content" autocomplete="off" placeholder="发消息… 😀" aria-label="message">
    <button class="send" type="submit">发送</button>
  </form>
  <div class="tools">
    <button type="button" data-action="unsubscribe" data-following hidden>取消关注</button>
    <button type="button" data-action="location" data-following hidden>发送位置</button>
    <button type="button" id="qrscan">扫描二维码</button>
  </div>
</div>
<script>
(function () {
  var chat = document.getElementById('chat');
  var accountSelect = document.getElementById('account');
  var openidInput = document.getElementById('openid');
  var hint = document.getElementById('hint');
  var openidPattern = /^[A-Za-z0-9_-]{1,64}$/;
  var accounts = [];
  // The conversation on screen: whose it is, the last entry shown, the messages shown before the
  // server had them (by client id), and a generation that drops answers meant for another user.
  var view = { key: '', lastSeq: 0, pending: {}, generation: 0, isFollowing: false };
  var polling = false, pollAgain = false, nextClientId = 1;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function scroll() { chat.scrollTop = chat.scrollHeight; }
  function bubble(text, mine, extra) {
    var row = el('div', 'row' + (mine ? ' me' : '') + (extra ? ' ' + extra : ''));
    row.appendChild(el('div', 'bubble', text));
    chat.appendChild(row); scroll();
  }
  function note(text, cls) { chat.appendChild(el('div', 'note' + (cls ? ' ' + cls : ''), text)); scroll(); }
  function card(articles, extra) {
    articles.forEach(function (a) {
      var row = el('div', 'row' + (extra ? ' ' + extra : ''));
      var box = el('div', 'card');
      box.appendChild(el('b', '', a.title || ''));
      if (a.description) box.appendChild(el('div', '', a.description));
      if (a.url) box.appendChild(el('small', '', a.url));
      row.appendChild(box); chat.appendChild(row);
    });
    scroll();
  }
  function showHint(text) { hint.textContent = text || ''; hint.hidden = !text; }
  function openidProblem(openid) {
    if (!openid) return '请先填写用户 openid（用户在这个公众号下的标识）';
    if (!openidPattern.test(openid)) return 'openid 只能包含字母、数字、_ 和 -，最长 64 个字符';
    return '';
  }
  function showReply(reply) {
    if (reply.type === 'text') return bubble(reply.content, false);
    if (reply.type === 'news') return card(reply.articles);
    if (reply.type === 'transfer_customer_service') {
      return note('已为你转接人工客服，请稍候' + (reply.kfAccount ? '（' + reply.kfAccount + '）' : ''), 'info');
    }
    bubble('[' + reply.type + '] ' + (reply.mediaId || reply.thumbMediaId || ''), false);
  }
  function showKefu(body) {
    if (body.msgtype === 'text') return bubble(body.text.content, false, 'kefu');
    if (body.msgtype === 'news') return card(body.news.articles, 'kefu');
    if (body.msgtype === 'msgmenu') {
      var m = body.msgmenu;
      var lines = [m.head_content || ''].concat((m.list || []).map(function (i) { return '› ' + i.content; }));
      return bubble(lines.concat([m.tail_content || '']).join('\\n'), false, 'kefu');
    }
    bubble('[' + body.msgtype + ']', false, 'kefu');
  }
  function showEntry(entry) {
    if (entry.from === 'user') {
      if (entry.clientId && view.pending[entry.clientId]) { delete view.pending[entry.clientId]; return; }
      return entry.kind === 'text' ? bubble(entry.text, true) : note(entry.text);
    }
    if (entry.from === 'account') return entry.via === 'reply' ? showReply(entry.reply) : showKefu(entry.body);
    note(entry.text, entry.tone === 'error' ? 'error' : entry.tone === 'info' ? 'info' : '');
    if (entry.detail) note(entry.detail, 'error');
  }
  // WeChat: only a follower can write to the account; anyone else sees the follow button.
  function setFollowing(user) {
    view.isFollowing = !!(user && user.isSubscribed);
    document.getElementById('follow').hidden = view.isFollowing;
    document.getElementById('follow-text').textContent = user
      ? '你已取消关注这个公众号，重新关注后才能发消息'
      : '你还没有关注这个公众号，关注后才能发消息';
    document.getElementById('composer').hidden = !view.isFollowing;
    document.getElementById('menu').hidden = !view.isFollowing;
    document.querySelectorAll('.tools [data-following]').forEach(function (b) { b.hidden = !view.isFollowing; });
  }
  function poll() {
    var openid = openidInput.value.trim();
    if (openidProblem(openid)) return;
    if (polling) { pollAgain = true; return; }
    polling = true;
    var generation = view.generation;
    fetch('/phone/api/conversation?account=' + encodeURIComponent(accountSelect.value) + '&openid=' +
      encodeURIComponent(openid) + '&since=' + view.lastSeq)
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (generation !== view.generation || !data.entries) return;
        setFollowing(data.user);
        data.entries.forEach(function (e) { if (e.seq > view.lastSeq) { view.lastSeq = e.seq; showEntry(e); } });
      })
      .catch(function () {})
      .then(function () { polling = false; if (pollAgain) { pollAgain = false; poll(); } });
  }
  // Another user or account: a fresh screen, then that user's whole conversation.
  // (A blur after a change fires 'change' again: the same user is no switch.)
  function switchUser() {
    var key = accountSelect.value + '\\n' + openidInput.value.trim();
    if (key === view.key) return;
    view = { key: key, lastSeq: 0, pending: {}, generation: view.generation + 1, isFollowing: view.isFollowing };
    chat.textContent = '';
    var problem = openidProblem(openidInput.value.trim());
    showHint(problem);
    if (problem) { setFollowing(null); document.getElementById('follow').hidden = true; return; }
    poll();
  }
  function current() { return accounts.find(function (a) { return a.id === accountSelect.value; }); }
  function renderAccount() {
    var account = current(); if (!account) return;
    var list = document.getElementById('users'); list.textContent = '';
    account.users.forEach(function (u) { var o = el('option'); o.value = u.openid; o.label = u.nickname; list.appendChild(o); });
    if (!openidInput.value && account.users[0]) openidInput.value = account.users[0].openid;
    renderMenu(account.menu);
  }
  // WeChat's bottom menu: up to 3 buttons; a button with sub-buttons opens a list above it.
  function closeMenus() {
    document.querySelectorAll('#menu .submenu').forEach(function (p) { p.hidden = true; });
  }
  function menuAction(b) {
    if (b.type === 'click') return send('click', '', b.key, '点击菜单「' + b.name + '」');
    if (b.type === 'view') return send('view', '', b.url, '打开 ' + b.url);
    if (b.type === 'scancode_push' || b.type === 'scancode_waitmsg') {
      var result = window.prompt('扫码结果（模拟）', 'https://example.com/qr');
      if (result !== null) send(b.type, result, b.key, '扫一扫「' + b.name + '」：' + result);
      return;
    }
    note('「' + b.name + '」（' + b.type + '）在模拟器里不可用', 'error');
  }
  function renderMenu(buttons) {
    var menu = document.getElementById('menu'); menu.textContent = '';
    buttons.forEach(function (b) {
      var cell = el('div', 'cell');
      var top = el('button'); top.type = 'button';
      var subs = b.sub_button || [];
      if (subs.length) {
        var icon = el('span', '', '≡ '); icon.setAttribute('aria-hidden', 'true'); top.appendChild(icon);
      }
      top.appendChild(document.createTextNode(b.name));
      cell.appendChild(top);
      if (subs.length) {
        var pop = el('div', 'submenu'); pop.hidden = true; pop.setAttribute('role', 'menu');
        subs.forEach(function (leaf) {
          var item = el('button', '', leaf.name); item.type = 'button'; item.setAttribute('role', 'menuitem');
          item.onclick = function () { closeMenus(); menuAction(leaf); };
          pop.appendChild(item);
        });
        top.setAttribute('aria-haspopup', 'menu');
        top.onclick = function () { var wasHidden = pop.hidden; closeMenus(); pop.hidden = !wasHidden; };
        cell.appendChild(pop);
      } else {
        top.onclick = function () { closeMenus(); menuAction(b); };
      }
      menu.appendChild(cell);
    });
  }
  // Shows the user's own message at once; the server's copy of it (same client id) is then skipped.
  function send(action, content, eventKey, label) {
    var openid = openidInput.value.trim();
    var problem = openidProblem(openid);
    if (problem) { showHint(problem); openidInput.focus(); return; }
    showHint('');
    var clientId = 'c' + Date.now().toString(36) + '-' + (nextClientId++);
    var generation = view.generation;
    view.pending[clientId] = true;
    if (action === 'text') bubble(content, true); else note(label || action);
    fetch('/phone/api/send', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: accountSelect.value, openid: openid, action: action,
        content: content, eventKey: eventKey || '', label: label || '', clientId: clientId }) })
      .then(function (r) { return r.json(); })
      .then(function (result) {
        if (generation !== view.generation) return;
        if (result.error) note(result.error.message, 'error');
        poll();
      })
      .catch(function (e) { if (generation === view.generation) note('发送失败：' + String(e), 'error'); });
  }
  document.getElementById('composer').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('content');
    if (input.value) { send('text', input.value); input.value = ''; }
  });
  document.querySelectorAll('.tools button[data-action]').forEach(function (b) {
    b.addEventListener('click', function () { send(b.dataset.action, '', '', b.textContent); });
  });
  document.getElementById('follow-button').addEventListener('click', function () { send('subscribe', '', '', '关注了公众号'); });
  // Scans one of the account's parametric QR codes (created with /cgi-bin/qrcode/create).
  document.getElementById('qrscan').addEventListener('click', function () {
    fetch('/phone/api/accounts').then(function (r) { return r.json(); }).then(function (data) {
      var account = data.accounts.find(function (a) { return a.id === accountSelect.value; });
      var codes = (account && account.qrcodes) || [];
      if (!codes.length) return note('这个公众号还没有二维码（POST /cgi-bin/qrcode/create）', 'error');
      var ticket = window.prompt('二维码 ticket（最新的场景：' + codes[0].scene + '）', codes[0].ticket);
      if (!ticket) return;
      var code = codes.find(function (c) { return c.ticket === ticket; });
      send('qrscan', ticket, '', '扫描二维码' + (code ? '（场景 ' + code.scene + '）' : ''));
    });
  });
  accountSelect.addEventListener('change', function () { openidInput.value = ''; renderAccount(); switchUser(); });
  openidInput.addEventListener('change', switchUser);
  fetch('/phone/api/accounts').then(function (r) { return r.json(); }).then(function (data) {
    accounts = data.accounts;
    accounts.forEach(function (a) { var o = el('option', '', a.id + ' (' + a.mode + ')'); o.value = a.id; accountSelect.appendChild(o); });
    renderAccount();
    switchUser();
    setInterval(poll, 1000);
  });
})();
</script>
</body>
</html>
`;
