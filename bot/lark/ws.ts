// LARK_MODE=ws: the long connection (no public address needed). The SDK's dispatcher hands each
// event, flattened, to the same handlers the webhook uses; a card action's answer rides back on
// the acknowledgement.
import * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../../config/log.ts';
import { sdkLogger } from './client.ts';
import type { LarkEvents } from './events.ts';
import { LarkEventError } from './inbound.ts';

type Handler = (data: any) => Promise<unknown>;

export function larkDispatcher(events: LarkEvents, log: Logger): lark.EventDispatcher {
  const l = log.child({ platform: 'lark', route: 'ws' });
  // A malformed event will not get better on redelivery: log it and acknowledge.
  const guard =
    (name: string, fn: Handler): Handler =>
    async (data) => {
      try {
        return await fn(data);
      } catch (e) {
        if (e instanceof LarkEventError) {
          l.warn({ eventId: data?.event_id, reason: e.message }, `lark: malformed ${name} ignored`);
          return undefined;
        }
        throw e;
      }
    };
  return new lark.EventDispatcher({ logger: sdkLogger(l) }).register<Record<string, Handler>>({
    'im.message.receive_v1': guard('message', async (data) => {
      await events.onMessage(data);
      return undefined;
    }),
    'card.action.trigger': guard('card action', (data) => events.onCardAction(data)),
  });
}

export interface LarkWsConnection {
  stop(): Promise<void>;
}

export function startLarkWs(
  opts: { appId: string; appSecret: string; domain: string | lark.Domain; http: lark.HttpInstance },
  dispatcher: lark.EventDispatcher,
  log: Logger,
): LarkWsConnection {
  if (!/^cli_[0-9a-f]{16}$/.test(opts.appId))
    log.warn(
      { appId: opts.appId },
      'LARK_APP_ID does not look like cli_ + 16 hex characters: the SDK may not connect the long connection',
    );
  const ws = new lark.WSClient({
    appId: opts.appId,
    appSecret: opts.appSecret,
    domain: opts.domain,
    httpInstance: opts.http,
    logger: sdkLogger(log.child({ platform: 'lark', route: 'ws' })),
    autoReconnect: true,
    handshakeTimeoutMs: 10_000,
    onReady: () => log.info('lark: long connection ready'),
    onError: (err) => log.error({ err }, 'lark: long connection failed'),
    onReconnecting: () => log.warn('lark: long connection lost, reconnecting'),
    onReconnected: () => log.info('lark: long connection restored'),
  });
  void ws
    .start({ eventDispatcher: dispatcher })
    .catch((err) => log.error({ err }, 'lark: long connection failed'));
  return {
    async stop() {
      ws.close({ force: true });
    },
  };
}
