// The simulator's HTTP side under /sim: the page, a JSON API for people and scripts, live
// updates, and (with the manual clock) moving time. Everything a persona says or presses goes
// through the same router, lifecycle and outbox as a real platform's events.

import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { isManualClock, parseIsoDuration } from '../../config/clock.ts';
import { isRowId } from '../../db/ids.ts';
import { generatedImages } from '../../handlers/images.ts';
import { cleanDeep } from '../../handlers/text.ts';
import { formatShanghai } from '../../handlers/worktime.ts';
import { requestLog } from '../app.ts';
import { type Inbound, inboundSchema } from '../inbound.ts';
import type { RouteResult } from '../router.ts';
import type { Services } from '../services.ts';
import type { SimDelivery } from './delivery.ts';
import { nextMonthStart, nextWorkingMorning, playDemoMonth, SimScriptError } from './demo.ts';
import { simEvents } from './events.ts';
import { pressOf } from './forms.ts';
import { pageRoutes } from './page.ts';
import { type SimSender, toRecord } from './sender.ts';
import { listChats, listPersonas, type Persona } from './setup.ts';

const MENTION = /[@＠]呼应\s*/g;
const MENTIONS_BOT = /[@＠]呼应/;
const MAX_DAYS = 400;

const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;
const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
const ACTION_HINT = 'action 须为按钮序号（从0开始）或 "form"';
const saySchema = z.object({
  from: z
    .string({ error: '缺少 from（身份 id，见 /sim/api/state 的 personas）' })
    .min(1, '缺少 from（身份 id）'),
  text: z.string({ error: '缺少 text（要发送的内容）' }).max(10_000, '内容过长'),
  /** photos sent with the message, as base64 */
  images: z
    .array(
      z.object({
        type: z.enum(PHOTO_TYPES, { error: '图片须为 JPEG、PNG、WebP 或 GIF' }),
        data: z
          .string()
          .max(Math.ceil((MAX_PHOTO_BYTES * 4) / 3) + 4, '图片过大（每张不超过 2 MB）')
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, '图片数据须为 base64'),
      }),
    )
    .max(3, '一次最多附 3 张图片')
    .default([]),
});
const actSchema = z.object({
  from: z.string({ error: '缺少 from（身份 id）' }).min(1, '缺少 from（身份 id）'),
  message: z.union([z.string(), z.number()], { error: '缺少 message（卡片消息的 id）' }).transform(String),
  action: z.union([z.number().int(ACTION_HINT).min(0, ACTION_HINT), z.literal('form')], {
    error: ACTION_HINT,
  }),
  form: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).optional(),
  text: z.string().max(10_000, '内容过长').optional(),
});
/** Where the clock's presets go: 09:00 tomorrow, on the next working day, on the 1st of next month. */
const PRESETS = ['next-morning', 'next-working-morning', 'next-month'] as const;
const clockSchema = z
  .object({
    advance: z.string().optional(),
    to: z.enum(PRESETS, { error: `to 须为 ${PRESETS.join('、')} 之一` }).optional(),
  })
  .refine((b) => (b.advance === undefined) !== (b.to === undefined), {
    message: '请给出 advance（如 {"advance": "PT3H"}）或 to（如 {"to": "next-working-morning"}）之一',
  });

function presetTarget(now: Date, to: (typeof PRESETS)[number]): Date {
  if (to === 'next-working-morning') return nextWorkingMorning(now);
  if (to === 'next-month') return nextMonthStart(now).at;
  const day = Math.floor((now.getTime() + 8 * 3600_000) / 86_400_000);
  return new Date((day + 1) * 86_400_000 - 8 * 3600_000 + 9 * 3600_000);
}

type Status = 400 | 403 | 404 | 409;
const errorCode: Record<Status, string> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
};
const fail = (c: Context, status: Status, message: string) =>
  c.json({ ok: false, error: errorCode[status], message }, status);

/** The JSON body checked by a schema: the data, or the 400 answer saying what is wrong. */
async function parseBody<T extends z.ZodType>(
  c: Context,
  schema: T,
): Promise<{ data: z.infer<T> } | { answer: Response }> {
  const raw = cleanDeep(await c.req.json().catch(() => undefined));
  if (raw === undefined || raw === null || typeof raw !== 'object')
    return { answer: fail(c, 400, '请求体须为 JSON 对象') };
  const parsed = schema.safeParse(raw);
  return parsed.success ? { data: parsed.data } : { answer: fail(c, 400, issues(parsed.error)) };
}
/** zod's reasons, in Chinese: ours as written, zod's own replaced by the field's name. */
const issues = (e: z.ZodError) =>
  e.issues
    .map((i) => (/[\u4e00-\u9fa5]/.test(i.message) ? i.message : `${i.path.join('.') || '请求体'} 无效`))
    .join('；');
