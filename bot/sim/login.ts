// The simulator's login when it runs as a sandbox beside a real platform: the admin token, as a
// bearer header for scripts or typed once into the login page, which sets a session cookie.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

const COOKIE = 'huying_sim';

const page = (message = '') => `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>呼应 · 模拟器沙盒登录</title><link rel="stylesheet" href="/sim/assets/style.css"></head>
<body class="login">
<main class="login-box">
<h1>呼应 · 群聊模拟器（沙盒）</h1>
<p>本服务已接入正式平台。模拟器以沙盒方式运行：数据与正式呼叫单完全隔离，只能使用演练身份，不能查看或办理真实呼叫单。</p>
<form method="post" action="/sim/login">
<label for="token">管理员令牌</label>
<input id="token" name="token" type="password" autocomplete="current-password" required data-testid="sim-login-token">
<button data-testid="sim-login-submit">登录</button>
</form>
${message ? `<p class="error" role="alert">${message}</p>` : ''}
</main></body></html>`;

function same(a: string, b: string) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface SimLogin {
  routes: Hono;
  guard: MiddlewareHandler;
}

export function simLogin(adminToken: string): SimLogin {
  // the session is a keyed digest of the token: rotating ADMIN_TOKEN ends every session
  const session = createHmac('sha256', adminToken).update('huying-sim-session').digest('hex');
  const routes = new Hono();
  routes.get('/', (c) => c.html(page()));
  routes.post('/', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === 'string' ? form.token : '';
    if (!same(token, adminToken)) return c.html(page('令牌不正确'), 401);
    setCookie(c, COOKIE, session, { httpOnly: true, sameSite: 'Strict', path: '/sim', maxAge: 12 * 3600 });
    return c.redirect('/sim');
  });
  const authorised = (c: Context) => {
    const header = c.req.header('authorization') ?? '';
    if (header.startsWith('Bearer ') && same(header.slice(7), adminToken)) return true;
    const cookie = getCookie(c, COOKIE);
    return !!cookie && same(cookie, session);
  };
  const guard: MiddlewareHandler = async function simLoginGuard(c, next) {
    if (c.req.path === '/sim/login' || c.req.path.startsWith('/sim/assets/') || authorised(c)) return next();
    if (c.req.path.startsWith('/sim/api/'))
      return c.json(
        {
          ok: false,
          error: 'unauthorized',
          message: '模拟器沙盒需要登录：请带上管理员令牌（Authorization: Bearer …）',
        },
        401,
      );
    return c.redirect('/sim/login');
  };
  return { routes, guard };
}
