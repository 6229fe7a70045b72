// The long connection hands events to the same handlers as the webhook: the SDK's dispatcher,
// invoked as WSClient invokes it, must produce the same Inbound and the same card answer.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import type { Ctx } from '../../handlers/context.ts';
import { larkEvent, signedRequest } from '../../test/fakes/lark-events.ts';
import type { Inbound } from '../inbound.ts';
import type { RouteResult, Router } from '../router.ts';
import { createLarkEvents } from './events.ts';
import { larkWebhook } from './webhook.ts';
import { larkDispatcher } from './ws.ts';

const BOT = 'ou_bot_ws_test';
const KEY = 'ws-test-encrypt-key';

/** A router that records what it is given and answers like a handled button press. */
function recordingRouter() {
  const seen: Inbound[] = [];
  const result: RouteResult = {
    status: 'handled',
    toast: '已办理 JJ-20261123-0001',
    cardUpdate: { kind: 'dispatch', title: '新呼叫请报到', tone: 'warning', note: '✓ 办理：报到' },
  };
  const router: Router = {
    accept: async (i) => {
      seen.push(i);
      return true;
    },
    process: async () => result,
    processMany: async (list) => list.map(() => ({ status: 'fulfilled' as const, value: result })),
    urgent: () => false,
    handle: async () => result,
    replay: async () => 0,
  };
  return { router, seen };
}

function setup() {
  const { router, seen } = recordingRouter();
  const ctx = { db: undefined, district: undefined, clock: systemClock, log: silentLogger } as unknown as Ctx;
  const events = createLarkEvents({ ctx, router, botOpenId: async () => BOT });
  const app = new Hono();
  app.route('/webhooks/lark', larkWebhook({ encryptKey: KEY, events, log: silentLogger }));
  const dispatcher = larkDispatcher(events, silentLogger);
  const viaWebhook = async (envelope: object) => {
    const req = signedRequest(envelope, { encryptKey: KEY, encrypt: true });
    const res = await app.request('/webhooks/lark', { method: 'POST', body: req.body, headers: req.headers });
    return { status: res.status, body: await res.json() };
  };
  // WSClient parses the frame and calls invoke(data, { needCheck: false }).
  const viaWs = (envelope: object) =>
    dispatcher.invoke(JSON.parse(JSON.stringify(envelope)), { needCheck: false });
  return { seen, events, viaWebhook, viaWs };
}

describe('long connection (LARK_MODE=ws)', () => {
  it('normalises a message exactly as the webhook does', async () => {
    const { seen, events, viaWebhook, viaWs } = setup();
    const envelope = larkEvent.message({
      chatId: 'oc_sample_chenhui',
      senderOpenId: 'ou_resident_ws',
      text: '@_user_1 晨辉路12号 @_user_2 路灯不亮',
      mentions: [
        { openId: BOT, name: '呼应' },
        { openId: 'ou_zhang', name: '张三' },
      ],
    });
    expect(await viaWs(envelope)).toBeUndefined();
    expect((await viaWebhook(envelope)).status).toBe(200);
    await events.idle();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]).toMatchObject({
      text: '晨辉路12号 @张三 路灯不亮',
      mentionsBot: true,
      eventId: envelope.header.event_id,
    });
  });

  it('normalises posts and images the same way', async () => {
    const { seen, viaWebhook, viaWs } = setup();
    const post = larkEvent.message({
      chatId: 'oc_1',
      senderOpenId: 'ou_1',
      post: {
        title: '反映',
        content: [[{ tag: 'text', text: '路灯坏了' }], [{ tag: 'img', image_key: 'img_v3_k' }]],
      },
    });
    await viaWs(post);
    await viaWebhook(post);
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]).toMatchObject({
      text: '反映\n路灯坏了',
      images: [expect.stringMatching(/^lark-image:om_\w+\/img_v3_k$/)],
    });
  });

  it('returns the card answer through the dispatcher, as the webhook answers it', async () => {
    const { seen, viaWebhook, viaWs } = setup();
    const envelope = larkEvent.cardAction({
      operatorOpenId: 'ou_sample_cgw1',
      messageId: 'om_card',
      chatId: 'oc_sample_cgw',
      value: { cmd: '报到 JJ-20261123-0001 cgw' },
    });
    const ws = (await viaWs(envelope)) as any;
    const web = await viaWebhook(envelope);
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0].action).toEqual({ command: '报到 JJ-20261123-0001 cgw' });
    expect(ws).toEqual(web.body);
    expect(ws.toast).toEqual({ type: 'success', content: '已办理 JJ-20261123-0001' });
    expect(ws.card).toMatchObject({ type: 'raw', data: { schema: '2.0' } });
  });

  it('acknowledges a malformed event instead of failing the frame', async () => {
    const { seen, viaWs } = setup();
    const broken = larkEvent.message({ chatId: 'oc_1', senderOpenId: 'ou_1', text: 'x' }) as any;
    delete broken.event.message.chat_id;
    expect(await viaWs(broken)).toBeUndefined();
    expect(seen).toHaveLength(0);
  });
});
