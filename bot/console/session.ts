// Logging in to the console: a one-time link from the chat (登录后台) opens a page whose button
// starts a session (a link preview fetching the page uses nothing); the session is an HttpOnly,
// SameSite cookie whose digest alone is stored; it expires, and its owner can revoke it.
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createSession, liveSession, revokeSessions, useLink } from '../../db/console-sessions.ts';
import type { ConsoleSession } from '../../db/schema.ts';
import { unitName } from '../../handlers/cards/fields.ts';
import { mayUseConsole } from '../../handlers/console-login.ts';
import type { Ctx } from '../../handlers/context.ts';
import { type Actor, actorById } from '../../handlers/people.ts';
import { escapeHtml, html, notice, page } from './html.ts';

export const SESSION_COOKIE = 'huying_console';
export const SESSION_HOURS = 12;

export type Viewer = Actor & { personId: string; unitName: string; session: ConsoleSession };
export type ConsoleEnv = { Variables: { viewer: Viewer } };

const HOW = '在呼应所在的任一群聊或私聊中发送「登录后台」，呼应会私下发给您一次性登录链接（10分钟内有效）。';

const loginPage = (body: string) =>
  page('登录呼应后台', `<div class="login-box">${body}<p class="muted">${escapeHtml(HOW)}</p></div>`);

const REFUSED: Record<'unknown' | 'used' | 'expired', string> = {
  unknown: '登录链接无效：请检查链接是否完整，或重新获取。',
  used: '此登录链接已使用过（每个链接只能使用一次）：请重新获取。',
  expired: '此登录链接已过期（10分钟内有效）：请重新获取。',
};

/** A secret as the links carry it: 43 URL-safe characters; anything else is no link at all. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;

/** A POST from another site is refused even where a browser would send the cookie. */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (!origin || origin === 'null') return !origin;
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function loginRoutes(app: Hono<ConsoleEnv>, ctx: Ctx) {
  app.get('/login', (c) => html(c, loginPage('')));
  app.get('/login/:secret', (c) => {
    const secret = c.req.param('secret');
    if (!SECRET.test(secret)) return html(c, loginPage(notice(REFUSED.unknown, 'error')), 400);
    return html(
      c,
      loginPage(`<p>点击下方按钮进入后台。此链接只能使用一次。</p>
<form method="post" action="/console/login"><input type="hidden" name="secret" value="${escapeHtml(secret)}">
<button type="submit" data-testid="login-submit" autofocus>进入呼应后台</button></form>`),
    );
  });
  app.post('/login', async (c) => {
    if (!sameOrigin(c)) return html(c, loginPage(notice('请求来源不符，已拒绝。', 'error')), 403);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const secret = typeof form.secret === 'string' ? form.secret : '';
    if (!SECRET.test(secret)) return html(c, loginPage(notice(REFUSED.unknown, 'error')), 400);
    const now = ctx.clock.now();
    const used = await useLink(ctx.db, secret, now);
    if ('refused' in used) {
      ctx.log.info({ reason: used.refused }, 'console login refused');
      return html(
        c,
        loginPage(notice(REFUSED[used.refused], 'error')),
        used.refused === 'unknown' ? 400 : 410,
      );
    }
    const actor = await actorById(ctx.db, used.personId);
    if (!actor || !mayUseConsole(actor.role))
      return html(c, loginPage(notice('您的身份无权使用后台。', 'error')), 403);
    const session = await createSession(ctx.db, {
      personId: used.personId,
      linkId: used.linkId,
      now,
      ttlMs: SESSION_HOURS * 3600_000,
      userAgent: c.req.header('user-agent'),
    });
    setCookie(c, SESSION_COOKIE, session.secret, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/console',
      secure: new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https',
      maxAge: SESSION_HOURS * 3600,
    });
    ctx.log.info({ actorId: used.personId, actorRole: actor.role }, 'console session started');
    return c.redirect('/console', 303);
  });
  app.post('/logout', async (c) => {
    const secret = getCookie(c, SESSION_COOKIE);
    if (secret && sameOrigin(c)) {
      const s = await liveSession(ctx.db, secret, ctx.clock.now());
      if (s) await revokeSessions(ctx.db, String(s.person_id), ctx.clock.now(), s.id);
    }
    deleteCookie(c, SESSION_COOKIE, { path: '/console' });
    return html(c, loginPage(notice('已退出登录。', 'ok')));
  });
}

/** Everything else needs a live session: the viewer is set for the pages, or the login page answers. */
export function sessionGuard(ctx: Ctx): MiddlewareHandler<ConsoleEnv> {
  return async function consoleSessionGuard(c, next) {
    const secret = getCookie(c, SESSION_COOKIE);
    const session = secret ? await liveSession(ctx.db, secret, ctx.clock.now()) : undefined;
    const actor = session ? await actorById(ctx.db, String(session.person_id)) : undefined;
    if (!session || !actor || !mayUseConsole(actor.role)) {
      if (secret) deleteCookie(c, SESSION_COOKIE, { path: '/console' });
      const why = secret ? '登录已过期或已被撤销，请重新登录。' : '请先登录。';
      if (c.req.header('accept')?.includes('text/event-stream')) return c.text(why, 401);
      return html(c, loginPage(notice(why, 'info')), 401);
    }
    if (c.req.method === 'POST' && !sameOrigin(c))
      return html(c, page('已拒绝', notice('请求来源不符，已拒绝。', 'error')), 403);
    c.set('viewer', {
      ...actor,
      personId: String(session.person_id),
      unitName: unitName(ctx.district, actor.unitCode),
      session,
    });
    await next();
  };
}
