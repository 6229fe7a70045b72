// The router: one Inbound from any platform → deduplicate → who is acting → a command
// (typed, or a pressed button) or a report → the lifecycle. Adapters never decide anything.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../config/log.ts';
import {
  claimEvents,
  dueEvents,
  finishEvent,
  finishEvents,
  type InboxKey,
  inboxKey,
  recordEvent,
  releaseEvent,
} from '../db/inbox.ts';
import type { ChatBinding } from '../db/schema.ts';
import { parseCommand } from '../handlers/commands.ts';
import type { Ctx } from '../handlers/context.ts';
import { execute, type Outcome } from '../handlers/execute.ts';
import { mergeMessages, pressedUpdate } from '../handlers/flood.ts';
import { isUrgentText } from '../handlers/intake.ts';
import { commandOfPress, type Message, notice } from '../handlers/messages.ts';
import {
  type Actor,
  findChat,
  findChats,
  knownActors,
  platformKey,
  registerActor,
  resolveActor,
} from '../handlers/people.ts';
import { cleanDeep } from '../handlers/text.ts';
import { answer } from '../handlers/work.ts';
import { workBatch } from '../handlers/work-batch.ts';
import { formatShanghai } from '../handlers/worktime.ts';
import { type Inbound, inboundSchema } from './inbound.ts';

export type RouteStatus = 'duplicate' | 'ignored' | 'handled' | 'refused' | 'hint';

export interface RouteResult {
  status: RouteStatus;
  outcome?: Outcome;
  /** a one-line answer for platforms that show a toast on a button press */
  toast?: string;
  /** the pressed card as it should now look (who did what, when), where it should change */
  cardUpdate?: Message;
  actor?: Actor;
}

const MAX_TEXT = 2000;

/** What was read ahead for a batch of events: chats and known people, by platformKey. */
interface Known {
  chats: Map<string, ChatBinding>;
  actors: Map<string, Actor>;
}

export interface Router {
  /** records the event; false when it was seen before (platforms deliver at least once) */
  accept(inbound: Inbound): Promise<boolean>;
  /** does the work for an accepted event; `log`: the request's logger, so its lines carry its id */
  process(inbound: Inbound, opts?: { log?: Logger }): Promise<RouteResult>;
  /** does the work for several accepted events side by side (a backlog): each its own outcome,
   * in order; `log` per event as for process */
  processMany(list: { inbound: Inbound; log?: Logger }[]): Promise<PromiseSettledResult<RouteResult>[]>;
  handle(inbound: Inbound, opts?: { log?: Logger }): Promise<RouteResult>;
  /** whether an accepted event is to be worked on before the others: something said (not a
   * pressed button) that reports an emergency */
  urgent(inbound: Inbound): boolean;
  /** processes the recorded events no process is working on (a dead process accepted them);
   * returns how many it took on */
  replay(limit?: number): Promise<number>;
}

/** How long the accepting process keeps an event to itself before any process may take it. */
const ACCEPT_LEASE_MS = 15_000;
/** How long a claim holds an event while it is worked on (one event's work takes well under a second). */
const WORK_LEASE_MS = 120_000;
/** Attempts before an event is marked failed (its payload stays, for the office to see). */
const MAX_ATTEMPTS = 5;
const RETRY_BASE_MS = 30_000;

export interface RouterOptions {
  /** names this process in claims (default: host, pid and a random part) */
  owner?: string;
}

