// Calls in the console: the list (filters, sort, pages, all in a shareable URL) and a call's
// page (assignments, deadlines, photos, the whole timeline, and what the viewer may do). An
// action is the same Command a typed chat message makes, run by the same execute(): it is
// recorded and announced in the chats exactly the same way.
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { TIERS } from '../../config/district.ts';
import type { Assignment, Call } from '../../db/schema.ts';
import {
  CALL_STATES,
  type CallDetails,
  type CallFilter,
  callDetails,
  countCalls,
  findCall,
  isActive,
  listCalls,
  OPEN_CALL_STATES,
  STATE_NAMES,
  TIER_NAMES,
} from '../../handlers/calls.ts';
import { EVENT_NAMES, maskPhones, unitName } from '../../handlers/cards/fields.ts';
import type { Ctx } from '../../handlers/context.ts';
import { Refusal } from '../../handlers/errors.ts';
import { execute } from '../../handlers/execute.ts';
import { formatShanghai } from '../../handlers/worktime.ts';
import { dateParam } from '../api/calls.ts';
import type { Services } from '../services.ts';
import { renderSheet, SHEET_FONT_PATH } from '../sheet.ts';
import { escapeHtml, html, notice, page, table } from './html.ts';
import { mayView, type Scope, scopeOf, seesEverything, visibleTo } from './scope.ts';
import type { ConsoleEnv, Viewer } from './session.ts';

const PER_PAGE = 20;
const SORTS = {
  newest: '最新在前',
  oldest: '最早在前',
  due: '时限最近在前',
  updated: '最近变动在前',
} as const;
const when = (at: Date | string | null | undefined) => (at ? formatShanghai(new Date(at)) : '—');

function listSchema(ctx: Ctx) {
  const kindOf = (code: string) => ctx.district.units.get(code)?.kind;
  return z
    .object({
      state: z.enum(['open', ...CALL_STATES], { message: '没有这个状态' }).optional(),
      tier: z.enum(TIERS, { message: '没有这个等级' }).optional(),
      street: z
        .string()
        .refine((s) => kindOf(s) === 'street', { message: '没有这个街道' })
        .optional(),
      department: z
        .string()
        .refine((s) => kindOf(s) === 'department', { message: '没有这个部门' })
        .optional(),
      category: z
        .string()
        .refine((s) => ctx.district.catalogByCode.has(s), { message: '没有这个类别' })
        .optional(),
      overdue: z.enum(['1'], { message: 'overdue 只能为 1' }).optional(),
      q: z.string().trim().max(100, '搜索词请控制在100字以内').optional(),
      from: dateParam('起始日期', false).optional(),
      to: dateParam('截止日期', true).optional(),
      sort: z.enum(Object.keys(SORTS) as [keyof typeof SORTS], { message: '没有这种排序' }).optional(),
      page: z.coerce
        .number({ message: '页码须为整数' })
        .int('页码须为整数')
        .min(1, '页码从1开始')
        .max(100_000)
        .optional(),
    })
    .strict()
    .refine((f) => !f.from || !f.to || f.from < f.to, { message: '起始日期须早于截止日期' });
}

type ListQuery = z.infer<ReturnType<typeof listSchema>>;

const options = (pairs: [string, string][], chosen: string | undefined, any = '全部') =>
  `<option value="">${any}</option>${pairs
    .map(
      ([v, l]) =>
        `<option value="${escapeHtml(v)}"${v === chosen ? ' selected' : ''}>${escapeHtml(l)}</option>`,
    )
    .join('')}`;

