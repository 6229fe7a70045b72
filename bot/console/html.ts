// The console's page frame: Chinese, phone-first, keyboard-usable, server-rendered; one small
// script (console.js) and one stylesheet, both served from here; nothing from elsewhere.
import { readFileSync } from 'node:fs';
import type { Context, Hono } from 'hono';
import type { Actor } from '../../handlers/people.ts';
import { ROLE_NAMES } from '../../handlers/people.ts';
import { escapeHtml } from '../admin/html.ts';
import { SHEET_FONT_PATH } from '../sheet.ts';

export { escapeHtml };

const asset = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');
const CSS = asset('./console.css');
const JS = asset('./console.js');

export function mountConsoleAssets(app: Hono) {
  app.get('/assets/console.css', (c) =>
    c.body(CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'private, max-age=300' }),
  );
  app.get('/assets/console.js', (c) =>
    c.body(JS, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'private, max-age=300',
    }),
  );
}

const NAV: { href: string; label: string; key: string; officeOnly?: boolean }[] = [
  { href: '/console', label: '总览', key: 'overview' },
  { href: '/console/calls', label: '呼叫单', key: 'calls' },
  { href: '/console/reports', label: '报表', key: 'reports' },
  { href: '/console/people', label: '人员与群', key: 'people', officeOnly: true },
  { href: '/console/sessions', label: '我的登录', key: 'sessions' },
];

export interface PageOptions {
  viewer?: Actor & { unitName: string };
  active?: string;
  /** people and chats: only the office and the leaders */
  seesEverything?: boolean;
}

export function page(title: string, body: string, o: PageOptions = {}): string {
  const nav = o.viewer
    ? `<nav class="top" aria-label="主导航"><a class="brand" href="/console">呼应后台</a><ul>${NAV.filter(
        (n) => !n.officeOnly || o.seesEverything,
      )
        .map(
          (n) =>
            `<li><a href="${n.href}"${n.key === o.active ? ' aria-current="page"' : ''}>${n.label}</a></li>`,
        )
        .join('')}</ul><span class="who" data-testid="viewer">${escapeHtml(o.viewer.name)} · ${escapeHtml(
        o.viewer.unitName,
      )} · ${escapeHtml(ROLE_NAMES[o.viewer.role] ?? o.viewer.role)}</span>
<form method="post" action="/console/logout" class="inline"><button type="submit" class="link">退出</button></form></nav>`
    : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · 呼应后台</title><link rel="stylesheet" href="/console/assets/console.css">
<link rel="preload" href="${SHEET_FONT_PATH}" as="font" type="font/otf" crossorigin>
<script src="/console/assets/console.js" defer></script></head>
<body><a class="skip" href="#main">跳到正文</a>${nav}
<main id="main" tabindex="-1"><h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>`;
}

/** A page as the console answers it: never cached, no referrer to other sites (a login link's
 * secret stays here; our own forms still carry their origin), only our own script and style. */
export function html(c: Context, body: string, status: 200 | 400 | 401 | 403 | 404 | 410 | 422 = 200) {
  return c.body(body, status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy':
      "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'",
  });
}

/** A table: header cells and rows of already-escaped cells; `caption` names it for screen readers. */
export function table(
  caption: string,
  head: string[],
  rows: string[][],
  o: { empty?: string; testid?: string } = {},
) {
  if (!rows.length) return `<p class="muted">${escapeHtml(o.empty ?? '无')}</p>`;
  return `<div class="scroll"><table${o.testid ? ` data-testid="${o.testid}"` : ''}><caption>${escapeHtml(caption)}</caption><thead><tr>${head
    .map((h) => `<th scope="col">${escapeHtml(h)}</th>`)
    .join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((x) => `<td>${x}</td>`).join('')}</tr>`).join('\n')}</tbody></table></div>`;
}

export const notice = (text: string, tone: 'ok' | 'error' | 'info' = 'info') =>
  `<p class="notice ${tone}" role="${tone === 'error' ? 'alert' : 'status'}" data-testid="notice">${escapeHtml(text)}</p>`;
