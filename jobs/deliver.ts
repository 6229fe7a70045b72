// Delivering one outbox row: look up who to @-mention, hand the message to its platform's
// sender with the row's idempotency key, record what was sent. The queue-driven relay and
// the retry policy are built around this.

import type { OutboxRow } from '../db/schema.ts';
import type { Ctx } from '../handlers/context.ts';
import type { Message } from '../handlers/messages.ts';
import { type PlatformSender, SendError } from './platform.ts';

export interface OutboxPayload {
  message: Message;
  replyTo?: string | null;
  /** card_update rows: the platform message to change */
  platformMessageId?: string;
  /** the platform user who alone should see it */
  privateTo?: string;
}

export async function deliverOutboxRow(
  ctx: Ctx,
  senders: Map<string, PlatformSender>,
  row: OutboxRow,
): Promise<{ messageId: string } | 'not_ready'> {
  const sender = senders.get(row.platform);
  if (!sender)
    throw new SendError('retry', `no sender for platform ${row.platform}`, { platform: row.platform });
  if (!sender.ready()) return 'not_ready';
  const payload = row.payload as unknown as OutboxPayload;
  if (row.kind === 'card_update') {
    if (sender.update && payload.platformMessageId)
      await sender.update(payload.platformMessageId, payload.message);
    await ctx.db
      .updateTable('outbox')
      .set({
        state: 'sent',
        sent_at: ctx.clock.now(),
        platform_message_id: payload.platformMessageId ?? null,
        attempts: row.attempts + 1,
      })
      .where('id', '=', row.id)
      .execute();
    return { messageId: payload.platformMessageId ?? '' };
  }
  const people = (payload.message.mentions ?? []).map((m) => m.personId).filter((x): x is string => !!x);
  const ids = people.length
    ? await ctx.db
        .selectFrom('person_identities')
        .select(['person_id', 'platform_user_id'])
        .where('platform', '=', row.platform)
        .where('person_id', 'in', people)
        .execute()
    : [];
  const sent = await sender.send({
    chatId: row.chat_id,
    message: payload.message,
    replyTo: payload.replyTo ?? null,
    privateTo: payload.privateTo ?? null,
    idempotencyKey: row.idempotency_key,
    mentions: (payload.message.mentions ?? []).map((m) => ({
      personId: m.personId ?? '',
      name: m.name,
      platformUserId: ids.find((i) => String(i.person_id) === m.personId)?.platform_user_id ?? null,
    })),
  });
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('outbox')
      .set({
        state: 'sent',
        sent_at: ctx.clock.now(),
        platform_message_id: sent.messageId,
        attempts: row.attempts + 1,
      })
      .where('id', '=', row.id)
      .execute();
    await trx
      .insertInto('sent_messages')
      .values({
        outbox_id: row.id,
        platform: row.platform,
        chat_id: row.chat_id,
        platform_message_id: sent.messageId,
        call_id: row.call_id,
        card_kind: payload.message.kind,
        assignment_id: payload.message.assignmentId ?? null,
        created_at: ctx.clock.now(),
      })
      .execute();
  });
  return sent;
}

/** Sends every pending row once, oldest first (tests and tools; the worker uses the queue). */
export async function drainOutbox(ctx: Ctx, senders: Map<string, PlatformSender>): Promise<number> {
  let n = 0;
  for (;;) {
    const rows = await ctx.db
      .selectFrom('outbox')
      .selectAll()
      .where('state', '=', 'pending')
      .where('kind', '!=', 'webhook')
      .where('platform', 'in', [...senders.keys()].length ? [...senders.keys()] : ['-'])
      .orderBy('id')
      .limit(100)
      .execute();
    const ready = rows.filter((r) => senders.get(r.platform)?.ready());
    if (!ready.length) return n;
    for (const r of ready) {
      await deliverOutboxRow(ctx, senders, r);
      n++;
    }
  }
}