function filterForm(ctx: Ctx, raw: Record<string, string>, scope: Scope) {
  const d = ctx.district;
  const sel = (name: string, label: string, pairs: [string, string][]) =>
    `<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}" data-testid="filter-${name}">${options(pairs, raw[name])}</select></div>`;
  const open = Object.keys(STATE_NAMES).filter((s) => (CALL_STATES as readonly string[]).includes(s));
  return `<form class="filters" method="get" action="/console/calls" role="search" aria-label="筛选呼叫单">
${sel('state', '状态', [['open', '在办（全部未结）'], ...open.map((s) => [s, STATE_NAMES[s]] as [string, string])])}
${sel(
  'tier',
  '等级',
  TIERS.map((t) => [t, TIER_NAMES[t]]),
)}
${
  scope.kind === 'all' || scope.kind === 'department'
    ? sel(
        'street',
        '街道',
        d.streets.map((s) => [s.code, s.name]),
      )
    : ''
}
${
  scope.kind !== 'department'
    ? sel(
        'department',
        '部门',
        d.departments.map((u) => [u.code, u.name]),
      )
    : ''
}
${sel(
  'category',
  '类别',
  d.catalog.map((c) => [c.code, c.name]),
)}
<div><label for="f-overdue">超时</label><select id="f-overdue" name="overdue" data-testid="filter-overdue">${options([['1', '仅超时']], raw.overdue, '不限')}</select></div>
<div><label for="f-q">关键词</label><input id="f-q" name="q" type="search" value="${escapeHtml(raw.q ?? '')}" placeholder="编号、内容或地点" data-testid="filter-q"></div>
<div><label for="f-from">起始日期</label><input id="f-from" name="from" type="date" value="${escapeHtml(raw.from ?? '')}"></div>
<div><label for="f-to">截止日期</label><input id="f-to" name="to" type="date" value="${escapeHtml(raw.to ?? '')}"></div>
<div><label for="f-sort">排序</label><select id="f-sort" name="sort">${Object.entries(SORTS)
    .map(([v, l]) => `<option value="${v}"${v === (raw.sort ?? 'newest') ? ' selected' : ''}>${l}</option>`)
    .join('')}</select></div>
<div><label>&nbsp;</label><button type="submit" data-testid="filter-submit">筛选</button></div>
</form>`;
}

function toFilter(f: ListQuery, scope: Scope): CallFilter {
  return {
    ...(f.state === 'open' ? { states: OPEN_CALL_STATES } : f.state ? { state: f.state } : {}),
    tier: f.tier,
    street: f.street,
    department: f.department,
    category: f.category,
    overdue: f.overdue === '1',
    text: f.q || undefined,
    from: f.from,
    to: f.to,
    sort: f.sort,
    visibleTo: visibleTo(scope),
  };
}

function callRow(ctx: Ctx, c: Call) {
  const d = ctx.district;
  const text = maskPhones(c.text);
  return [
    `<a href="/console/calls/${encodeURIComponent(c.no)}" data-testid="call-link">${escapeHtml(c.no)}</a>`,
    `<span class="badge">${escapeHtml(STATE_NAMES[c.state] ?? c.state)}</span>`,
    `${escapeHtml(TIER_NAMES[c.tier] ?? c.tier)}${c.emergency ? ' <span class="badge bad">紧急</span>' : ''}`,
    escapeHtml(d.catalogByCode.get(c.category_code)?.name ?? c.category_code),
    escapeHtml(unitName(d, c.street_code)),
    escapeHtml(text.length > 40 ? `${text.slice(0, 40)}…` : text),
    escapeHtml(when(c.created_at)),
    escapeHtml(when(c.resolve_due_at)),
  ];
}

/** A console page for the viewer, with the navigation their scope allows. */
const pageFor = (v: Viewer, title: string, body: string, active: string) =>
  page(title, body, { viewer: v, active, seesEverything: seesEverything(scopeOf(v)) });

export function refusalPage(c: Context, v: Viewer, text: string) {
  return html(
    c,
    pageFor(
      v,
      '无权查看',
      `${notice(text, 'error')}<p><a href="/console/calls">返回呼叫单列表</a></p>`,
      'calls',
    ),
    403,
  );
}

// --- a call's page ---

function assignmentRows(ctx: Ctx, det: CallDetails, now: Date) {
  return det.assignments.map((a) => {
    const open = isActive(a) && a.state !== 'resolved';
    const ackLate = open && !a.acknowledged_at && a.ack_due_at && new Date(a.ack_due_at) < now;
    const resLate = open && a.resolve_due_at && new Date(a.resolve_due_at) < now;
    return [
      escapeHtml(unitName(ctx.district, a.unit_code)),
      a.role === 'lead' ? '牵头' : a.role === 'co' ? '协办' : '自行处置',
      String(a.round),
      `<span class="badge">${escapeHtml(STATE_NAMES[a.state] ?? a.state)}</span>`,
      `${escapeHtml(when(a.ack_due_at))}${ackLate ? ' <span class="badge bad">报到超时</span>' : ''}`,
      escapeHtml(when(a.acknowledged_at)),
      `${escapeHtml(when(a.resolve_due_at))}${resLate ? ' <span class="badge bad">办结超时</span>' : ''}`,
      escapeHtml(when(a.resolved_at)),
      escapeHtml(maskPhones(a.result_text ?? a.return_reason ?? '')),
    ];
  });
}

