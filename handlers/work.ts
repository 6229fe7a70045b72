// One accepted command = one transaction: the state change, its timeline events and the
// messages it causes (outbox rows) commit together or not at all; then one log line a call
// changed, with its number.
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Logger } from '../config/log.ts';
import { PRIORITY, queueRows, waitingCalls } from '../db/outbox.ts';
import type { Database, NewOutboxRow } from '../db/schema.ts';
import type { Ctx, Effects } from './context.ts';
import {
  COALESCED,
  mergeKey,
  mergeLimit,
  mergeMessages,
  type OutboxPayload,
  type SentCall,
} from './flood.ts';
import type { Message } from './messages.ts';
import type { Actor } from './people.ts';
import { keepPersonal, keepPersonalMany, splitPersonal } from './personal.ts';

export interface Origin {
  platform: string;
  chatId: string;
  messageId?: string;
  /** who spoke, by their id on the platform: a private answer goes to them alone */
  userId?: string;
}

export interface Work {
  trx: Transaction<Database>;
  ctx: Ctx;
  actor: Actor;
  now: Date;
  origin: Origin | null;
  event(
    callId: string,
    kind: string,
    payload?: Record<string, unknown>,
    assignmentId?: string | null,
  ): Promise<string>;
  /** several events in one statement (timers firing together); their ids, in order */
  events(list: NewEvent[]): Promise<string[]>;
  /** to every chat bound to a unit (its Lark group, WeChat room, simulator chat) */
  toUnit(unitCode: string, message: Message, callId?: string | null): Promise<number>;
  /**
   * Several messages to units' chats, in one lookup and one insert; rows written, in order. With
   * `coalesce`, timer messages for one chat are written as one row already merged (see
   * coalescedRows).
   */
  toUnits(
    list: { unit: string; message: Message; callId?: string | null }[],
    opts?: { coalesce?: boolean },
  ): Promise<number>;
  toChat(
    platform: string,
    chatId: string,
    message: Message,
    callId?: string | null,
    replyTo?: string,
    /** the platform user who alone should see it */
    privateTo?: string,
  ): Promise<void>;
  /** several messages to chats, in one insert */
  toChats(list: ChatMessage[]): Promise<void>;
  /** to the chat the command came from */
  reply(message: Message, callId?: string | null): Promise<void>;
  timersChanged(callId: string): void;
  /** the context's logger, with `callNo` once the work has recorded an event on a call */
  readonly log: Logger;
}

export interface NewEvent {
  callId: string;
  kind: string;
  payload?: Record<string, unknown>;
  assignmentId?: string | null;
  /** who did it, when not the work's actor (several people's reports written together) */
  actor?: Actor;
}

export interface ChatMessage {
  platform: string;
  chatId: string;
  message: Message;
  callId?: string | null;
  replyTo?: string;
  /** the platform user who alone should see it */
  privateTo?: string;
}

/** A message in answer to what `actor` said at `origin` (none without one): a private answer
 * goes to them alone, and is also addressed by name, for platforms that cannot hide it. */
export function replyOf(
  actor: Actor,
  origin: Origin | null,
  message: Message,
  callId?: string | null,
): ChatMessage | null {
  if (!origin) return null;
  const addressed =
    message.private && actor.personId
      ? {
          ...message,
          mentions: [...(message.mentions ?? []), { personId: actor.personId, name: actor.name }],
        }
      : message;
  return {
    platform: origin.platform,
    chatId: origin.chatId,
    message: addressed,
    callId,
    replyTo: origin.messageId,
    privateTo: message.private ? origin.userId : undefined,
  };
}

/** Timeline kinds → the event names other systems subscribe to (outgoing webhooks). */
export const WEBHOOK_EVENTS: Record<string, string> = {
  reported: 'created',
  triaged: 'triaged',
  called: 'dispatched',
  dispatched: 'dispatched',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  returned: 'returned',
  closed: 'closed',
  scored: 'scored',
  score_corrected: 'scored',
  archived: 'archived',
};

