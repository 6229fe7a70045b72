// Switches WeCom on when its 智能机器人 Token is set: the sender for the send worker, and for the
// web role the callback URL at /webhooks/wecom.
import type { Hono } from 'hono';
import type { Logger } from '../../config/log.ts';
import { generatedImages } from '../../handlers/images.ts';
import { envOf } from '../adapter.ts';
import type { AppEnv } from '../app.ts';
import type { Services } from '../services.ts';
import { DEFAULT_API_BASE, WECOM_ENV } from './env.ts';
import { createWecomEvents, type WecomEvents } from './events.ts';
import { WecomSender } from './sender.ts';
import { wecomWebhook } from './webhook.ts';

export interface WecomAdapter {
  sender: WecomSender;
  /** present in the web role */
  events?: WecomEvents;
}

async function drain(events: WecomEvents, log: Logger, ms: number) {
  if (!events.backlog()) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([events.idle(), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
  if (events.backlog())
    log.warn(
      { backlog: events.backlog() },
      'wecom: stopped with callbacks unfinished (kept in inbound_events)',
    );
}

export async function mountWecom(
  app: Hono<AppEnv>,
  services: Services,
  roles: { web: boolean; worker: boolean },
): Promise<WecomAdapter | undefined> {
  const env = envOf(services.runtime.env, WECOM_ENV);
  if (!env.WECOM_TOKEN || !env.WECOM_ENCODING_AES_KEY) return undefined;
  const log = services.ctx.log.child({ platform: 'wecom' });
  const sender = new WecomSender({
    apiBase: env.WECOM_API_BASE ?? DEFAULT_API_BASE,
    botName: env.WECOM_BOT_NAME,
    webhooks: env.WECOM_GROUP_WEBHOOKS,
    log,
    images: generatedImages(services.ctx),
  });
  services.senders.set('wecom', sender);
  const bound = services.ctx.district.chats.filter((ch) => ch.platform === 'wecom');
  const missing = bound.filter((ch) => !env.WECOM_GROUP_WEBHOOKS[ch.chat_id ?? '']);
  if (missing.length)
    log.warn(
      { chats: missing.map((ch) => ch.chat_id) },
      'wecom: bound groups without a 消息推送 webhook (WECOM_GROUP_WEBHOOKS): only answers reach them',
    );
  if (!roles.web) return { sender };

  const events = createWecomEvents({
    ctx: services.ctx,
    router: services.router,
    botName: env.WECOM_BOT_NAME,
    exclusive: services.runtime.database.embedded,
  });
  services.stoppers.push(() => drain(events, log, 10_000));
  app.route(
    '/webhooks/wecom',
    wecomWebhook({
      token: env.WECOM_TOKEN,
      aesKey: env.WECOM_ENCODING_AES_KEY,
      botId: env.WECOM_BOT_ID,
      events,
      log,
    }),
  );
  log.info(
    { path: '/webhooks/wecom', groups: Object.keys(env.WECOM_GROUP_WEBHOOKS).length },
    'wecom: callbacks by webhook',
  );
  return { sender, events };
}
