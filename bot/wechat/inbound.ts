// Room messages → Inbound: only bound rooms, only messages that @-mention the bot or start with a
// command word (a photo waits for its sender's report, which takes it along); one room's messages are handled in the order they came (wechaty delivers them
// concurrently), different rooms side by side.

import { parseCommand } from '../../handlers/commands.ts';
import type { Ctx } from '../../handlers/context.ts';
import type { Inbound } from '../inbound.ts';
import { Lru } from '../lru.ts';
import type { RouteResult, Router } from '../router.ts';
import { NAME_PREFIX, TOPIC_PREFIX } from './sender.ts';

/** Message types from wechaty-puppet (types.Message), kept here so this file never loads wechaty. */
export const MESSAGE_TYPE = { Image: 6, Text: 7 } as const;

/** The little of a wechaty Message this module reads. */
export interface WechatMessageLike {
  id: string;
  self(): boolean;
  type(): number;
  text(): string;
  talker(): { id: string; name(): string };
  room(): { id: string; topic(): Promise<string> } | undefined;
  mentionSelf(): Promise<boolean>;
  mentionText(): Promise<string>;
}

export interface WechatInboundOptions {
  ctx: Ctx;
  router: Router;
  /** the logged-in account's name, for an @ typed as text (the web protocol sends no mention list) */
  selfName(): string | undefined;
  /** rooms handled at once; 1 on embedded PGlite (one database operation at a time) */
  concurrency?: number;
}

export interface WechatInbound {
  onMessage(msg: WechatMessageLike): Promise<RouteResult | undefined>;
  /** resolves when no message is waiting or being handled */
  idle(): Promise<void>;
  backlog(): number;
}