function timeline(det: CallDetails) {
  return `<ol class="timeline" data-testid="timeline">${det.events
    .map((e) => {
      const p = e.payload ?? {};
      const said = [p.text, p.reason, p.note, p.comment].find((x) => typeof x === 'string') as
        | string
        | undefined;
      return `<li><time datetime="${new Date(e.at).toISOString()}">${escapeHtml(when(e.at))}</time><strong>${escapeHtml(
        EVENT_NAMES[e.kind] ?? e.kind,
      )}</strong> · ${escapeHtml(e.actor_label)}${said ? `：${escapeHtml(maskPhones(said))}` : ''}</li>`;
    })
    .join('')}</ol>`;
}

interface ActionForm {
  type: string;
  title: string;
  fields: string;
  submit: string;
}

const unitOptions = (ctx: Ctx, codes: string[]) =>
  codes
    .map((c) => `<option value="${escapeHtml(c)}">${escapeHtml(unitName(ctx.district, c))}</option>`)
    .join('');
const field = (type: string, name: string, label: string, control: string) =>
  `<label for="a-${type}-${name}">${label}</label>${control.replace('<X', `<select id="a-${type}-${name}" name="${name}" data-testid="action-${type}-${name}"`)}`;
const sel = (type: string, name: string, label: string, opts: string) =>
  field(type, name, label, `<X required>${opts}</select>`);
const text = (type: string, name: string, label: string, placeholder = '', required = true) =>
  `<label for="a-${type}-${name}">${label}</label><input id="a-${type}-${name}" name="${name}" ${required ? 'required ' : ''}maxlength="500" placeholder="${escapeHtml(placeholder)}" data-testid="action-${type}-${name}">`;