const summary = (r: RouteResult) => ({ status: r.status, toast: r.toast ?? null });

export function simRoutes(
  services: Services,
  sender: SimSender,
  delivery: SimDelivery,
  opts: { sandbox?: boolean } = {},
): Hono {
  const { ctx, router, runtime } = services;
  const app = new Hono();
  const persona = async (id: string): Promise<Persona | undefined> =>
    (await listPersonas(ctx.db, ctx.district)).find((p) => p.id === id);
  const chat = async (id: string) => (await listChats(ctx.db, ctx.district)).find((c) => c.id === id);
  const clockState = () => ({
    mode: runtime.clock.kind,
    now: runtime.clock.now().toISOString(),
    display: formatShanghai(runtime.clock.now()),
  });
  /** Hands an event to the router, then waits until the sim messages it caused are delivered. */
  const handle = async (c: Context, inbound: Inbound) => {
    const mark = await delivery.mark();
    const result = await router.handle(inboundSchema.parse(inbound), { log: requestLog(c, ctx.log) });
    await delivery.settle(mark);
    return result;
  };

  app.route('/', pageRoutes({ sandbox: !!opts.sandbox }));
  app.route('/api/events', simEvents(ctx, sender.feed));

  app.get('/api/state', async (c) =>
    c.json({
      chats: await listChats(ctx.db, ctx.district),
      personas: await listPersonas(ctx.db, ctx.district),
      clock: clockState(),
      sandbox: !!opts.sandbox,
    }),
  );

  app.get('/api/chats/:chat/messages', async (c) => {
    const found = await chat(c.req.param('chat'));
    if (!found) return fail(c, 404, `没有这个群：${c.req.param('chat')}`);
    const after = c.req.query('after');
    if (after !== undefined && !isRowId(after)) return fail(c, 400, 'after 须为消息 id（整数）');
    let q = ctx.db.selectFrom('sim_messages').selectAll().where('chat_id', '=', found.id);
    if (after) q = q.where('id', '>', after);
    // without `after`: the latest 300, oldest first
    const rows = after
      ? await q.orderBy('id').limit(500).execute()
      : (await q.orderBy('id', 'desc').limit(300).execute()).reverse();
    return c.json({ chat: found, messages: rows.map(toRecord) });
  });

  app.post('/api/chats/:chat/messages', async (c) => {
    const parsed = await parseBody(c, saySchema);
    if ('answer' in parsed) return parsed.answer;
    const where = await chat(c.req.param('chat'));
    if (!where) return fail(c, 404, `没有这个群：${c.req.param('chat')}`);
    const who = await persona(parsed.data.from);
    if (!who) return fail(c, 404, `没有这个身份：${parsed.data.from}`);
    if (!who.chats.includes(where.id)) return fail(c, 403, `${who.name}不在「${where.title}」中，请切换身份`);
    const text = parsed.data.text.trim();
    const photos = parsed.data.images.map((i) => ({ mime: i.type, bytes: Buffer.from(i.data, 'base64') }));
    if (!text && !photos.length) return fail(c, 400, '请输入内容');
    if (photos.some((p) => !p.bytes.length)) return fail(c, 400, '图片是空的');
    const message = await sender.said(where.id, who, text, photos);
    // Like a real group: the bot hears a report only when @-mentioned; commands always.
    const mentionsBot = MENTIONS_BOT.test(text);
    const result = await handle(c, {
      platform: 'sim',
      eventId: `sim-msg-${message.id}`,
      chatId: where.id,
      messageId: message.id,
      sender: { userId: who.id, name: who.name },
      text: text.replace(MENTION, ' ').trim(),
      mentionsBot,
      images: message.images ?? [],
      p2p: false,
    });
    return c.json({ ok: true, message, result: summary(result) });
  });

  app.post('/api/actions', async (c) => {
    const parsed = await parseBody(c, actSchema);
    if ('answer' in parsed) return parsed.answer;
    const { from, message: id, action } = parsed.data;
    const who = await persona(from);
    if (!who) return fail(c, 404, `没有这个身份：${from}`);
    const row = isRowId(id)
      ? await ctx.db.selectFrom('sim_messages').selectAll().where('id', '=', id).executeTakeFirst()
      : undefined;
    if (!row) return fail(c, 404, `没有这条消息：${id}`);
    const card = toRecord(row).message;
    if (!card) return fail(c, 400, '这条消息不是卡片，没有按钮');
    const where = await chat(row.chat_id);
    if (!where || !who.chats.includes(where.id))
      return fail(c, 403, `${who.name}不在「${where?.title ?? row.chat_id}」中，请切换身份`);
    const press = pressOf(card, action, {
      form: parsed.data.form as Record<string, unknown> | undefined,
      text: parsed.data.text,
    });
    if (!press.ok) return fail(c, press.status, press.message);
    const result = await handle(c, {
      platform: 'sim',
      // every press is a new event: pressing twice is answered "already done", not dropped
      eventId: `sim-act-${row.id}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      chatId: row.chat_id,
      messageId: String(row.id),
      sender: { userId: who.id, name: who.name },
      text: '',
      mentionsBot: false,
      images: [],
      action: press.action,
      p2p: false,
    });
    const updated = result.cardUpdate
      ? await sender.updateRecord(String(row.id), result.cardUpdate)
      : undefined;
    return c.json({
      ok: result.status === 'handled',
      message: updated ?? toRecord(row),
      result: summary(result),
    });
  });

  // Pictures on cards by reference (the monthly bulletin's chart), drawn on request for the page.
  const images = generatedImages(ctx);
  app.get('/api/images/:ref', async (c) => {
    const ref = c.req.param('ref');
    const photo = await sender.photo(ref);
    if (photo)
      return c.body(new Uint8Array(photo.bytes), 200, {
        'content-type': photo.mime,
        'cache-control': 'private, max-age=3600',
        'x-content-type-options': 'nosniff',
      });
    const image = await images(ref);
    if (!image) return fail(c, 404, `没有这张图片：${ref}`);
    return c.body(new Uint8Array(image.bytes), 200, {
      'content-type': image.mime,
      'cache-control': 'private, max-age=300',
    });
  });

  app.post('/api/clock', async (c) => {
    const clock = runtime.clock;
    if (!isManualClock(clock))
      return fail(
        c,
        409,
        '当前使用系统时钟，不能快进。以 HUYING_CLOCK=manual 启动（仅限演示和测试）后可用。',
      );
    const parsed = await parseBody(c, clockSchema);
    if ('answer' in parsed) return parsed.answer;
    const { advance, to } = parsed.data;
    let ms: number;
    try {
      ms = to
        ? presetTarget(clock.now(), to).getTime() - clock.now().getTime()
        : parseIsoDuration(advance!.trim().toUpperCase());
    } catch {
      return fail(c, 400, `“${advance}”不是 ISO 8601 时长，例如 PT3H（3小时）、P1D（1天）、PT30M（30分钟）`);
    }
    if (ms <= 0) return fail(c, 400, '快进时长须大于0');
    if (ms > MAX_DAYS * 86_400_000) return fail(c, 400, `一次最多快进${MAX_DAYS}天`);
    const mark = await delivery.mark();
    await clock.advance(ms); // fires what fell due (reminders, escalations) before answering
    await delivery.settle(mark);
    const state = clockState();
    sender.feed.publish({ type: 'clock', now: state.now });
    return c.json({ ok: true, clock: state });
  });

  // A month of the mechanism played through this API (bot/sim/demo.ts), for a first look.
  let demoRunning = false;
  app.post('/api/demo', async (c) => {
    if (!isManualClock(runtime.clock))
      return fail(c, 409, '演示需要模拟时钟：以 HUYING_CLOCK=manual 启动（仅限演示和测试）后可用。');
    if (demoRunning) return fail(c, 409, '演示正在进行中，请稍候');
    demoRunning = true;
    try {
      const played = await playDemoMonth(async (method, path, body) => {
        const res = await app.request(path, {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      });
      requestLog(c, ctx.log).info(played, 'sim: demo month played');
      return c.json({ ok: true, ...played, clock: clockState() });
    } catch (e) {
      if (!(e instanceof SimScriptError)) throw e;
      // e.g. a district file whose catalog sends these reports elsewhere
      requestLog(c, ctx.log).warn({ err: e }, 'sim: demo month stopped');
      return fail(c, 409, `演示中断：${e.message}`);
    } finally {
      demoRunning = false;
    }
  });

  return app;
}
