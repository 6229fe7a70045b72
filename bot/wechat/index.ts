// Switches WeChat on when a wechaty puppet is named (WECHATY_PUPPET): the bot, its sender for the
// send worker, and /admin/wechat. The session lives in one process only: the worker role.

import type { Hono } from 'hono';
import { generatedImages } from '../../handlers/images.ts';
import { envOf } from '../adapter.ts';
import type { AppEnv } from '../app.ts';
import type { Services } from '../services.ts';
import { createWechatAdapter, type WechatStatus } from './adapter.ts';
import { wechatAdminRoutes } from './admin.ts';
import { WECHAT_ENV } from './env.ts';
import { type WechatBotLike, WechatSender } from './sender.ts';

export type { WechatStatus } from './adapter.ts';
export { wechatAdminRoutes } from './admin.ts';

export interface WechatHandle {
  sender: WechatSender;
  status(): WechatStatus;
  /** resolves when no room message is waiting or being handled (tests, shutdown) */
  idle(): Promise<void>;
  /** the running bot (wechaty's), for tests and tools */
  bot(): WechatBotLike | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the bot and registers the sender as 'wechat' and the stop in services.stoppers. Resolves
 * once the bot has started (logged in or waiting for a scan), or at once with `wait: false`; a bot
 * that fails to start is retried in the background and reported to the office, never failing the
 * service.
 */
export async function startWechat(
  services: Services,
  opts: { puppet?: unknown; wait?: boolean } = {},
): Promise<WechatHandle> {
  const env = envOf(services.runtime.env, WECHAT_ENV);
  const puppet = opts.puppet ?? env.WECHATY_PUPPET;
  if (!puppet) throw new Error('startWechat: no puppet (set WECHATY_PUPPET)');
  const adapter = createWechatAdapter({
    ctx: services.ctx,
    router: services.router,
    puppet,
    token: env.WECHATY_PUPPET_SERVICE_TOKEN,
    dataDir: env.HUYING_DATA_DIR,
    adminUrl: env.HUYING_PUBLIC_URL ? `${env.HUYING_PUBLIC_URL.replace(/\/$/, '')}/admin/wechat` : undefined,
    // Embedded PGlite: one database operation at a time (see bot/lark/adapter.ts).
    concurrency: services.runtime.database.embedded ? 1 : 4,
  });
  const log = services.ctx.log.child({ platform: 'wechat' });
  const sender = new WechatSender(adapter.bot, adapter.online, log, generatedImages(services.ctx));
  services.senders.set('wechat', sender);
  services.stoppers.push(() => adapter.stop());
  // A service puppet may take long to reach its vendor: the server need not wait for it.
  if (opts.wait === false) void adapter.start();
  else await adapter.start();
  return {
    sender,
    status: adapter.status,
    idle: () => adapter.inbound.idle(),
    bot: adapter.bot,
    stop: () => adapter.stop(),
  };
}

/** For the wiring: WeChat runs where the send worker runs; elsewhere the page says where it is. */
export async function mountWechat(
  app: Hono<AppEnv>,
  services: Services,
  roles: { worker: boolean },
): Promise<WechatHandle | undefined> {
  const env = envOf(services.runtime.env, WECHAT_ENV);
  if (!env.WECHATY_PUPPET) return undefined;
  if (!roles.worker) {
    app.get('/admin/wechat', (c) =>
      c.json(
        { error: 'elsewhere', message: '微信机器人运行在 worker 进程中，请访问该进程的 /admin/wechat' },
        404,
      ),
    );
    return undefined;
  }
  const handle = await startWechat(services, { wait: false });
  app.route('/admin/wechat', wechatAdminRoutes(handle.status, env.ADMIN_TOKEN));
  return handle;
}