/** What the viewer may do on this call now, by role and state (execute() checks again). */
function actionsFor(ctx: Ctx, v: Viewer, det: CallDetails): ActionForm[] {
  const { call } = det;
  const d = ctx.district;
  const out: ActionForm[] = [];
  const active = det.assignments.filter((a) => isActive(a) && a.role !== 'self' && a.state !== 'resolved');
  const activeCodes = active.map((a) => a.unit_code);
  const others = d.departments
    .map((u) => u.code)
    .filter((c) => !det.assignments.some((a) => a.unit_code === c && isActive(a)));
  const open = (OPEN_CALL_STATES as readonly string[]).includes(call.state);
  const supervisor = ['office_staff', 'leader', 'admin'].includes(v.role);
  const office = v.role === 'office_staff' || v.role === 'admin';
  const street = (v.role === 'street_staff' || v.role === 'street_head') && v.unitCode === call.street_code;
  const mine = det.assignments.filter(
    (a: Assignment) => isActive(a) && a.unit_code === v.unitCode && a.state !== 'resolved',
  );
  if (
    supervisor &&
    ['called', 'returned'].includes(call.state) &&
    call.mode !== 'self' &&
    call.mode !== 'direct'
  )
    out.push({
      type: 'dispatch',
      title: '派单',
      fields:
        sel('dispatch', 'lead', '牵头部门', unitOptions(ctx, others)) +
        field(
          'dispatch',
          'co',
          '协办部门（可选）',
          `<X>${`<option value="">无</option>${unitOptions(ctx, others)}`}</select>`,
        ),
      submit: '派单',
    });
  if (supervisor && active.length && open) {
    out.push({
      type: 'reassign',
      title: '改派',
      fields:
        sel('reassign', 'from', '原部门', unitOptions(ctx, activeCodes)) +
        sel('reassign', 'to', '新部门', unitOptions(ctx, others)) +
        text('reassign', 'reason', '理由', '如：职责不符', false),
      submit: '改派',
    });
    out.push({
      type: 'add_co',
      title: '增派协办部门',
      fields: sel('add_co', 'department', '协办部门', unitOptions(ctx, others)),
      submit: '增派',
    });
    out.push({
      type: 'set_deadline',
      title: '调整时限',
      fields:
        sel('set_deadline', 'unit', '部门', unitOptions(ctx, activeCodes)) +
        sel(
          'set_deadline',
          'kind',
          '时限',
          '<option value="resolve">办结时限</option><option value="ack">报到时限</option>',
        ) +
        text('set_deadline', 'due', '新的时限', '2026-12-08 或 3wd、2wh') +
        text('set_deadline', 'reason', '理由', '至少2个字'),
      submit: '延期',
    });
  }
  if (office && open)
    out.push({
      type: 'spot_check',
      title: '督办（暗访督查）',
      fields: text('spot_check', 'note', '备注', '', false),
      submit: '标记督查',
    });
  if (street && call.state === 'resolved') {
    out.push({
      type: 'close',
      title: '结案',
      fields: '<p class="muted">确认办理结果并结案。</p>',
      submit: '结案',
    });
    out.push({ type: 'reopen', title: '要求重办', fields: text('reopen', 'reason', '理由'), submit: '重办' });
  }
  if ((street || office) && open)
    out.push({
      type: 'cancel',
      title: '撤销',
      fields: text('cancel', 'reason', '理由', '如：非真实问题'),
      submit: '撤销',
    });
  for (const a of mine) {
    if (!a.acknowledged_at)
      out.push({
        type: 'acknowledge',
        title: '报到',
        fields: `<input type="hidden" name="unit" value="${escapeHtml(a.unit_code)}">`,
        submit: '报到',
      });
    out.push({
      type: 'progress',
      title: '反馈进展',
      fields: `<input type="hidden" name="unit" value="${escapeHtml(a.unit_code)}">${text('progress', 'text', '进展')}`,
      submit: '反馈',
    });
    out.push({
      type: 'resolve',
      title: '办结',
      fields: `<input type="hidden" name="unit" value="${escapeHtml(a.unit_code)}">${text('resolve', 'text', '办理结果')}`,
      submit: '办结',
    });
    out.push({
      type: 'return',
      title: '退回',
      fields: `<input type="hidden" name="unit" value="${escapeHtml(a.unit_code)}">${text('return', 'reason', '退回理由')}`,
      submit: '退回',
    });
  }
  return out;
}

/** The form's values as the Command a chat message would make. */
function commandOf(no: string, f: Record<string, string>): Record<string, unknown> | null {
  const s = (k: string) => (f[k] ?? '').trim() || undefined;
  switch (f.action) {
    case 'dispatch':
      return { type: 'dispatch', ref: no, departments: [s('lead'), s('co')].filter(Boolean) };
    case 'reassign':
      return { type: 'reassign', ref: no, from: s('from'), to: s('to'), reason: s('reason') };
    case 'add_co':
      return { type: 'add_co', ref: no, departments: [s('department')].filter(Boolean) };
    case 'set_deadline':
      return {
        type: 'set_deadline',
        ref: no,
        unit: s('unit'),
        kind: s('kind'),
        due: s('due') ?? '',
        reason: s('reason') ?? '',
      };
    case 'spot_check':
      return { type: 'spot_check', ref: no, note: s('note') };
    case 'close':
      return { type: 'close', ref: no };
    case 'reopen':
    case 'cancel':
    case 'return':
      return {
        type: f.action,
        ref: no,
        reason: s('reason') ?? '',
        unit: f.action === 'return' ? s('unit') : undefined,
      };
    case 'acknowledge':
      return { type: 'acknowledge', ref: no, unit: s('unit') };
    case 'progress':
    case 'resolve':
      return { type: f.action, ref: no, text: s('text') ?? '', unit: s('unit') };
    default:
      return null;
  }
}

function photos(call: Call) {
  if (!call.images.length) return '';
  return `<h2>照片</h2><div class="photos">${call.images
    .map(
      (_, i) =>
        `<a href="/console/calls/${encodeURIComponent(call.no)}/photos/${i}"><img src="/console/calls/${encodeURIComponent(call.no)}/photos/${i}" alt="反映照片 ${i + 1}" loading="lazy"></a>`,
    )
    .join('')}</div>`;
}

