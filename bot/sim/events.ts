// Live updates for the page (Server-Sent Events): new and changed messages of every chat and
// clock moves. In-process changes are pushed at once; a light poll of sim_messages catches
// what another process (a separate worker) wrote. A stream ends after a while and the browser
// reconnects with Last-Event-ID, so a shutdown never waits on an open page.

import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { isRowId } from '../../db/ids.ts';
import type { Ctx } from '../../handlers/context.ts';
import { type FeedEvent, type SimFeed, toRecord } from './sender.ts';

const POLL_MS = 2000;
const STREAM_MS = 15_000;
const RECONNECT_MS = 500;

export function simEvents(ctx: Ctx, feed: SimFeed): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const lastEventId = c.req.header('last-event-id') ?? c.req.query('after');
    return streamSSE(c, async (stream) => {
      let lastId = lastEventId && isRowId(lastEventId) ? lastEventId : undefined;
      // on a reconnect, changes made in the gap are sent again (the page ignores repeats)
      let since = new Date(ctx.clock.now().getTime() - (lastId ? 10_000 : 0));
      const seen = new Map<string, string>(); // id → updatedAt already sent on this stream
      const queue: FeedEvent[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = feed.subscribe((e) => {
        queue.push(e);
        wake?.();
      });
      stream.onAbort(unsubscribe);

      const send = async (e: FeedEvent) => {
        if (e.type === 'clock')
          return stream.writeSSE({ event: 'clock', data: JSON.stringify({ now: e.now }) });
        const r = e.record;
        if (seen.get(r.id) === r.updatedAt) return;
        seen.set(r.id, r.updatedAt);
        if (!lastId || BigInt(r.id) > BigInt(lastId)) lastId = r.id;
        await stream.writeSSE({ event: 'message', data: JSON.stringify(r), id: lastId });
      };
      const poll = async () => {
        const now = ctx.clock.now();
        if (!lastId) {
          const max = await ctx.db
            .selectFrom('sim_messages')
            .select((eb) => eb.fn.max('id').as('id'))
            .executeTakeFirst();
          lastId = String(max?.id ?? '0');
          return;
        }
        const after = lastId;
        const rows = await ctx.db
          .selectFrom('sim_messages')
          .selectAll()
          .where((eb) => eb.or([eb('id', '>', after), eb('updated_at', '>', since)]))
          .orderBy('id')
          .limit(200)
          .execute();
        since = new Date(now.getTime() - 1000);
        for (const row of rows) await send({ type: 'message', record: toRecord(row) });
      };

      await stream.writeSSE({ event: 'hello', data: '{}', retry: RECONNECT_MS });
      await poll().catch((err) => ctx.log.warn({ err }, 'sim live update poll failed'));
      const end = Date.now() + STREAM_MS;
      let nextPoll = Date.now() + POLL_MS;
      while (!stream.aborted && !stream.closed && Date.now() < end) {
        while (queue.length) await send(queue.shift()!);
        if (Date.now() >= nextPoll) {
          await poll().catch((err) => ctx.log.warn({ err }, 'sim live update poll failed'));
          nextPoll = Date.now() + POLL_MS;
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(10, Math.min(nextPoll, end) - Date.now()));
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
      }
      unsubscribe();
    });
  });
  return app;
}