export function createRouter(ctx: Ctx, opts: RouterOptions = {}): Router {
  const warnedChats = new Set<string>();
  const owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  /** events this process is working on now: a claim is per process, this is per event */
  const working = new Set<string>();
  // Leases count real time, or the app's clock when a demo's manual clock runs ahead of it.
  const now = () => new Date(Math.max(Date.now(), ctx.clock.now().getTime()));
  const keyOf = (inbound: Inbound) => ({ platform: inbound.platform, eventId: inbound.eventId! });

  async function accept(raw: Inbound): Promise<boolean> {
    const inbound = inboundSchema.parse(cleanDeep(raw));
    if (!inbound.eventId) return true;
    return recordEvent(ctx.db, {
      ...keyOf(inbound),
      // a button pressed twice on one card is two actions; a message delivered twice is one
      messageKey: inbound.action ? null : (inbound.messageId ?? null),
      payload: inbound as unknown as Record<string, unknown>,
      receivedAt: ctx.clock.now(),
      owner,
      claimUntil: new Date(now().getTime() + ACCEPT_LEASE_MS),
    });
  }

  async function work(raw: Inbound, opts: { log?: Logger } = {}): Promise<RouteResult> {
    const [r] = await workMany([{ inbound: raw, log: opts.log }]);
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  }

  /**
   * Works accepted events side by side: claimed in one statement, their chats and people read in
   * one query each, the calls their reports make written together (handlers/work-batch.ts), and
   * marked done in one statement. Each event keeps its own outcome; a failed one is released for
   * a retry (or marked failed after its last attempt) with its payload kept.
   */
  async function workMany(
    list: { inbound: Inbound; log?: Logger }[],
  ): Promise<PromiseSettledResult<RouteResult>[]> {
    const results: PromiseSettledResult<RouteResult>[] = new Array(list.length);
    const settle = (i: number, p: Promise<RouteResult>) =>
      p.then(
        (value) => {
          results[i] = { status: 'fulfilled', value };
        },
        (reason: unknown) => {
          results[i] = { status: 'rejected', reason };
        },
      );
    const mine: { i: number; inbound: Inbound; ctx: Ctx; id: string }[] = [];
    const unrecorded: Promise<void>[] = [];
    for (const [i, item] of list.entries()) {
      const here = item.log ? { ...ctx, log: item.log } : ctx;
      const parsed = inboundSchema.safeParse(cleanDeep(item.inbound));
      if (!parsed.success) {
        results[i] = { status: 'rejected', reason: parsed.error };
        continue;
      }
      const inbound = parsed.data;
      // not recorded (no event id): worked on at once, on its own
      if (!inbound.eventId) {
        unrecorded.push(settle(i, route(inbound, here)));
        continue;
      }
      const id = inboxKey(keyOf(inbound));
      if (working.has(id)) {
        results[i] = { status: 'fulfilled', value: { status: 'duplicate' } };
        continue;
      }
      working.add(id);
      mine.push({ i, inbound, ctx: here, id });
    }
    try {
      const claims = await claimEvents(
        ctx.db,
        mine.map((m) => keyOf(m.inbound)),
        owner,
        now(),
        new Date(now().getTime() + WORK_LEASE_MS),
      );
      // done already, or another process is working on it
      const taken = mine.filter((m) => {
        if (claims.has(m.id)) return true;
        results[m.i] = { status: 'fulfilled', value: { status: 'duplicate' } };
        return false;
      });
      const known = await readAhead(taken.map((m) => m.inbound));
      // one person's events in the order they came (a report, then the follow-up on it); different
      // people's side by side
      const chains = new Map<string, typeof taken>();
      for (const m of taken) {
        const who = platformKey(m.inbound.platform, m.inbound.sender.userId);
        chains.set(who, [...(chains.get(who) ?? []), m]);
      }
      const batch = workBatch(chains.size);
      const done: InboxKey[] = [];
      const one = async (m: (typeof taken)[number]) => {
        try {
          const r = await route(m.inbound, { ...m.ctx, batch }, known);
          done.push(keyOf(m.inbound));
          return r;
        } catch (e) {
          await failed(keyOf(m.inbound), claims.get(m.id)!.attempts, e);
          throw e;
        }
      };
      await Promise.all(
        [...chains.values()].map(async (chain) => {
          try {
            for (const m of chain) await settle(m.i, one(m));
          } finally {
            batch.settled();
          }
        }),
      );
      await finishEvents(ctx.db, done, ctx.clock.now());
    } finally {
      for (const m of mine) working.delete(m.id);
    }
    await Promise.all(unrecorded);
    return results;
  }

  /** The chats and the known people of these events, read in one query each. */
  async function readAhead(inbounds: Inbound[]): Promise<Known> {
    const chats = new Map<string, { platform: string; id: string }>();
    const people = new Map<string, { platform: string; id: string }>();
    for (const i of inbounds) {
      if (!i.p2p) chats.set(platformKey(i.platform, i.chatId), { platform: i.platform, id: i.chatId });
      people.set(platformKey(i.platform, i.sender.userId), { platform: i.platform, id: i.sender.userId });
    }
    const [c, p] = await Promise.all([
      findChats(ctx.db, [...chats.values()]),
      knownActors(ctx.db, [...people.values()]),
    ]);
    return { chats: c, actors: p };
  }

  /** The sender as read ahead, else registered now (and known for their next event of the batch). */
  async function knownOrRegistered(
    known: Known,
    who: { platform: string; userId: string; displayName?: string },
    chat: ChatBinding | undefined,
  ): Promise<Actor> {
    const key = platformKey(who.platform, who.userId);
    const found = known.actors.get(key);
    if (found) return found;
    const actor = await registerActor(ctx.db, who, chat);
    if (actor.personId) known.actors.set(key, actor);
    return actor;
  }

  /** An event's work failed: it stays in inbound_events with its payload (nothing a person said is
   * lost), free again after a backoff, or marked failed after its last attempt. */
  async function failed(key: InboxKey, attempts: number, e: unknown) {
    const reason = (e as Error)?.message ?? String(e);
    await (attempts < MAX_ATTEMPTS
      ? releaseEvent(ctx.db, key, new Date(now().getTime() + RETRY_BASE_MS * 2 ** (attempts - 1)), reason)
      : finishEvent(ctx.db, key, ctx.clock.now(), reason)
    ).catch(() => {});
  }

  const urgent = (inbound: Inbound) =>
    !inbound.action && !!inbound.text && isUrgentText(ctx.district, inbound.text);

  async function replay(limit = 50): Promise<number> {
    let done = 0;
    for (;;) {
      const due = await dueEvents(ctx.db, now(), limit);
      if (!due.length) return done;
      const readable: { e: (typeof due)[number]; inbound: Inbound }[] = [];
      for (const e of due) {
        const parsed = inboundSchema.safeParse(e.payload);
        if (parsed.success) readable.push({ e, inbound: parsed.data });
        else await finishEvent(ctx.db, e, ctx.clock.now(), `unreadable payload: ${parsed.error.message}`);
      }
      const results = await workMany(readable.map((r) => ({ inbound: r.inbound })));
      for (const [i, r] of results.entries())
        if (r.status === 'rejected')
          ctx.log.error(
            { err: r.reason, platform: readable[i].e.platform, eventId: readable[i].e.eventId },
            'replaying an event failed',
          );
      done += readable.length;
      // what we could not claim (another process has it) is not due again until its claim ends
      if (due.length < limit) return done;
    }
  }

  async function route(inbound: Inbound, ctx: Ctx, known?: Known): Promise<RouteResult> {
    const chat = inbound.p2p
      ? undefined
      : known
        ? known.chats.get(platformKey(inbound.platform, inbound.chatId))
        : await findChat(ctx.db, inbound.platform, inbound.chatId);
    if (!chat && !inbound.p2p) {
      const key = `${inbound.platform}:${inbound.chatId}`;
      if (!warnedChats.has(key)) {
        warnedChats.add(key);
        ctx.log.warn(
          { platform: inbound.platform, chatId: inbound.chatId },
          'message from an unbound chat ignored',
        );
      }
      return { status: 'ignored' };
    }
    const who = {
      platform: inbound.platform,
      userId: inbound.sender.userId,
      displayName: inbound.sender.name,
    };
    const actor = known ? await knownOrRegistered(known, who, chat) : await resolveActor(ctx.db, who, chat);
    // in a one-to-one chat every answer is private already
    const origin = {
      platform: inbound.platform,
      chatId: inbound.chatId,
      messageId: inbound.messageId,
      ...(inbound.p2p ? {} : { userId: inbound.sender.userId }),
    };
    const say = (m: Message) => answer(ctx, actor, origin, m);
    /** a hint or a refusal: to the person alone, and to a pressed button only as its toast */
    const tell = async (m: Message) => {
      if (!inbound.action) await say({ ...m, private: true });
    };

    let text: string;
    let card: Message | undefined;
    if (inbound.action) {
      // A press counts only on one of our cards, in the chat it was sent to, for what it offers.
      const pressed = inbound.messageId ? await pressedCard(inbound) : undefined;
      const refusal = !pressed
        ? '这张卡片已失效，请发送文字指令办理（发送「帮助」查看）'
        : pressed.chatId !== inbound.chatId
          ? '这张卡片不是发到本群的，不能在此办理'
          : undefined;
      const resolved = pressed && !refusal ? commandOfPress(pressed.message, inbound.action) : undefined;
      const reason = refusal ?? (resolved && 'refused' in resolved ? resolved.refused : undefined);
      if (reason || !resolved || !('command' in resolved)) {
        ctx.log.warn(
          { platform: inbound.platform, chatId: inbound.chatId, messageId: inbound.messageId, reason },
          'card press refused',
        );
        await tell(notice('未能办理', reason ?? '未能办理', 'warning'));
        return { status: 'refused', actor, toast: reason };
      }
      card = pressed!.message;
      text = resolved.command;
    } else {
      text = inbound.text.replace(/\s+/g, ' ').trim();
      if (text.length > MAX_TEXT) {
        await tell(notice('内容过长', `请精简到${MAX_TEXT}字以内，写清问题和地点即可。`, 'warning'));
        return { status: 'hint', actor, toast: '内容过长' };
      }
    }

    const parsed = parseCommand(text, ctx.district);
    if (parsed && !parsed.ok) {
      await tell(notice('还差一点', parsed.hint, 'warning'));
      return { status: 'hint', actor, toast: parsed.hint };
    }
    const inv = { actor, origin, chatUnit: chat?.unit_code ?? null, quiet: !!inbound.action };
    if (parsed?.ok) return finish(await execute(ctx, inv, parsed.command), inbound, actor, card);

    // Not a command: a report, when the bot was asked in a chat where reports belong.
    const reportable = chat && (chat.role === 'community' || chat.role === 'street');
    if (!inbound.mentionsBot && !inbound.action) return { status: 'ignored', actor };
    if (!reportable) {
      await tell(
        notice('没有识别到指令', '发送「帮助」查看可用指令；反映问题请在社区群或街道群 @呼应。', 'info'),
      );
      return { status: 'hint', actor };
    }
    if (!text && !inbound.images.length) {
      await tell(
        notice('请描述问题', '请写明问题和地点，例如：@呼应 晨辉路12号路灯不亮，可附照片。', 'info'),
      );
      return { status: 'hint', actor };
    }
    if (!text || !/[\u4e00-\u9fa5A-Za-z]{2,}/.test(text)) {
      await tell(
        notice(
          '请描述问题',
          '收到图片，请再用文字说明是什么问题、在哪里，例如：@呼应 晨辉路12号路灯不亮。',
          'info',
        ),
      );
      return { status: 'hint', actor };
    }
    // what it amounts to (a report, thanks, a follow-up, a question) is the mechanism's to say
    return finish(
      await execute(ctx, inv, { type: 'said', text, images: inbound.images, source: inbound.platform }),
      inbound,
      actor,
    );
  }

  async function finish(
    outcome: Outcome,
    inbound: Inbound,
    actor: Actor,
    original?: Message,
  ): Promise<RouteResult> {
    const result: RouteResult = { status: outcome.ok ? 'handled' : 'refused', outcome, actor };
    result.toast = outcome.ok ? `已办理${outcome.callNo ? ` ${outcome.callNo}` : ''}` : outcome.reason;
    if (
      inbound.action &&
      inbound.messageId &&
      (outcome.ok || outcome.code === 'already_done' || outcome.code === 'wrong_state')
    ) {
      if (original)
        result.cardUpdate = pressedUpdate(
          original,
          inbound.action.command,
          outcome.ok
            ? `✓ ${actor.name} 于 ${formatShanghai(ctx.clock.now())} 办理：${inbound.action.command.split(' ')[0]}`
            : `此卡片已过期：${outcome.reason}`,
        );
    }
    return result;
  }

  /** The message a button was pressed on, as we sent it, and the chat we sent it to: several rows
   * share one platform message when they were merged under a flood, made from them all. */
  async function pressedCard(inbound: Inbound): Promise<{ message: Message; chatId: string } | undefined> {
    const rows = await ctx.db
      .selectFrom('sent_messages as s')
      .innerJoin('outbox as o', 'o.id', 's.outbox_id')
      .select(['o.id', 'o.payload', 's.chat_id'])
      .distinctOn('o.id')
      .where('s.platform', '=', inbound.platform)
      .where('s.platform_message_id', '=', inbound.messageId!)
      .orderBy('o.id')
      .execute();
    // a row written already merged is remembered once for each call it names
    const parts = rows.flatMap((r) => (r.payload as { message?: Message }).message ?? []);
    const message = parts.length > 1 ? mergeMessages(parts) : parts[0];
    return message ? { message, chatId: rows[0].chat_id } : undefined;
  }

  return {
    accept,
    process: work,
    processMany: workMany,
    urgent,
    replay,
    async handle(inbound, opts) {
      if (!(await accept(inbound))) return { status: 'duplicate' };
      return work(inbound, opts);
    },
  };
}