async function callPage(services: Services, v: Viewer, det: CallDetails, message = '') {
  const { ctx } = services;
  const d = ctx.district;
  const { call } = det;
  const now = ctx.clock.now();
  const facts: [string, string][] = [
    ['状态', STATE_NAMES[call.state] ?? call.state],
    ['等级', `${TIER_NAMES[call.tier] ?? call.tier}${call.emergency ? '（紧急）' : ''}`],
    ['类别', d.catalogByCode.get(call.category_code)?.name ?? call.category_code],
    ['街道', unitName(d, call.street_code)],
    ['社区', call.community_code ? unitName(d, call.community_code) : '—'],
    ['地点', call.location ?? '—'],
    ['反映内容', maskPhones(call.text)],
    ['反映人', call.reporter_name ?? '—'],
    ['反映时间', when(call.created_at)],
    ['办结时限', when(call.resolve_due_at)],
    ['结案时间', when(call.closed_at)],
  ];
  const actions = actionsFor(ctx, v, det);
  const body = `${message}
<p><a href="/console/calls">← 呼叫单列表</a> · <a href="/console/calls/${encodeURIComponent(call.no)}/sheet" data-testid="sheet-link">打印呼叫单</a></p>
<dl class="facts" data-testid="call-facts">${facts.map(([k, x]) => `<dt>${k}</dt><dd>${escapeHtml(x)}</dd>`).join('')}</dl>
<h2>承办部门与时限</h2>
${table('承办部门', ['部门', '角色', '轮次', '状态', '报到时限', '报到时间', '办结时限', '办结时间', '结果/理由'], assignmentRows(ctx, det, now), { empty: '尚未派单', testid: 'assignments' })}
${photos(call)}
<h2>办理记录</h2>
${timeline(det)}
<h2>可办理的操作</h2>
${
  actions.length
    ? `<div class="actions">${actions
        .map(
          (
            a,
          ) => `<form method="post" action="/console/calls/${encodeURIComponent(call.no)}/actions" data-testid="action-${a.type}" aria-label="${escapeHtml(a.title)}">
<h3>${escapeHtml(a.title)}</h3><input type="hidden" name="action" value="${a.type}">${a.fields}<button type="submit" data-testid="action-${a.type}-submit">${escapeHtml(a.submit)}</button></form>`,
        )
        .join('')}</div>`
    : '<p class="muted">当前没有您可办理的操作。</p>'
}`;
  return pageFor(v, `呼叫单 ${call.no}`, body, 'calls');
}

const DONE: Record<string, string> = {
  dispatch: '已派单',
  reassign: '已改派',
  add_co: '已增派协办部门',
  set_deadline: '已调整时限',
  spot_check: '已标记督查',
  close: '已结案',
  reopen: '已要求重办',
  cancel: '已撤销',
  acknowledge: '已报到',
  progress: '已反馈进展',
  resolve: '已办结',
  return: '已退回',
};