/** A photo belongs to its sender's next report in the same room within this long… */
const PHOTO_WINDOW_MS = 10 * 60_000;
/** …at most this many of them (WeChat sends at most 9 at once). */
const MAX_PHOTOS = 9;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createWechatInbound(opts: WechatInboundOptions): WechatInbound {
  const { ctx, router } = opts;
  const log = ctx.log.child({ platform: 'wechat' });
  const warnedRooms = new Set<string>();
  /** photos by room and sender, waiting for the report they belong to */
  const recentPhotos = new Lru<string, { id: string; at: number }[]>(2000);
  const lanes = new Map<string, Promise<unknown>>();
  const limit = Math.max(1, opts.concurrency ?? 4);
  let running = 0;
  let pending = 0;
  const slotWaiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];

  async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (running >= limit) await new Promise<void>((r) => slotWaiters.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      slotWaiters.shift()?.();
    }
  }

  /** Runs fn after everything queued for the same room; the room's lane is its chat id. */
  function inLane<T>(key: string, fn: () => Promise<T>): Promise<T> {
    pending++;
    const before = lanes.get(key) ?? Promise.resolve();
    const run = before.then(() => withSlot(fn));
    const settled = run.then(
      () => {},
      () => {},
    );
    lanes.set(key, settled);
    settled.then(() => {
      if (lanes.get(key) === settled) lanes.delete(key);
      pending--;
      if (!pending) {
        const ws = idleWaiters;
        idleWaiters = [];
        for (const w of ws) w();
      }
    });
    return run;
  }

  /** The binding's chat id for a room: by room id, else by topic (`topic:<topic>`). */
  async function boundChatId(room: { id: string; topic(): Promise<string> }): Promise<string | undefined> {
    const topic = await room.topic().catch(() => '');
    const candidates = [room.id, ...(topic ? [`${TOPIC_PREFIX}${topic}`] : [])];
    const rows = await ctx.db
      .selectFrom('chat_bindings')
      .select('chat_id')
      .where('platform', '=', 'wechat')
      .where('chat_id', 'in', candidates)
      .execute();
    const hit = rows.find((r) => r.chat_id === room.id) ?? rows[0];
    if (!hit && !warnedRooms.has(room.id)) {
      warnedRooms.add(room.id);
      log.warn({ roomId: room.id, topic }, 'wechat: message from an unbound room ignored (bind it by topic)');
    }
    return hit?.chat_id;
  }

  /** A person configured by WeChat name only is known as `name:<name>`; else by contact id. */
  async function senderId(contact: { id: string; name(): string }): Promise<string> {
    const byName = `${NAME_PREFIX}${contact.name()}`;
    const rows = await ctx.db
      .selectFrom('person_identities')
      .select('platform_user_id')
      .where('platform', '=', 'wechat')
      .where('platform_user_id', 'in', [contact.id, byName])
      .execute();
    if (rows.some((r) => r.platform_user_id === contact.id)) return contact.id;
    return rows.length ? byName : contact.id;
  }

  async function toInbound(msg: WechatMessageLike, chatId: string): Promise<Inbound | undefined> {
    const type = msg.type();
    if (type !== MESSAGE_TYPE.Text && type !== MESSAGE_TYPE.Image) return undefined;
    const isText = type === MESSAGE_TYPE.Text;
    const raw = isText ? msg.text() : '';
    let mentionsBot = isText && (await msg.mentionSelf().catch(() => false));
    let text = mentionsBot ? await msg.mentionText().catch(() => raw) : raw;
    // On the web protocol an @ may be plain text: "@呼应 路灯不亮" (with U+2005 or a space).
    const self = opts.selfName();
    const typed = self ? new RegExp(`^\\s*@${escapeRegExp(self)}(?:[\\u2005\\s]+|$)`) : undefined;
    if (typed?.test(text)) {
      mentionsBot = true;
      text = text.replace(typed, '');
    }
    text = text.replace(/\u2005/g, ' ').trim();
    const isCommand = isText && parseCommand(text, ctx.district) !== null;
    const talker = msg.talker();
    const photoKey = `${chatId}|${talker.id}`;
    if (!isText) {
      // A photo cannot carry an @: kept a while for the sender's report that follows it.
      const now = ctx.clock.now().getTime();
      const kept = (recentPhotos.get(photoKey) ?? []).filter((p) => now - p.at < PHOTO_WINDOW_MS);
      recentPhotos.set(photoKey, [...kept, { id: msg.id, at: now }].slice(-MAX_PHOTOS));
      return undefined;
    }
    if (!mentionsBot && !isCommand) return undefined;
    // a report takes the photos its sender posted in this room just before it
    let images: string[] = [];
    if (mentionsBot && !isCommand) {
      const now = ctx.clock.now().getTime();
      images = (recentPhotos.get(photoKey) ?? [])
        .filter((p) => now - p.at < PHOTO_WINDOW_MS)
        .map((p) => `wechat-image:${p.id}`);
      recentPhotos.delete(photoKey);
    }
    return {
      platform: 'wechat',
      eventId: msg.id,
      chatId,
      messageId: msg.id,
      sender: { userId: await senderId(talker), name: talker.name() || undefined },
      text,
      mentionsBot,
      // the photos themselves stay in WeChat: the call keeps which messages they were
      images,
      p2p: false,
    };
  }

  async function handle(msg: WechatMessageLike, chatId: string): Promise<RouteResult | undefined> {
    const inbound = await toInbound(msg, chatId);
    if (!inbound) return undefined;
    const started = performance.now();
    const result = await router.handle(inbound);
    log.info(
      {
        chatId,
        eventId: inbound.eventId,
        status: result.status,
        callNo: result.outcome?.ok ? result.outcome.callNo : undefined,
        ms: Math.round(performance.now() - started),
      },
      'wechat: message handled',
    );
    return result;
  }

  return {
    async onMessage(msg) {
      if (msg.self()) return undefined;
      const room = msg.room();
      if (!room) return undefined; // direct messages: reports and commands belong in the bound rooms
      const type = msg.type();
      if (type !== MESSAGE_TYPE.Text && type !== MESSAGE_TYPE.Image) return undefined;
      return inLane(room.id, async () => {
        const chatId = await boundChatId(room);
        return chatId ? handle(msg, chatId) : undefined;
      });
    },
    idle: () => (pending ? new Promise<void>((r) => idleWaiters.push(r)) : Promise.resolve()),
    backlog: () => pending,
  };
}
