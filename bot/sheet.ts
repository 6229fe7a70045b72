// The printable call sheet (呼叫单): an A4 page with the call, its assignments, the latest
// timeline and signature boxes, opened from a card link (admin token as Bearer or ?token=),
// in the bundled CJK font where the printing machine has none.
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import type { District } from '../config/district.ts';
import { cjkFontPath } from '../config/fonts.ts';
import { type CallDetails, callDetails, findCall, STATE_NAMES, TIER_NAMES } from '../handlers/calls.ts';
import { EVENT_NAMES, maskPhones, unitName } from '../handlers/cards/fields.ts';
import type { Ctx } from '../handlers/context.ts';
import { Refusal } from '../handlers/errors.ts';
import { formatShanghai } from '../handlers/worktime.ts';
import type { AppEnv } from './app.ts';
import { adminAuth } from './auth.ts';
import type { Services } from './services.ts';

/** Enough of the timeline for one page; the full record stays in the system. */
export const SHEET_TIMELINE_LIMIT = 15;

export function escapeHtml(text: unknown): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const when = (at: Date | string | null | undefined) => (at ? formatShanghai(new Date(at)) : '—');
const clip = (text: string, n: number) => (text.length > n ? `${text.slice(0, n)}…` : text);
/** "成都市锦江区" → "锦江区": the sheet names the district as its people say it. */
const districtShort = (name: string) => name.replace(/^.+?市(?=.+[区县])/, '');

function sourceName(source: string): string {
  if (source.startsWith('open311:')) return `${source.slice(8)}（Open311）`;
  return { chat: '群聊反映', sim: '模拟器' }[source] ?? source;
}

/** The bundled CJK font, served beside the sheets; public like any font file (a page's font request carries no token). */
export const SHEET_FONT_PATH = '/calls/fonts/font-sc-regular.otf';

// A printer's machine often has no Chinese font: the bundled one (Noto Sans SC) is the last
// choice, fetched only when no Song/Hei font is installed; `block` so a print waits for it.
// The description may be long: its row may break across pages (every other row stays whole),
// so the first page never ends before the description has started.
const CSS = `
@font-face { font-family: "Huying Sans SC"; src: url("../fonts/font-sc-regular.otf") format("opentype"); font-weight: 400; font-display: block }
@page { size: A4; margin: 15mm }
* { box-sizing: border-box }
body { margin: 0; color: #000; font: 10pt/1.45 "Songti SC", "SimSun", "Noto Serif CJK SC", "Source Han Serif SC", "Huying Sans SC", serif }
.sheet { width: 180mm; margin: 0 auto }
h1 { margin: 0 0 1mm; text-align: center; font-size: 16pt; letter-spacing: 1pt }
.no { margin: 0 0 3mm; text-align: right; font-size: 9pt }
h2 { margin: 3mm 0 1mm; font-size: 11pt; break-after: avoid }
table { width: 100%; border-collapse: collapse; table-layout: fixed }
th, td { border: 0.5pt solid #000; padding: 1mm 1.5mm; text-align: left; vertical-align: top; word-break: break-all }
th { width: 26mm; font-weight: normal; background: #f0f0f0 }
thead th { width: auto; text-align: center }
td.content { white-space: pre-wrap; orphans: 3; widows: 3 }
.timeline td, .assignments td { font-size: 8.5pt }
.note { margin: 1mm 0 0; font-size: 8pt; color: #333 }
.signatures td { height: 22mm; width: 33.3%; position: relative }
.signatures .date { position: absolute; right: 2mm; bottom: 1.5mm; font-size: 8.5pt }
footer { margin-top: 2mm; font-size: 8pt; text-align: right }
@media print { tr, .signatures { break-inside: avoid } tr.content { break-inside: auto } }
@media screen { body { background: #e8e8e8 } .sheet { background: #fff; padding: 15mm; width: 210mm; margin: 8mm auto } }
`;

function fieldsTable(d: District, det: CallDetails): string {
  const c = det.call;
  const place = `${unitName(d, c.street_code)}${c.community_code ? ` / ${unitName(d, c.community_code)}` : ''}`;
  const reporter = [c.reporter_name, c.reporter_contact ? maskPhones(c.reporter_contact) : null]
    .filter(Boolean)
    .join('，');
  const row = (a: string, b: string, x?: string, y?: string) =>
    x === undefined
      ? `<tr><th>${a}</th><td colspan="3">${escapeHtml(b)}</td></tr>`
      : `<tr><th>${a}</th><td>${escapeHtml(b)}</td><th>${x}</th><td>${escapeHtml(y)}</td></tr>`;
  return `<table class="fields">
${row('编号', c.no, '反映时间', when(c.created_at))}
${row('反映人', reporter || '—', '来源', sourceName(c.source))}
${row('所属街道/社区', place, '类别', d.catalogByCode.get(c.category_code)?.name ?? c.category_code)}
${row('等级', `${TIER_NAMES[c.tier] ?? c.tier}${c.emergency ? '（紧急）' : ''}`, '状态', STATE_NAMES[c.state] ?? c.state)}
${row('地点', c.location ?? '—')}
<tr class="content"><th>内容</th><td colspan="3" class="content">${escapeHtml(maskPhones(c.text))}</td></tr>
</table>`;
}