export function callRoutes(app: Hono<ConsoleEnv>, services: Services) {
  const { ctx } = services;
  const schema = listSchema(ctx);

  app.get('/calls', async (c) => {
    const v = c.get('viewer');
    const scope = scopeOf(v);
    if (!scope) return refusalPage(c, v, '您的身份无权查看呼叫单。');
    // a GET form sends its empty fields: they mean "any"
    const raw = Object.fromEntries(Object.entries(c.req.query()).filter(([, x]) => x !== ''));
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
      return html(
        c,
        pageFor(
          v,
          '呼叫单',
          filterForm(ctx, {}, scope) +
            notice(
              parsed.error.issues
                .map((i) =>
                  i.code === 'unrecognized_keys' ? `不支持的参数：${i.keys.join('、')}` : i.message,
                )
                .join('；'),
              'error',
            ),
          'calls',
        ),
        400,
      );
    const f = parsed.data;
    const pageNo = f.page ?? 1;
    const filter = toFilter(f, scope);
    const now = ctx.clock.now();
    const [rows, total] = await Promise.all([
      listCalls(ctx.db, { ...filter, limit: PER_PAGE, offset: (pageNo - 1) * PER_PAGE }, now),
      countCalls(ctx.db, filter, now),
    ]);
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    const link = (p: number) => {
      const q = new URLSearchParams({ ...raw, page: String(p) });
      return `/console/calls?${q.toString()}`;
    };
    const body = `${filterForm(ctx, raw, scope)}
<p data-testid="calls-total">共 ${total} 件</p>
${table(
  '呼叫单列表',
  ['编号', '状态', '等级', '类别', '街道', '内容', '反映时间', '办结时限'],
  rows.map((r) => callRow(ctx, r)),
  { empty: '没有符合条件的呼叫单', testid: 'calls' },
)}
<nav class="pager" aria-label="分页">${pageNo > 1 ? `<a href="${escapeHtml(link(pageNo - 1))}" rel="prev">上一页</a>` : ''}<span>第 ${pageNo} / ${pages} 页</span>${pageNo < pages ? `<a href="${escapeHtml(link(pageNo + 1))}" rel="next" data-testid="next-page">下一页</a>` : ''}</nav>`;
    return html(c, pageFor(v, '呼叫单', body, 'calls'));
  });

  /** The call, when the viewer may see it; else the answer to give. */
  async function visible(c: Context<ConsoleEnv>): Promise<CallDetails | Response> {
    const v = c.get('viewer');
    let call: Call;
    try {
      call = await findCall(ctx.db, c.req.param('no') ?? '');
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      return html(c, pageFor(v, '没有找到', notice(e.reason, 'error'), 'calls'), 404);
    }
    if (!(await mayView(ctx, scopeOf(v), call))) {
      ctx.log.info({ callNo: call.no, actorId: v.personId, actorRole: v.role }, 'console call refused');
      return refusalPage(
        c,
        v,
        `您无权查看呼叫单 ${call.no}：街道只能查看本街道的呼叫单，部门只能查看派给本部门的呼叫单。`,
      );
    }
    return callDetails(ctx.db, call.id);
  }

  app.get('/calls/:no', async (c) => {
    const det = await visible(c);
    if (det instanceof Response) return det;
    const done = c.req.query('done');
    return html(
      c,
      await callPage(
        services,
        c.get('viewer'),
        det,
        done && DONE[done] ? notice(`${DONE[done]}，已通知相关群。`, 'ok') : '',
      ),
    );
  });

  app.post('/calls/:no/actions', async (c) => {
    const det = await visible(c);
    if (det instanceof Response) return det;
    const v = c.get('viewer');
    const form = (await c.req.parseBody().catch(() => ({}))) as Record<string, unknown>;
    const values = Object.fromEntries(
      Object.entries(form).filter(([, x]) => typeof x === 'string'),
    ) as Record<string, string>;
    const command = commandOf(det.call.no, values);
    if (!command) return html(c, await callPage(services, v, det, notice('没有这个操作', 'error')), 400);
    // the same path as a typed command: checked, recorded, announced in the chats
    const outcome = await execute(ctx, { actor: v, origin: null, quiet: true }, command);
    if (!outcome.ok)
      return html(
        c,
        await callPage(
          services,
          v,
          await callDetails(ctx.db, det.call.id),
          notice(`未能办理：${outcome.reason}`, 'error'),
        ),
        422,
      );
    return c.redirect(`/console/calls/${encodeURIComponent(det.call.no)}?done=${values.action}`, 303);
  });

  app.get('/calls/:no/sheet', async (c) => {
    const det = await visible(c);
    if (det instanceof Response) return det;
    return c.body(renderSheet(ctx.district, det, ctx.clock.now()), 200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'",
    });
  });
  // the sheet asks for its font beside itself
  app.get('/calls/fonts/:file', (c) => c.redirect(SHEET_FONT_PATH, 301));

  app.get('/calls/:no/photos/:i', async (c) => {
    const det = await visible(c);
    if (det instanceof Response) return det;
    const ref = det.call.images[Number(c.req.param('i'))];
    for (const sender of services.senders.values()) {
      const photo = ref
        ? await (
            sender as { photo?: (r: string) => Promise<{ mime: string; bytes: Buffer } | undefined> }
          ).photo?.(ref)
        : undefined;
      if (photo)
        return c.body(new Uint8Array(photo.bytes), 200, {
          'Content-Type': photo.mime,
          'Cache-Control': 'private, max-age=300',
        });
    }
    return c.text('照片不在本系统中（存于聊天平台）', 404);
  });
}
