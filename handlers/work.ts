// One accepted command = one transaction: the state change, its timeline events and the
// messages it causes (outbox rows) commit together or not at all.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Ctx, Effects } from './context.ts';
import type { Message } from './messages.ts';
import type { Actor } from './people.ts';

export interface Origin {
  platform: string;
  chatId: string;
  messageId?: string;
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
  /** to every chat bound to a unit (its Lark group, WeChat room, simulator chat) */
  toUnit(unitCode: string, message: Message, callId?: string | null): Promise<number>;
  toChat(
    platform: string,
    chatId: string,
    message: Message,
    callId?: string | null,
    replyTo?: string,
  ): Promise<void>;
  /** to the chat the command came from */
  reply(message: Message, callId?: string | null): Promise<void>;
  timersChanged(callId: string): void;
}

export async function runWork<T>(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  fn: (w: Work) => Promise<T>,
): Promise<T> {
  const effects: Effects = { outbox: false, timers: [] };
  const now = ctx.clock.now();
  const result = await ctx.db.transaction().execute(async (trx) => {
    const toChat: Work['toChat'] = async (platform, chatId, message, callId, replyTo) => {
      await trx
        .insertInto('outbox')
        .values({
          created_at: now,
          kind: 'message',
          platform,
          chat_id: chatId,
          call_id: callId ?? null,
          payload: JSON.stringify({ message, replyTo: replyTo ?? null }),
          idempotency_key: randomUUID(),
          available_at: now,
        })
        .execute();
      effects.outbox = true;
    };
    const w: Work = {
      trx,
      ctx,
      actor,
      now,
      origin,
      async event(callId, kind, payload = {}, assignmentId = null) {
        const row = await trx
          .insertInto('call_events')
          .values({
            call_id: callId,
            assignment_id: assignmentId,
            at: now,
            kind,
            actor_person_id: actor.personId,
            actor_label: actor.name,
            payload: JSON.stringify(payload),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return row.id;
      },
      async toUnit(unitCode, message, callId) {
        const chats = await trx
          .selectFrom('chat_bindings')
          .select(['platform', 'chat_id'])
          .where('unit_code', '=', unitCode)
          .execute();
        for (const c of chats) await toChat(c.platform, c.chat_id, message, callId);
        return chats.length;
      },
      toChat,
      async reply(message, callId) {
        if (origin) await toChat(origin.platform, origin.chatId, message, callId, origin.messageId);
      },
      timersChanged(callId) {
        if (!effects.timers.includes(callId)) effects.timers.push(callId);
      },
    };
    return fn(w);
  });
  if (effects.outbox || effects.timers.length) ctx.afterCommit?.(effects);
  return result;
}
