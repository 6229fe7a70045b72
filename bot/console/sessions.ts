// A person's console sessions: where and when they logged in, which are live; revoke one or all.
import type { Hono } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { revokeSessions, sessionsOf } from '../../db/console-sessions.ts';
import { formatShanghai } from '../../handlers/worktime.ts';
import type { Services } from '../services.ts';
import { escapeHtml, html, notice, page, table } from './html.ts';
import { scopeOf, seesEverything } from './scope.ts';
import { type ConsoleEnv, SESSION_COOKIE } from './session.ts';

export function sessionRoutes(app: Hono<ConsoleEnv>, services: Services) {
  const { ctx } = services;
  app.get('/sessions', async (c) => {
    const v = c.get('viewer');
    const now = ctx.clock.now();
    const rows = (await sessionsOf(ctx.db, v.personId)).map((s) => {
      const live = !s.revoked_at && new Date(s.expires_at) > now;
      const state = s.revoked_at ? '已撤销' : live ? '有效' : '已过期';
      return [
        `${escapeHtml(formatShanghai(new Date(s.created_at)))}${s.id === v.session.id ? ' <span class="badge ok">当前</span>' : ''}`,
        escapeHtml(formatShanghai(new Date(s.last_seen_at))),
        escapeHtml(formatShanghai(new Date(s.expires_at))),
        `<span data-testid="session-state">${state}</span>`,
        escapeHtml((s.user_agent ?? '').slice(0, 80)),
        live
          ? `<form method="post" action="/console/sessions/${s.id}/revoke" class="inline"><button type="submit" class="secondary" data-testid="revoke-session">撤销</button></form>`
          : '',
      ];
    });
    const done = c.req.query('done');
    const body = `${done ? notice(`已撤销 ${Number(done) || 0} 个登录。`, 'ok') : ''}
<p>登录链接只能使用一次、10分钟内有效；每次登录保持12小时。发现不认识的登录请立即撤销。</p>
${table('我的登录', ['登录时间', '最近使用', '到期时间', '状态', '浏览器', ''], rows, { testid: 'sessions' })}
<form method="post" action="/console/sessions/revoke-all"><button type="submit" data-testid="revoke-all">撤销全部登录（包括当前）</button></form>`;
    return html(
      c,
      page('我的登录', body, { viewer: v, active: 'sessions', seesEverything: seesEverything(scopeOf(v)) }),
    );
  });
  app.post('/sessions/revoke-all', async (c) => {
    const v = c.get('viewer');
    await revokeSessions(ctx.db, v.personId, ctx.clock.now());
    deleteCookie(c, SESSION_COOKIE, { path: '/console' });
    return c.redirect('/console/login', 303);
  });
  app.post('/sessions/:id/revoke', async (c) => {
    const v = c.get('viewer');
    const id = c.req.param('id');
    if (!/^\d{1,18}$/.test(id)) return html(c, page('我的登录', notice('没有这个登录', 'error')), 400);
    const n = await revokeSessions(ctx.db, v.personId, ctx.clock.now(), id);
    if (id === v.session.id) {
      deleteCookie(c, SESSION_COOKIE, { path: '/console' });
      return c.redirect('/console/login', 303);
    }
    return c.redirect(`/console/sessions?done=${n}`, 303);
  });
}
