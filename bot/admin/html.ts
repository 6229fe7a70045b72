// The frame of the office's small admin pages (status, the in-process queue): Chinese, one
// self-contained HTML page each, no scripts or outside resources.
import { readFile } from 'node:fs/promises';
import type { Context, Hono } from 'hono';
import { cjkFontPath } from '../../config/fonts.ts';
import type { AppEnv } from '../app.ts';

const FONT_PATH = '/admin/assets/font-sc-regular.otf';

/**
 * The CJK font Huying ships, for a browser with no Chinese font of its own (a browser fetches
 * it only then). Public: it is the npm package's font, and a page's sub-requests carry no token.
 */
export function mountAdminAssets(app: Hono<AppEnv>): void {
  app.get(FONT_PATH, async (c) =>
    c.body(new Uint8Array(await readFile(cjkFontPath('Regular'))), 200, {
      'Content-Type': 'font/otf',
      'Cache-Control': 'public, max-age=604800, immutable',
    }),
  );
}

/**
 * An admin page opened with ?token=: kept out of caches and other sites' referrer logs, and
 * allowed nothing but its own inline style and the shipped font.
 */
export function adminHtml(c: Context, html: string): Response {
  return c.body(html, 200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'",
  });
}
export const escapeHtml = (v: unknown) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** An ISO instant as Beijing time, 2026-12-01 09:30:05; a dash when there is none. */
export function beijingTime(iso: unknown): string {
  if (!iso) return '—';
  const t = new Date(iso as string);
  if (Number.isNaN(t.getTime())) return escapeHtml(iso);
  return new Date(t.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** A table: header cells and rows of already-escaped cells. */
export function table(head: string[], rows: string[][], empty = '无'): string {
  if (!rows.length) return `<p class="muted">${escapeHtml(empty)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
}

export function adminPage(title: string, body: string, opts: { refreshSeconds?: number } = {}): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${opts.refreshSeconds ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">` : ''}
<title>${escapeHtml(title)}</title>
<style>
@font-face { font-family: "Huying Sans SC"; src: url("${FONT_PATH}") format("opentype"); font-display: swap; }
body { font: 15px/1.6 system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans SC", "Huying Sans SC", sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #1f2329; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #dee0e3; }
table { border-collapse: collapse; margin: .5em 0; } th, td { border: 1px solid #dee0e3; padding: .3em .8em; text-align: left; }
th { background: #f5f6f7; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #646a73; } .bad { color: #d83931; font-weight: 600; } .ok { color: #2ea121; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1.5em; } dt { color: #646a73; } dd { margin: 0; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>`;
}

/** Label → value (already escaped) pairs as a definition list. */
export const facts = (pairs: [string, string][]) =>
  `<dl>${pairs.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
