// Switches Lark on when its credentials are set: the sender for the send worker, and for the web
// role the webhook at /webhooks/lark or the long connection (LARK_MODE=ws).
import type { Hono } from 'hono';
import type { Env } from '../../config/env.ts';
import type { Logger } from '../../config/log.ts';
import { generatedImages } from '../../handlers/images.ts';
import { envOf } from '../adapter.ts';
import type { AppEnv } from '../app.ts';
import type { Services } from '../services.ts';
import { createLarkApi, type LarkApi } from './client.ts';
import { LARK_ENV } from './env.ts';
import { createLarkEvents, type LarkEvents } from './events.ts';
import { LarkSender } from './sender.ts';
import { larkWebhook } from './webhook.ts';
import { larkDispatcher, startLarkWs } from './ws.ts';

export interface LarkAdapter {
  api: LarkApi;
  sender: LarkSender;
  /** present in the web role */
  events?: LarkEvents;
  /** how events arrive: 'webhook', 'ws', or 'off' (worker role, or refused in production) */
  inbound: 'webhook' | 'ws' | 'off';
}

/** Why the webhook may not run with this environment, or undefined when it may. */
export function webhookRefusal(raw: Env): string | undefined {
  const env = envOf(raw, LARK_ENV);
  if (env.LARK_ENCRYPT_KEY || env.NODE_ENV !== 'production') return undefined;
  return 'LARK_ENCRYPT_KEY is not set: the Lark webhook stays off in production (unsigned requests could be forged)';
}

function disabledWebhook(reason: string) {
  return async (c: { json: (b: unknown, s: 503) => Response }) => c.json({ error: 'disabled', reason }, 503);
}

async function drain(events: LarkEvents, log: Logger, ms: number) {
  const left = events.backlog();
  if (!left) return;
  log.info({ backlog: left }, 'lark: finishing events in hand');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((r) => {
    timer = setTimeout(r, ms);
  });
  await Promise.race([events.idle(), timeout]);
  clearTimeout(timer);
  if (events.backlog())
    log.warn({ backlog: events.backlog() }, 'lark: stopped with events unfinished (kept in inbound_events)');
}

export async function mountLark(
  app: Hono<AppEnv>,
  services: Services,
  roles: { web: boolean; worker: boolean },
): Promise<LarkAdapter | undefined> {
  const env = envOf(services.runtime.env, LARK_ENV);
  if (!env.LARK_APP_ID || !env.LARK_APP_SECRET) return undefined;
  const log = services.ctx.log.child({ platform: 'lark' });
  const api = createLarkApi(
    { appId: env.LARK_APP_ID, appSecret: env.LARK_APP_SECRET, domain: env.LARK_DOMAIN },
    log,
  );
  const sender = new LarkSender(api, log, generatedImages(services.ctx));
  services.senders.set('lark', sender);
  if (!roles.web) return { api, sender, inbound: 'off' };

  const events = createLarkEvents({
    ctx: services.ctx,
    router: services.router,
    botOpenId: async () => (await api.botInfo()).openId,
    // Embedded PGlite runs one query at a time anyway, and pglite-socket mixes up statements of
    // concurrent connections: there the adapter uses the database one operation at a time.
    exclusive: services.runtime.database.embedded,
  });
  // Fetched once at start and remembered; if Lark is unreachable now, the first event retries it.
  api.botInfo().then(
    (bot) => log.info({ botOpenId: bot.openId, botName: bot.name }, 'lark: bot identity'),
    (err) => log.error({ err }, 'lark: cannot fetch the bot identity yet (credentials? network?)'),
  );
  services.stoppers.push(() => drain(events, log, 10_000));

  if (env.LARK_MODE === 'ws') {
    const conn = startLarkWs(
      { appId: env.LARK_APP_ID, appSecret: env.LARK_APP_SECRET, domain: api.domain, http: api.http },
      larkDispatcher(events, log),
      log,
    );
    services.stoppers.push(() => conn.stop());
    log.info('lark: events by long connection');
    return { api, sender, events, inbound: 'ws' };
  }

  const refusal = webhookRefusal(env);
  if (refusal) {
    log.error({ variable: 'LARK_ENCRYPT_KEY' }, refusal);
    app.post('/webhooks/lark', disabledWebhook(refusal));
    return { api, sender, events, inbound: 'off' };
  }
  if (!env.LARK_ENCRYPT_KEY)
    log.warn(
      { variable: 'LARK_ENCRYPT_KEY' },
      `!!! LARK_ENCRYPT_KEY is not set: the Lark webhook accepts UNSIGNED requests${env.LARK_VERIFICATION_TOKEN ? ' (checking only the verification token)' : ' from anyone'}. Set it before going live. !!!`,
    );
  if (!env.LARK_VERIFICATION_TOKEN)
    log.warn(
      { variable: 'LARK_VERIFICATION_TOKEN' },
      'LARK_VERIFICATION_TOKEN is not set: URL verification and event tokens are not checked',
    );
  app.route(
    '/webhooks/lark',
    larkWebhook({
      encryptKey: env.LARK_ENCRYPT_KEY,
      verificationToken: env.LARK_VERIFICATION_TOKEN,
      events,
      log,
    }),
  );
  log.info({ path: '/webhooks/lark' }, 'lark: events by webhook');
  return { api, sender, events, inbound: 'webhook' };
}
