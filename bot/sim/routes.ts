// The simulator's HTTP side: the page, a JSON API for scripted use, live updates (SSE) and,
// with the manual clock, a way to move time. It goes through the same router, lifecycle
// and outbox as the real platforms.
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { isManualClock, parseIsoDuration } from '../../config/clock.ts';
import type { Message } from '../../handlers/messages.ts';
import { formatShanghai } from '../../handlers/worktime.ts';
import { inboundSchema } from '../inbound.ts';
import type { Services } from '../wiring.ts';
import { simPage } from './page.ts';
import { type SimRecord, type SimSender, toRecord } from './sender.ts';
import { personas } from './setup.ts';

const say = z.object({
  from: z.string().min(1, '缺少 from（身份）'),
  text: z.string().max(10_000, '内容过长'),
});
const act = z.object({
  from: z.string().min(1, '缺少 from（身份）'),
  message: z.union([z.string(), z.number()]).transform(String),
  action: z.union([z.number().int().min(0), z.literal('form')]),
  form: z.record(z.string(), z.string()).optional(),
  text: z.string().max(2000).optional(),
});

export function simRoutes(services: Services, sender: SimSender): Hono {
  const { ctx, router, runtime } = services;
  const app = new Hono();
  const bad = (
    c: { json: (b: unknown, s: 400 | 404 | 409) => Response },
    status: 400 | 404 | 409,
    message: string,
  ) => c.json({ ok: false, error: message }, status);
  const body = async (c: { req: { json: () => Promise<unknown> } }) => c.req.json().catch(() => undefined);
  const persona = async (id: string) => (await personas(ctx.db, ctx.district)).find((p) => p.id === id);
  const chat = (id: string) =>
    ctx.db
      .selectFrom('chat_bindings')
      .selectAll()
      .where('platform', '=', 'sim')
      .where('chat_id', '=', id)
      .executeTakeFirst();

  app.get('/', (c) => c.html(simPage));
  app.get('/api/state', async (c) => {
    const chats = await ctx.db
      .selectFrom('chat_bindings')
      .select(['chat_id as id', 'title', 'role', 'unit_code as unit'])
      .where('platform', '=', 'sim')
      .orderBy('chat_id')
      .execute();
    return c.json({
      chats,
      personas: await personas(ctx.db, ctx.district),
      clock: {
        mode: ctx.clock.kind,
        now: ctx.clock.now().toISOString(),
        shanghai: formatShanghai(ctx.clock.now()),
      },
    });
  });
  app.get('/api/chats/:chat/messages', async (c) => {
    if (!(await chat(c.req.param('chat')))) return bad(c, 404, '没有这个群');
    const after = c.req.query('after');
    let q = ctx.db.selectFrom('sim_messages').selectAll().where('chat_id', '=', c.req.param('chat'));
    if (after && /^\d+$/.test(after)) q = q.where('id', '>', after);
    const rows = await q.orderBy('id').limit(500).execute();
    return c.json({ messages: rows.map(toRecord) });
  });
  app.post('/api/chats/:chat/messages', async (c) => {
    const parsed = say.safeParse(await body(c));
    if (!parsed.success) return bad(c, 400, parsed.error.issues.map((i) => i.message).join('；'));
    const binding = await chat(c.req.param('chat'));
    if (!binding) return bad(c, 404, '没有这个群');
    const who = await persona(parsed.data.from);
    if (!who) return bad(c, 404, '没有这个身份');
    const text = parsed.data.text.trim();
    if (!text) return bad(c, 400, '请输入内容');
    const now = ctx.clock.now();
    const row = await ctx.db
      .insertInto('sim_messages')
      .values({
        chat_id: binding.chat_id,
        from_bot: false,
        sender: who.name,
        body: JSON.stringify({ text, persona: who.id }),
        reply_to: null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const record = toRecord(row);
    sender.bus.emit('message', record);
    const mentionsBot = /@呼应/.test(text);
    const result = await router.handle(
      inboundSchema.parse({
        platform: 'sim',
        eventId: `sim-msg-${row.id}`,
        chatId: binding.chat_id,
        messageId: row.id,
        sender: { userId: who.id, name: who.name },
        text: text.replace(/@呼应\s*/g, '').trim(),
        mentionsBot,
      }),
    );
    return c.json({ ok: true, message: record, result: { status: result.status, toast: result.toast } });
  });
  app.post('/api/actions', async (c) => {
    const parsed = act.safeParse(await body(c));
    if (!parsed.success) return bad(c, 400, parsed.error.issues.map((i) => i.message).join('；'));
    const { from, message, action, form, text } = parsed.data;
    const who = await persona(from);
    if (!who) return bad(c, 404, '没有这个身份');
    const row = /^\d+$/.test(message)
      ? await ctx.db.selectFrom('sim_messages').selectAll().where('id', '=', message).executeTakeFirst()
      : undefined;
    const card = (row?.body as SimRecord['body'] | undefined)?.message as Message | undefined;
    if (!row || !card) return bad(c, 404, '没有这条卡片消息');
    let inboundAction: { command: string; template?: string; form?: Record<string, string> };
    if (action === 'form') {
      if (!card.form) return bad(c, 400, '这张卡片没有表单');
      inboundAction = {
        command: card.form.command.split(' ')[0],
        template: card.form.command,
        form: form ?? {},
      };
    } else {
      const button = card.buttons?.[action];
      if (!button) return bad(c, 400, '没有这个按钮');
      if (button.needsText && !text?.trim()) return bad(c, 400, `请填写：${button.needsText}`);
      inboundAction = {
        command: button.needsText ? `${button.command.trim()} ${text!.trim()}` : button.command,
      };
    }
    const result = await router.handle(
      inboundSchema.parse({
        platform: 'sim',
        eventId: `sim-act-${row.id}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
        chatId: row.chat_id,
        messageId: row.id,
        sender: { userId: who.id, name: who.name },
        action: inboundAction,
      }),
    );
    if (result.cardUpdate) await sender.update(row.id, result.cardUpdate);
    return c.json({ ok: result.status === 'handled', status: result.status, toast: result.toast });
  });
  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      const push = (m: SimRecord) => void stream.writeSSE({ event: 'message', data: JSON.stringify(m) });
      sender.bus.on('message', push);
      stream.onAbort(() => {
        sender.bus.off('message', push);
      });
      while (!stream.aborted)
        await stream.sleep(15_000).then(() => stream.writeSSE({ event: 'ping', data: '' }));
    }),
  );
  app.post('/api/clock', async (c) => {
    const clock = runtime.clock;
    if (!isManualClock(clock))
      return bad(c, 409, '时钟不是手动模式：用 HUYING_CLOCK=manual 启动后才能快进时间');
    const b = (await body(c)) as { advance?: string } | undefined;
    let ms: number;
    try {
      ms = parseIsoDuration(String(b?.advance ?? ''));
    } catch {
      return bad(c, 400, '请用 ISO 8601 时长，例如 {"advance": "PT3H"}');
    }
    const now = await clock.advance(ms);
    return c.json({ ok: true, now: now.toISOString(), shanghai: formatShanghai(now) });
  });
  return app;
}
