// The simulator as a chat platform: bot messages land in sim_messages and are pushed to
// every open page; the idempotency key makes a retried send land once.
import { EventEmitter } from 'node:events';
import type { Clock } from '../../config/clock.ts';
import type { Db } from '../../db/connect.ts';
import type { Message } from '../../handlers/messages.ts';
import type { OutgoingMessage, PlatformSender } from '../../jobs/platform.ts';

export interface SimRecord {
  id: string;
  chat: string;
  fromBot: boolean;
  sender: string;
  body: { message?: Message; text?: string; idempotencyKey?: string; persona?: string };
  replyTo: string | null;
  at: string;
}

export const toRecord = (r: {
  id: string;
  chat_id: string;
  from_bot: boolean;
  sender: string;
  body: unknown;
  reply_to: string | null;
  created_at: Date;
}): SimRecord => ({
  id: r.id,
  chat: r.chat_id,
  fromBot: r.from_bot,
  sender: r.sender,
  body: r.body as SimRecord['body'],
  replyTo: r.reply_to,
  at: new Date(r.created_at).toISOString(),
});

export class SimSender implements PlatformSender {
  readonly platform = 'sim';
  readonly bus = new EventEmitter();
  constructor(
    private db: Db,
    private clock: Clock,
  ) {
    this.bus.setMaxListeners(1000);
  }

  ready() {
    return true;
  }

  async send(out: OutgoingMessage) {
    const existing = await this.db
      .selectFrom('sim_messages')
      .select('id')
      .where('chat_id', '=', out.chatId)
      .where(({ eb, ref }) => eb(ref('body', '->>').key('idempotencyKey' as never), '=', out.idempotencyKey))
      .executeTakeFirst();
    if (existing) return { messageId: existing.id };
    const now = this.clock.now();
    const row = await this.db
      .insertInto('sim_messages')
      .values({
        chat_id: out.chatId,
        from_bot: true,
        sender: '呼应',
        body: JSON.stringify({ message: out.message, idempotencyKey: out.idempotencyKey }),
        reply_to: out.replyTo && /^\d+$/.test(out.replyTo) ? out.replyTo : null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.bus.emit('message', toRecord(row));
    return { messageId: row.id };
  }

  async update(messageId: string, message: Message) {
    const row = await this.db
      .selectFrom('sim_messages')
      .selectAll()
      .where('id', '=', messageId)
      .executeTakeFirst();
    if (!row) return;
    const body = { ...(row.body as object), message };
    const updated = await this.db
      .updateTable('sim_messages')
      .set({ body: JSON.stringify(body), updated_at: this.clock.now() })
      .where('id', '=', messageId)
      .returningAll()
      .executeTakeFirstOrThrow();
    this.bus.emit('message', toRecord(updated));
  }
}
