// The simulator page: an HTML shell plus its stylesheet and script (plain files beside this
// one, served as they are: no build step, nothing from the network) and the shipped CJK font.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { cjkFontPath } from '../../config/fonts.ts';

const asset = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
const CLIENT_JS = asset('client.js');
const CARDS_JS = asset('cards.js');
const STYLE_CSS = asset('style.css');

const page = (sandbox: boolean) => `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>呼应 · 群聊模拟器</title>
<link rel="stylesheet" href="/sim/assets/style.css">
</head>
<body>
${
  sandbox
    ? `<div class="sandbox-banner" role="note" data-testid="sandbox-banner">沙盒演练：本模拟器与正式平台隔离，使用演练身份和演练数据，不能查看或办理真实呼叫单，也不会向真实群发送消息。</div>`
    : ''
}
<header class="top">
  <div class="brand"><span class="logo" aria-hidden="true">呼</span>
    <div><strong>呼应 · 群聊模拟器</strong><small>街道呼·部门应</small></div></div>
  <div class="persona">
    <label for="persona">当前身份</label>
    <select id="persona" data-testid="persona-select" aria-label="切换身份"></select>
    <span id="persona-info" class="persona-info" data-testid="persona-info" aria-live="polite"></span>
  </div>
  <div id="clock" class="clock" data-testid="clock" role="group" aria-label="模拟时钟" hidden>
    <span>当前时间 <time id="clock-now" data-testid="clock-now"></time></span>
    <button type="button" data-advance="PT1H" data-testid="clock-1h">快进 1 小时</button>
    <button type="button" data-advance="P1D" data-testid="clock-1d">快进 1 天</button>
    <button type="button" data-to="next-morning" data-testid="clock-next-morning">到明早 9:00</button>
    <button type="button" data-to="next-working-morning" data-testid="clock-next-working-morning"
      title="工作时间计时的时限（报到、办结）只在工作日 9:00–12:00、13:30–18:00 走动">到下个工作日 9:00</button>
    <button type="button" data-to="next-month" data-testid="clock-next-month">到下月 1 日 9:00</button>
    <form id="clock-form" class="clock-form">
      <label>快进 <input id="clock-amount" data-testid="clock-amount" type="number" min="1" max="400" value="3"
        aria-label="快进多少"></label>
      <select id="clock-unit" data-testid="clock-unit" aria-label="单位">
        <option value="M">分钟</option><option value="H" selected>小时</option><option value="D">天</option>
      </select>
      <button data-testid="clock-go">快进</button>
    </form>
    <button type="button" id="demo-month" data-testid="demo-month"
      title="从下月1日起演示一整月：各街道反映、部门报到办结、超时督办、评分，次月1日发布月度通报">演示一个月</button>
  </div>
  <span id="live" class="live" data-testid="live" aria-live="polite">连接中…</span>
</header>
<div class="app">
  <nav id="chats" class="chats" aria-label="群聊列表" data-testid="chat-list"></nav>
  <main class="pane">
    <div class="pane-head">
      <h1 id="chat-title" data-testid="chat-title"></h1>
      <span id="chat-sub" class="chat-sub"></span>
    </div>
    <div id="messages" class="messages" role="log" aria-live="polite" aria-label="消息记录" data-testid="messages"></div>
    <div id="guest" class="guest" data-testid="guest-notice" hidden></div>
    <form id="composer" class="composer" data-testid="composer-form">
      <button type="button" id="mention" class="mention" data-testid="mention-bot" title="插入 @呼应">@呼应</button>
      <label class="attach" title="附照片（最多 3 张，每张不超过 2 MB）">
        <input type="file" id="photo" accept="image/jpeg,image/png,image/webp,image/gif" multiple
          data-testid="attach-photo" aria-label="附照片">
        <span aria-hidden="true">📷</span>
      </label>
      <input id="text" data-testid="composer" autocomplete="off" aria-label="输入消息"
        placeholder="@呼应 描述问题和地点，或输入指令（发送「帮助」查看）">
      <button id="send" class="send" data-testid="send-button">发送</button>
    </form>
    <div id="attached" class="attached" data-testid="attached" aria-live="polite"></div>
    <p class="hint">反映问题：点「@呼应」再写问题和地点，如「@呼应 晨辉路12号路灯不亮了」，可点 📷 附照片。办事：直接输入指令，如「查询 0001」「我的待办」；发送「帮助」查看全部指令。</p>
  </main>
</div>
<div id="toast" class="toast" role="status" aria-live="polite" data-testid="toast" hidden></div>
<noscript><p class="noscript">模拟器需要启用 JavaScript。</p></noscript>
<script type="module" src="/sim/assets/client.js"></script>
</body>
</html>
`;

export const simPage = page(false);

export function pageRoutes(opts: { sandbox?: boolean } = {}): Hono {
  const app = new Hono();
  const html = page(!!opts.sandbox);
  app.get('/', (c) => c.html(html));
  app.get('/assets/client.js', (c) =>
    c.body(CLIENT_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  app.get('/assets/cards.js', (c) =>
    c.body(CARDS_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  app.get('/assets/style.css', (c) =>
    c.body(STYLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }),
  );
  // The shipped CJK font, fetched by a browser only when no system font has the characters.
  for (const weight of ['Regular', 'Bold'] as const)
    app.get(`/assets/font-sc-${weight.toLowerCase()}.otf`, async (c) =>
      c.body(new Uint8Array(await readFile(cjkFontPath(weight))), 200, {
        'content-type': 'font/otf',
        'cache-control': 'public, max-age=604800, immutable',
      }),
    );
  return app;
}