interface UnitSend {
  platform: string;
  chatId: string;
  message: Message;
  callId: string | null;
}

/**
 * The rows of timer messages fired together. In each chat, the messages that coalesce (flood.ts's
 * COALESCED) are written as rows of up to its limit of calls, already merged: 10,000 reminders
 * due at one instant are then a few hundred rows to write, read back and send, not 10,000. The
 * send still merges such rows of one chat falling due together. A message whose call has an older
 * row still waiting in that chat is written on its own and goes after it (a merged row belongs
 * to no one call, so its line would not hold it back); a chat's only message is written as it is.
 */
async function coalescedRows(
  trx: Transaction<Database>,
  sends: UnitSend[],
  row: (m: UnitSend, calls?: SentCall[]) => NewOutboxRow,
): Promise<NewOutboxRow[]> {
  const chatKey = (m: Pick<UnitSend, 'platform' | 'chatId'>) => `${m.platform}|${m.chatId}`;
  const byChat = new Map<string, UnitSend[]>();
  for (const m of sends) {
    if (!m.callId || mergeKey(m.message) !== COALESCED) continue;
    const g = byChat.get(chatKey(m));
    if (g) g.push(m);
    else byChat.set(chatKey(m), [m]);
  }
  const crowded = [...byChat.values()].filter((g) => g.length > 1);
  if (!crowded.length) return sends.map((m) => row(m));
  const waiting = await waitingCalls(
    trx,
    crowded.map((g) => g[0]),
    [...new Set(crowded.flat().map((m) => m.callId!))],
  );
  const merged = new Set<UnitSend>();
  const rows: NewOutboxRow[] = [];
  const limit = mergeLimit(COALESCED);
  for (const g of crowded) {
    const free = g.filter((m) => !waiting.has(`${chatKey(m)}|${m.callId}`));
    if (free.length < 2) continue;
    for (let i = 0; i < free.length; i += limit) {
      const chunk = free.slice(i, i + limit);
      for (const m of chunk) merged.add(m);
      rows.push(
        chunk.length === 1
          ? row(chunk[0])
          : row(
              { ...chunk[0], message: mergeMessages(chunk.map((m) => m.message)), callId: null },
              chunk.map((m) => ({
                callId: m.callId,
                kind: m.message.kind,
                assignmentId: m.message.assignmentId ?? null,
              })),
            ),
      );
    }
  }
  return [...sends.filter((m) => !merged.has(m)).map((m) => row(m)), ...rows];
}

/** One outbox row per subscriber of this event, in the same transaction as the event. */
async function queueWebhooks(
  w: Work,
  callId: string,
  eventId: string,
  kind: string,
  data: Record<string, unknown>,
) {
  const name = WEBHOOK_EVENTS[kind];
  const subscribers = w.ctx.district.webhooks.filter(
    (s) => name && (s.events.includes('*') || s.events.includes(name)),
  );
  if (!subscribers.length) return;
  const call = await w.trx
    .selectFrom('calls')
    .select(['no', 'state', 'tier', 'category_code', 'street_code', 'community_code'])
    .where('id', '=', callId)
    .executeTakeFirstOrThrow();
  await queueRows(
    w.trx,
    subscribers.map((s) => ({
      created_at: w.now,
      kind: 'webhook',
      platform: 'webhook',
      chat_id: s.name,
      call_id: callId,
      payload: JSON.stringify({
        id: `${eventId}`,
        event: name,
        kind,
        at: w.now.toISOString(),
        call: { ...call },
        data,
      }),
      idempotency_key: `webhook:${s.name}:${eventId}`,
      available_at: w.now,
    })),
  );
}

