// The simulator as a chat platform: the bot's messages land in sim_messages and go live to
// every open page. A retried send (same idempotency key) lands once.

import { EventEmitter } from 'node:events';
import { sql } from 'kysely';
import type { Clock } from '../../config/clock.ts';
import type { Db } from '../../db/connect.ts';
import { isRowId } from '../../db/ids.ts';
import type { SimMessage } from '../../db/schema.ts';
import type { Message } from '../../handlers/messages.ts';
import { ERASED_MIME } from '../../handlers/personal.ts';
import type { OutgoingMessage, PlatformSender } from '../../jobs/platform.ts';

/** A sim message as the API and the page see it. */
export interface SimRecord {
  id: string;
  chat: string;
  fromBot: boolean;
  /** display name: 呼应 for the bot, the persona's name for people */
  sender: string;
  /** people's messages: the persona id and what they wrote */
  persona?: string;
  text?: string;
  /** people's messages: the photos they sent with it, as `sim-image:<id>` */
  images?: string[];
  /** the bot's messages: the card */
  message?: Message;
  /** the bot's messages: sim identities of the people it @-mentions */
  mentioned?: string[];
  /** an answer for one persona only (a refusal, a hint): the page shows it to them alone */
  to?: string;
  replyTo: string | null;
  at: string;
  updatedAt: string;
}

/** What sim_messages.body holds for the bot: the Message JSON plus these. */
type BotBody = Message & { idempotencyKey?: string; mentionedUserIds?: string[]; to?: string };
type PersonBody = { text: string; persona: string; images?: string[] };

export function toRecord(row: SimMessage): SimRecord {
  const base = {
    id: String(row.id),
    chat: row.chat_id,
    fromBot: row.from_bot,
    sender: row.sender,
    replyTo: row.reply_to === null ? null : String(row.reply_to),
    at: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
  if (!row.from_bot) {
    const b = row.body as unknown as PersonBody;
    return { ...base, persona: b.persona, text: b.text, ...(b.images?.length ? { images: b.images } : {}) };
  }
  const { idempotencyKey: _key, mentionedUserIds, to, ...message } = row.body as unknown as BotBody;
  return { ...base, message: message as Message, mentioned: mentionedUserIds ?? [], ...(to ? { to } : {}) };
}

export type FeedEvent = { type: 'message'; record: SimRecord } | { type: 'clock'; now: string };

/** In-process live updates: new and changed messages, clock moves. */
export class SimFeed {
  private bus = new EventEmitter();
  constructor() {
    this.bus.setMaxListeners(0);
  }
  publish(e: FeedEvent) {
    this.bus.emit('event', e);
  }
  subscribe(fn: (e: FeedEvent) => void): () => void {
    this.bus.on('event', fn);
    return () => this.bus.off('event', fn);
  }
}

/** A photo sent in the simulator, as reports keep it. */
const SIM_PHOTO = 'sim-image:';

export class SimSender implements PlatformSender {
  readonly platform = 'sim';
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    readonly feed: SimFeed,
  ) {}

  ready() {
    return true;
  }

  async send(out: OutgoingMessage): Promise<{ messageId: string }> {
    const { row, created } = await this.db.transaction().execute(async (trx) => {
      // two deliveries of one row (a retry racing a slow first try) wait for each other here
      await sql`select pg_advisory_xact_lock(hashtext(${`huying:sim:${out.idempotencyKey}`}))`.execute(trx);
      const existing = await trx
        .selectFrom('sim_messages')
        .selectAll()
        .where('chat_id', '=', out.chatId)
        .where('from_bot', '=', true)
        .where(sql<string>`body->>'idempotencyKey'`, '=', out.idempotencyKey)
        .executeTakeFirst();
      if (existing) return { row: existing, created: false };
      const now = this.clock.now();
      const body: BotBody = {
        ...out.message,
        idempotencyKey: out.idempotencyKey,
        mentionedUserIds: out.mentions.map((m) => m.platformUserId).filter((x): x is string => !!x),
        ...(out.privateTo ? { to: out.privateTo } : {}),
      };
      const inserted = await trx
        .insertInto('sim_messages')
        .values({
          chat_id: out.chatId,
          from_bot: true,
          sender: '呼应',
          body: JSON.stringify(body),
          reply_to: out.replyTo && isRowId(out.replyTo) ? out.replyTo : null,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { row: inserted, created: true };
    });
    if (created) this.feed.publish({ type: 'message', record: toRecord(row) });
    return { messageId: String(row.id) };
  }

  /** Rewrites a card in place (keeping its idempotency key); unknown ids change nothing. */
  async update(messageId: string, message: Message): Promise<void> {
    await this.updateRecord(messageId, message);
  }

  async updateRecord(messageId: string, message: Message): Promise<SimRecord | undefined> {
    if (!isRowId(messageId)) return undefined;
    const row = await this.db
      .selectFrom('sim_messages')
      .selectAll()
      .where('id', '=', messageId)
      .where('from_bot', '=', true)
      .executeTakeFirst();
    if (!row) return undefined;
    const old = row.body as unknown as BotBody;
    const body: BotBody = {
      ...message,
      idempotencyKey: old.idempotencyKey,
      mentionedUserIds: old.mentionedUserIds,
    };
    const updated = await this.db
      .updateTable('sim_messages')
      // strictly later than before, even on a manual clock that stands still: pages tell a
      // changed card by its updatedAt
      .set({
        body: JSON.stringify(body),
        updated_at: new Date(Math.max(this.clock.now().getTime(), new Date(row.updated_at).getTime() + 1)),
      })
      .where('id', '=', messageId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const record = toRecord(updated);
    this.feed.publish({ type: 'message', record });
    return record;
  }

  /** Stores what a persona wrote in a chat, and shows it live. */
  async said(
    chatId: string,
    persona: { id: string; name: string },
    text: string,
    photos: { mime: string; bytes: Buffer }[] = [],
  ): Promise<SimRecord> {
    const now = this.clock.now();
    const images: string[] = [];
    for (const p of photos) {
      const { id } = await this.db
        .insertInto('attachments')
        .values({ chat_id: chatId, mime: p.mime, bytes: p.bytes })
        .returning('id')
        .executeTakeFirstOrThrow();
      images.push(`${SIM_PHOTO}${id}`);
    }
    const body: PersonBody = { text, persona: persona.id, ...(images.length ? { images } : {}) };
    const row = await this.db
      .insertInto('sim_messages')
      .values({
        chat_id: chatId,
        from_bot: false,
        sender: persona.name,
        body: JSON.stringify(body),
        reply_to: null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const record = toRecord(row);
    this.feed.publish({ type: 'message', record });
    return record;
  }

  /** A photo sent in the simulator, by its ref; undefined for any other ref. */
  async photo(ref: string): Promise<{ mime: string; bytes: Buffer } | undefined> {
    if (!ref.startsWith(SIM_PHOTO) || !isRowId(ref.slice(SIM_PHOTO.length))) return undefined;
    return this.db
      .selectFrom('attachments')
      .select(['mime', 'bytes'])
      .where('id', '=', ref.slice(SIM_PHOTO.length))
      .where('mime', '<>', ERASED_MIME)
      .executeTakeFirst();
  }
}
