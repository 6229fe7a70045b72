// People and chats (the office and the leaders only): who is bound to which unit and on which
// platform, which chats are bound, with problems flagged — a chat whose sends keep failing (the
// bot was removed from it), a liaison with no platform id, a department with no liaison.
import type { Hono } from 'hono';
import { unitName } from '../../handlers/cards/fields.ts';
import { ROLE_NAMES } from '../../handlers/people.ts';
import { formatShanghai } from '../../handlers/worktime.ts';
import { platformLabel } from '../adapters.ts';
import type { Services } from '../services.ts';
import { refusalPage } from './calls.ts';
import { escapeHtml, html, page, table } from './html.ts';
import { scopeOf, seesEverything } from './scope.ts';
import type { ConsoleEnv } from './session.ts';

const flag = (text: string) => `<span class="badge bad" data-testid="problem">${escapeHtml(text)}</span>`;

export function peopleRoutes(app: Hono<ConsoleEnv>, services: Services) {
  const { ctx } = services;
  app.get('/people', async (c) => {
    const v = c.get('viewer');
    if (!seesEverything(scopeOf(v))) return refusalPage(c, v, '人员与群的情况仅呼应办和区领导可以查看。');
    const d = ctx.district;
    const [people, ids, chats, latest] = await Promise.all([
      ctx.db
        .selectFrom('people')
        .selectAll()
        .where('role', '<>', 'resident')
        .orderBy('unit_code')
        .orderBy('id')
        .execute(),
      ctx.db.selectFrom('person_identities').select(['person_id', 'platform']).execute(),
      ctx.db.selectFrom('chat_bindings').selectAll().orderBy('unit_code').orderBy('platform').execute(),
      // a chat whose latest send failed for good: the bot is no longer in it, or may not speak there
      ctx.db
        .selectFrom('outbox')
        .select(['platform', 'chat_id', 'state', 'created_at'])
        .distinctOn(['platform', 'chat_id'])
        .where('kind', '=', 'message')
        .where('state', 'in', ['sent', 'failed'])
        .orderBy('platform')
        .orderBy('chat_id')
        .orderBy('id', 'desc')
        .execute(),
    ]);
    const platformsOf = new Map<string, string[]>();
    for (const i of ids)
      platformsOf.set(String(i.person_id), [...(platformsOf.get(String(i.person_id)) ?? []), i.platform]);
    const lastSend = new Map(latest.map((f) => [`${f.platform}|${f.chat_id}`, f]));
    const problems: string[] = [];
    const peopleRows = people.map((p) => {
      const platforms = platformsOf.get(p.id) ?? [];
      const issue =
        !platforms.length &&
        ['liaison', 'department_head', 'street_staff', 'street_head', 'office_staff', 'leader'].includes(
          p.role,
        )
          ? '没有平台账号，收不到消息'
          : '';
      if (issue) problems.push(`${p.name}（${unitName(d, p.unit_code)}）${issue}`);
      return [
        escapeHtml(p.name),
        escapeHtml(ROLE_NAMES[p.role as keyof typeof ROLE_NAMES] ?? p.role),
        escapeHtml(unitName(d, p.unit_code)),
        escapeHtml(platforms.map(platformLabel).join('、') || '—'),
        issue ? flag(issue) : '',
      ];
    });
    const chatRows = chats.map((ch) => {
      const last = lastSend.get(`${ch.platform}|${ch.chat_id}`);
      const text =
        last?.state === 'failed'
          ? `最近一次发送失败（${formatShanghai(new Date(last.created_at))}）：机器人可能已被移出该群`
          : '';
      if (text) problems.push(`${ch.title ?? ch.chat_id}：${text}`);
      return [
        escapeHtml(ch.title ?? ch.chat_id),
        escapeHtml(platformLabel(ch.platform)),
        escapeHtml(unitName(d, ch.unit_code)),
        escapeHtml(ch.role),
        text ? flag(text) : '',
      ];
    });
    const unitRows = d.departments.map((u) => {
      const liaisons = people.filter((p) => p.unit_code === u.code && p.role === 'liaison');
      const bound = chats.some((ch) => ch.unit_code === u.code);
      const issues = [...(liaisons.length ? [] : ['没有联络员']), ...(bound ? [] : ['没有绑定部门群'])];
      for (const i of issues) problems.push(`${u.name}${i}`);
      return [
        escapeHtml(u.name),
        escapeHtml(liaisons.map((p) => p.name).join('、') || '—'),
        issues.map(flag).join(' '),
      ];
    });
    const body = `<h2>需要处理的问题（${problems.length}）</h2>
${problems.length ? `<ul data-testid="problems">${problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>` : '<p class="muted">没有发现问题。</p>'}
<h2>部门</h2>
${table('部门与联络员', ['部门', '联络员', '问题'], unitRows, { testid: 'departments' })}
<h2>已绑定的群</h2>
${table('群', ['群', '平台', '单位', '类型', '问题'], chatRows, { testid: 'chats' })}
<h2>工作人员</h2>
${table('人员', ['姓名', '角色', '单位', '平台', '问题'], peopleRows, { testid: 'people' })}`;
    return html(c, page('人员与群', body, { viewer: v, active: 'people', seesEverything: true }));
  });
}