export async function runWork<T>(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  fn: (w: Work) => Promise<T>,
): Promise<T> {
  const effects: Effects = { outbox: false, timers: [] };
  const hasWebhooks = ctx.district.webhooks.length > 0;
  const now = ctx.clock.now();
  /** call id → its number, the timeline kinds recorded and who acted, for the line after the commit */
  const changed = new Map<string, { callNo: string; events: string[]; actor: Actor }>();
  let log = ctx.log;
  let result: T;
  try {
    result = await inTransaction();
  } catch (e) {
    // a rehearsal ran to its end: its result stands, and nothing of it was kept
    if (e instanceof Rehearsal) return e.result as T;
    throw e;
  }
  // Who acted is logged by id and role only: names are personal data and stay in the database.
  for (const c of changed.values())
    ctx.log.info(
      { callNo: c.callNo, events: c.events, actorId: c.actor.personId, actorRole: c.actor.role },
      'call changed',
    );
  if (effects.outbox || effects.timers.length) ctx.afterCommit?.(effects);
  return result;

  function inTransaction() {
    return ctx.db.transaction().execute(async (trx) => {
      // the chats of a unit, read once a transaction however many messages go to it
      const unitChats = new Map<string, { unit_code: string; platform: string; chat_id: string }[]>();
      const chatsOf = async (units: string[]) => {
        const unread = units.filter((u) => !unitChats.has(u));
        if (unread.length) {
          let q = trx
            .selectFrom('chat_bindings')
            .select(['unit_code', 'platform', 'chat_id'])
            .where('unit_code', 'in', unread);
          if (ctx.platforms) q = q.where('platform', 'in', ctx.platforms.length ? ctx.platforms : ['-']);
          for (const u of unread) unitChats.set(u, []);
          for (const c of await q.execute()) unitChats.get(c.unit_code)?.push(c);
        }
        return units.flatMap((u) => unitChats.get(u) ?? []);
      };
      // the messages a command causes are written once, in the order caused, when it is done
      const queued: NewOutboxRow[] = [];
      const queue = (rows: NewOutboxRow[]) => {
        queued.push(...rows);
        if (rows.length) effects.outbox = true;
      };
      const outboxRow = (
        platform: string,
        chatId: string,
        message: Message,
        callId?: string | null,
        replyTo?: string,
        privateTo?: string,
        calls?: SentCall[],
      ): NewOutboxRow => ({
        created_at: now,
        kind: 'message',
        platform,
        chat_id: chatId,
        call_id: callId ?? null,
        payload: JSON.stringify({
          message,
          replyTo: replyTo ?? null,
          ...(privateTo ? { privateTo } : {}),
          ...(calls ? { calls } : {}),
        } satisfies OutboxPayload),
        idempotency_key: randomUUID(),
        available_at: now,
        priority: message.urgent ? PRIORITY.urgent : PRIORITY.routine,
      });
      const toChats: Work['toChats'] = async (list) => {
        queue(list.map((m) => outboxRow(m.platform, m.chatId, m.message, m.callId, m.replyTo, m.privateTo)));
      };
      const toChat: Work['toChat'] = (platform, chatId, message, callId, replyTo, privateTo) =>
        toChats([{ platform, chatId, message, callId, replyTo, privateTo }]);
      const noted = (callId: string, callNo: string, kind: string, by: Actor) => {
        const seen = changed.get(callId);
        if (seen) seen.events.push(kind);
        else {
          changed.set(callId, { callNo, events: [kind], actor: by });
          if (changed.size === 1) log = ctx.log.child({ callNo });
        }
      };
      const w: Work = {
        trx,
        ctx,
        actor,
        now,
        origin,
        async event(callId, kind, payload = {}, assignmentId = null) {
          // a resident's name and phone numbers go beside the event, where retention can erase them
          const stored = splitPersonal(actor, payload);
          const row = await trx
            .insertInto('call_events')
            .values({
              call_id: callId,
              assignment_id: assignmentId,
              at: now,
              kind,
              actor_person_id: actor.personId,
              actor_label: stored.actorLabel,
              payload: JSON.stringify(stored.payload),
            })
            .returning([
              'id',
              sql<string>`(select no from calls where calls.id = call_events.call_id)`.as('call_no'),
            ])
            .executeTakeFirstOrThrow();
          if (stored.personal) await keepPersonal(trx, row.id, callId, stored.personal);
          noted(callId, row.call_no, kind, actor);
          if (hasWebhooks) {
            await queueWebhooks(w, callId, row.id, kind, payload);
            effects.outbox = true;
          }
          return row.id;
        },
        async events(list) {
          if (!list.length) return [];
          const by = list.map((e) => e.actor ?? actor);
          const stored = list.map((e, i) => splitPersonal(by[i], e.payload ?? {}));
          const rows = await trx
            .insertInto('call_events')
            .values(
              list.map((e, i) => ({
                call_id: e.callId,
                assignment_id: e.assignmentId ?? null,
                at: now,
                kind: e.kind,
                actor_person_id: by[i].personId,
                actor_label: stored[i].actorLabel,
                payload: JSON.stringify(stored[i].payload),
              })),
            )
            .returning([
              'id',
              sql<string>`(select no from calls where calls.id = call_events.call_id)`.as('call_no'),
            ])
            .execute();
          // Postgres returns the rows of a multi-row insert in the order given
          await keepPersonalMany(
            trx,
            list.flatMap((e, i) => {
              const part = stored[i].personal;
              return part ? [{ eventId: rows[i].id, callId: e.callId, part }] : [];
            }),
          );
          for (const [i, e] of list.entries()) {
            noted(e.callId, rows[i].call_no, e.kind, by[i]);
            if (hasWebhooks) {
              await queueWebhooks(w, e.callId, rows[i].id, e.kind, e.payload ?? {});
              effects.outbox = true;
            }
          }
          return rows.map((r) => r.id);
        },
        async toUnit(unitCode, message, callId) {
          return w.toUnits([{ unit: unitCode, message, callId }]);
        },
        async toUnits(list, opts) {
          if (!list.length) return 0;
          const chats = await chatsOf([...new Set(list.map((m) => m.unit))]);
          const sends = list.flatMap((m) =>
            chats
              .filter((c) => c.unit_code === m.unit)
              .map((c) => ({
                platform: c.platform,
                chatId: c.chat_id,
                message: m.message,
                callId: m.callId ?? null,
              })),
          );
          const rows =
            opts?.coalesce && ctx.district.escalation.coalesce_seconds > 0
              ? await coalescedRows(trx, sends, (m, calls) =>
                  outboxRow(m.platform, m.chatId, m.message, m.callId, undefined, undefined, calls),
                )
              : sends.map((m) => outboxRow(m.platform, m.chatId, m.message, m.callId));
          queue(rows);
          return rows.length;
        },
        toChat,
        toChats,
        async reply(message, callId) {
          const m = replyOf(actor, origin, message, callId);
          if (m) await toChats([m]);
        },
        timersChanged(callId) {
          if (!effects.timers.includes(callId)) effects.timers.push(callId);
        },
        get log() {
          return log;
        },
      };
      const out = await fn(w);
      for (let i = 0; i < queued.length; i += 1000) await queueRows(trx, queued.slice(i, i + 1000));
      if (ctx.rehearse) throw new Rehearsal(out);
      return out;
    });
  }
}

/** Ends a rehearsed command's transaction by rolling it back, carrying what it would return. */
class Rehearsal extends Error {
  constructor(readonly result: unknown) {
    super('rehearsal');
  }
}

/**
 * An answer to what `actor` said at `origin`, and nothing else changed: written together with
 * the other answers of a batch of events worked at once, else in a transaction of its own.
 */
export async function answer(ctx: Ctx, actor: Actor, origin: Origin | null, message: Message): Promise<void> {
  const reply = replyOf(actor, origin, message);
  if (!reply) return;
  if (!ctx.batch || ctx.rehearse) return runWork(ctx, actor, origin, (w) => w.toChats([reply]));
  await ctx.batch.join('answer', reply, (list: ChatMessage[]) =>
    runWork(ctx, actor, null, async (w) => {
      await w.toChats(list);
      return list.map(() => undefined);
    }),
  );
}
