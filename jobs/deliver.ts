// Delivering outbox rows: look up who to @-mention, hand the message to its platform's sender
// with the row's idempotency key, record what was sent. Rows merged under a flood go as one
// message (the batch's first row's key), and each is recorded with that message's id. The
// queue-driven relay and the retry policy are built around this.

import { markSent, pendingMessages, type SentRecord } from '../db/outbox.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { Ctx } from '../handlers/context.ts';
import { callsOf, mergeMessages, type OutboxPayload } from '../handlers/flood.ts';
import { type PlatformSender, SendError } from './platform.ts';

const payloadOf = (row: OutboxRow) => row.payload as unknown as OutboxPayload;

export function deliverOutboxRow(
  ctx: Ctx,
  senders: Map<string, PlatformSender>,
  row: OutboxRow,
): Promise<{ messageId: string } | 'not_ready'> {
  return deliverBatch(ctx, senders, [row]);
}

/** Sends a batch (a row, or a row and the members merged into it) as one message. */
export async function deliverBatch(
  ctx: Ctx,
  senders: Map<string, PlatformSender>,
  rows: OutboxRow[],
): Promise<{ messageId: string } | 'not_ready'> {
  const [head] = rows;
  const sender = senders.get(head.platform);
  if (!sender)
    throw new SendError('retry', `no sender for platform ${head.platform}`, { platform: head.platform });
  if (!sender.ready()) return 'not_ready';
  const payload = payloadOf(head);
  if (head.kind === 'card_update') {
    if (sender.update && payload.platformMessageId)
      await sender.update(payload.platformMessageId, payload.message);
    await markSent(ctx.db, [head.id], {
      at: ctx.clock.now(),
      platformMessageId: payload.platformMessageId ?? null,
    });
    return { messageId: payload.platformMessageId ?? '' };
  }
  const single = rows.length === 1;
  const message = single ? payload.message : mergeMessages(rows.map((r) => payloadOf(r).message));
  const people = (message.mentions ?? []).map((m) => m.personId).filter((x): x is string => !!x);
  const ids = people.length
    ? await ctx.db
        .selectFrom('person_identities')
        .select(['person_id', 'platform_user_id'])
        .where('platform', '=', head.platform)
        .where('person_id', 'in', people)
        .execute()
    : [];
  const sent = await sender.send({
    chatId: head.chat_id,
    message,
    // a merged message answers no one report in particular
    replyTo: single ? (payload.replyTo ?? null) : null,
    // a private answer is never merged with others
    privateTo: single ? (payload.privateTo ?? null) : null,
    idempotencyKey: head.idempotency_key,
    mentions: (message.mentions ?? []).map((m) => ({
      personId: m.personId ?? '',
      name: m.name,
      platformUserId: ids.find((i) => String(i.person_id) === m.personId)?.platform_user_id ?? null,
    })),
  });
  // a row written already merged is remembered for each call it names
  const remember: SentRecord[] = rows.flatMap((r) =>
    callsOf(r.payload, r.call_id).map((c) => ({
      outboxId: r.id,
      callId: c.callId,
      cardKind: c.kind,
      assignmentId: c.assignmentId,
    })),
  );
  await markSent(
    ctx.db,
    rows.map((r) => r.id),
    { at: ctx.clock.now(), platformMessageId: sent.messageId, remember },
  );
  return sent;
}

/** Sends every pending row once, oldest first (tests and tools; the worker uses the queue). */
export async function drainOutbox(ctx: Ctx, senders: Map<string, PlatformSender>): Promise<number> {
  let n = 0;
  for (;;) {
    const rows = await pendingMessages(ctx.db, [...senders.keys()], 100);
    const ready = rows.filter((r) => senders.get(r.platform)?.ready());
    if (!ready.length) return n;
    for (const r of ready) {
      await deliverOutboxRow(ctx, senders, r);
      n++;
    }
  }
}