function assignmentsTable(d: District, det: CallDetails): string {
  if (!det.assignments.length) return '<p class="note">尚未派单。</p>';
  const rows = det.assignments.map((a) => {
    const role = a.role === 'lead' ? '牵头' : a.role === 'co' ? '协办' : '自行处置';
    const result = a.result_text ?? (a.return_reason ? `退回：${a.return_reason}` : '');
    const state = STATE_NAMES[a.state] ?? a.state;
    return `<tr><td>${escapeHtml(unitName(d, a.unit_code))}</td><td>${role}</td><td>第${a.round}轮</td>
<td>时限 ${escapeHtml(when(a.ack_due_at))}<br>报到 ${escapeHtml(when(a.acknowledged_at))}</td>
<td>时限 ${escapeHtml(when(a.resolve_due_at))}<br>办结 ${escapeHtml(when(a.resolved_at))}</td>
<td>${escapeHtml(state)}${result ? `：${escapeHtml(clip(maskPhones(result), 120))}` : ''}</td></tr>`;
  });
  return `<table class="assignments"><thead><tr><th style="width:24mm">部门</th><th style="width:14mm">牵头/协办</th>
<th style="width:12mm">轮次</th><th style="width:34mm">报到时限/时间</th><th style="width:34mm">办结时限/时间</th><th>办理结果</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
}

function eventDetail(p: Record<string, unknown>): string {
  const text = p.text ?? p.reason ?? p.note ?? (p.into ? `并入 ${p.into}` : p.from ? `来自 ${p.from}` : '');
  return clip(maskPhones(String(text ?? '')), 60);
}

function timelineTable(d: District, det: CallDetails): string {
  const shown = det.events.slice(-SHEET_TIMELINE_LIMIT);
  const rows = shown.map((e) => {
    const unit = typeof e.payload?.unit === 'string' ? `（${unitName(d, e.payload.unit)}）` : '';
    return `<tr><td>${escapeHtml(when(e.at))}</td><td>${escapeHtml(e.actor_label)}</td>
<td>${escapeHtml(`${EVENT_NAMES[e.kind] ?? e.kind}${unit}`)}</td><td>${escapeHtml(eventDetail(e.payload ?? {}))}</td></tr>`;
  });
  const note =
    det.events.length > shown.length
      ? `<p class="note">共 ${det.events.length} 条记录，此处仅列最近 ${shown.length} 条；完整记录见系统。</p>`
      : '';
  return `<table class="timeline"><thead><tr><th style="width:28mm">时间</th><th style="width:30mm">经办</th>
<th style="width:32mm">事项</th><th>说明</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>${note}`;
}

export function renderSheet(d: District, det: CallDetails, printedAt: Date): string {
  const title = `${districtShort(d.district.name)}“街道呼·部门应”呼叫单`;
  const box = (who: string) =>
    `<td><div>${who}：</div><div class="date">年&emsp;&emsp;月&emsp;&emsp;日</div></td>`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${title} ${det.call.no}`)}</title>
<style>${CSS}</style></head>
<body><main class="sheet">
<h1>${escapeHtml(title)}</h1>
<p class="no">编号：${escapeHtml(det.call.no)}</p>
${fieldsTable(d, det)}
<h2>承办情况</h2>
${assignmentsTable(d, det)}
<h2>办理记录</h2>
${timelineTable(d, det)}
<h2>签字</h2>
<table class="signatures"><tr>${box('街道经办人')}${box('部门承办人')}${box('呼应办审核')}</tr></table>
<footer>${escapeHtml(d.office.name)} · 打印时间 ${escapeHtml(when(printedAt))}</footer>
</main></body></html>`;
}

function page(status: 400 | 404, text: string) {
  return new Response(
    `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>呼叫单</title><p>${escapeHtml(text)}</p></html>`,
    { status, headers: { 'Content-Type': 'text/html; charset=utf-8' } },
  );
}

/** GET /calls/:no/sheet; the guard sits on this route alone, so other /calls/* routes keep theirs. */
export function sheetRoutes(ctx: Ctx, adminToken: string | undefined): Hono {
  const app = new Hono();
  app.get(SHEET_FONT_PATH, async (c) =>
    c.body(new Uint8Array(await readFile(cjkFontPath('Regular'))), 200, {
      'content-type': 'font/otf',
      'cache-control': 'public, max-age=604800, immutable',
    }),
  );
  app.get('/calls/:no/sheet', adminAuth(adminToken), async (c) => {
    let det: CallDetails;
    try {
      det = await callDetails(ctx.db, (await findCall(ctx.db, c.req.param('no'))).id);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      return page(e.code === 'unknown_call' ? 404 : 400, e.reason);
    }
    const html = renderSheet(ctx.district, det, ctx.clock.now());
    return c.body(html, 200, {
      'Content-Type': 'text/html; charset=utf-8',
      // opened with ?token=: keep the link out of caches and other sites' referrer logs
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'",
    });
  });
  return app;
}

/** Mounts GET /calls/:no/sheet behind the admin token. */
export function mountSheet(app: Hono<AppEnv>, services: Services) {
  app.route('/', sheetRoutes(services.ctx, services.runtime.env.ADMIN_TOKEN));
}
