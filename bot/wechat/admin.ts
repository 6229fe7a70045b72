// /admin/wechat: the office's page for the WeChat account — state, the login QR code while
// waiting for a scan, the last error. Behind ADMIN_TOKEN (header or ?token=).
import { Hono } from 'hono';
import { adminAuth } from '../auth.ts';
import type { WechatStatus } from './adapter.ts';

const STATE_NAMES: Record<WechatStatus['state'], string> = {
  starting: '正在启动',
  waiting_scan: '等待扫码登录',
  logged_in: '已登录',
  logged_out: '未登录',
  error: '出错',
  stopped: '已停止',
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The QR code as an inline PNG, so the login code is not sent to a third party to draw it. */
let qrCache: { value: string; dataUrl: string | undefined } | undefined;
async function qrImage(value: string): Promise<string | undefined> {
  if (qrCache?.value === value) return qrCache.dataUrl;
  let dataUrl: string | undefined;
  try {
    // file-box comes with wechaty (which draws QR codes with it); without it the page shows the link only.
    const { FileBox } = await import('file-box');
    dataUrl = await FileBox.fromQRCode(value).toDataURL();
  } catch {
    dataUrl = undefined;
  }
  qrCache = { value, dataUrl };
  return dataUrl;
}

/** What the JSON answer shows: everything but the raw QR value (the link carries it). */
export function publicStatus(s: WechatStatus) {
  return {
    state: s.state,
    puppet: s.puppet,
    since: s.since,
    user: s.user,
    qrcode: s.qrcode ? { url: s.qrcode.url, status: s.qrcode.status, at: s.qrcode.at } : undefined,
    lastError: s.lastError,
  };
}

export async function wechatPage(s: WechatStatus): Promise<string> {
  const rows: [string, string][] = [
    ['状态', STATE_NAMES[s.state] ?? s.state],
    ['自', new Date(s.since).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })],
    ['协议（puppet）', s.puppet],
  ];
  if (s.user) rows.push(['登录账号', s.user.name]);
  if (s.lastError)
    rows.push([
      '最近错误',
      `${s.lastError.message}（${new Date(s.lastError.at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })}）`,
    ]);
  let qr = '';
  if (s.state === 'waiting_scan' && s.qrcode) {
    const img = await qrImage(s.qrcode.value);
    qr = `<h2>请用机器人微信号扫码登录</h2>
${img ? `<p><img src="${img}" alt="登录二维码" width="240" height="240"></p>` : ''}
<p><a href="${escapeHtml(s.qrcode.url)}" rel="noreferrer" target="_blank">打开二维码链接</a>（扫码状态：${escapeHtml(s.qrcode.status)}）</p>
<p>二维码会过期，本页每5秒刷新。</p>`;
  }
  const hint =
    s.state === 'logged_in'
      ? '<p>机器人在线：绑定的微信群里 @机器人 或发送指令即可办理。</p>'
      : '<p>未登录期间，发往微信群的消息暂存待发，登录后自动补发；群里的新消息收不到。</p>';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<meta name="referrer" content="no-referrer">
<title>微信机器人 · 呼应</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:left}</style>
</head><body>
<h1>微信机器人</h1>
<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
${qr}
${hint}
</body></html>`;
}

/** The admin sub-app: GET / → the page (or JSON with ?format=json or Accept: application/json). */
export function wechatAdminRoutes(status: () => WechatStatus, adminToken: string | undefined): Hono {
  const app = new Hono();
  app.use('*', adminAuth(adminToken));
  app.get('/', async (c) => {
    const s = status();
    const wantsJson =
      c.req.query('format') === 'json' || (c.req.header('accept') ?? '').includes('application/json');
    c.header('Cache-Control', 'no-store');
    return wantsJson ? c.json(publicStatus(s)) : c.html(await wechatPage(s));
  });
  return app;
}
