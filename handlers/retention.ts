// Personal-data retention: after a configurable period, residents' names and phone numbers are
// erased from finished calls and their timelines, and the raw texts of old messages from the
// inbound, outbox and simulator records. Events are never rewritten: what is erased sits beside
// them (event_personal). Figures (rates, scores, satisfaction) do not change.
import { sql, type Transaction } from 'kysely';
import { RETENTION_PERIOD_PATTERN } from '../config/district.ts';
import type { Database } from '../db/schema.ts';
import type { Ctx } from './context.ts';
import { ERASED, ERASED_MIME, erasePhones } from './personal.ts';

/** Calls in these states are finished; an open call is never erased, however old. */
export const FINISHED_STATES = ['closed', 'archived', 'cancelled', 'merged'] as const;
const BATCH = 200;
const MESSAGE_BATCH = 1000;

export interface Period {
  text: string;
  /** the instant before which things are old enough */
  cutoff(now: Date): Date;
}

/** "3y", "18mo", "8w", "90d": a retention period (calendar years and months in UTC). */
export function parsePeriod(text: string): Period {
  const m = RETENTION_PERIOD_PATTERN.exec(text.trim());
  const n = m ? Number(m[1]) : 0;
  if (!m || n < 1)
    throw new Error(
      `"${text}" is not a retention period: write e.g. 3y, 18mo, 8w or 90d（保留期限格式有误）`,
    );
  const unit = m[2];
  return {
    text: `${n}${unit}`,
    cutoff(now) {
      const d = new Date(now);
      if (unit === 'y') d.setUTCFullYear(d.getUTCFullYear() - n);
      else if (unit === 'mo') d.setUTCMonth(d.getUTCMonth() - n);
      else d.setTime(d.getTime() - n * (unit === 'w' ? 7 : 1) * 24 * 3600_000);
      return d;
    },
  };
}

export interface RetentionReport {
  period: string;
  cutoff: string;
  dryRun: boolean;
  /** finished calls with nothing on their timeline since the cutoff */
  calls: number;
  /** timeline events whose resident name or phone numbers were erased */
  events: number;
  /** satisfaction answers unlinked from the person who gave them */
  satisfaction: number;
  outbox: number;
  inboundEvents: number;
  simMessages: number;
  /** attached photos emptied */
  attachments: number;
}

const erasedMark = (now: Date) => JSON.stringify({ erased: ERASED, erased_at: now.toISOString() });

type Trx = Transaction<Database>;

/** The calls old enough, not yet erased; locked, skipping any a command holds right now. */
function dueCalls(db: Ctx['db'] | Trx, cutoff: Date) {
  return db
    .selectFrom('calls as c')
    .where('c.personal_erased_at', 'is', null)
    .where('c.state', 'in', FINISHED_STATES)
    .where('c.created_at', '<', cutoff)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('call_events as e')
            .select('e.id')
            .whereRef('e.call_id', '=', 'c.id')
            .where('e.at', '>=', cutoff),
        ),
      ),
    );
}

/** Replaces phone numbers in the given text columns of rows of one table, row by row. */
async function erasePhonesIn<T extends 'assignments' | 'scores'>(
  trx: Trx,
  table: T,
  columns: readonly ('result_text' | 'return_reason' | 'comment' | 'reason')[],
  callIds: string[],
) {
  const rows = (await trx
    .selectFrom(table as 'assignments')
    .select(['id', ...(columns as 'result_text'[])])
    .where('call_id', 'in', callIds)
    .execute()) as unknown as Record<string, string | null>[];
  for (const row of rows) {
    const set: Record<string, string> = {};
    for (const col of columns) {
      const v = row[col];
      if (v && erasePhones(v) !== v) set[col] = erasePhones(v);
    }
    if (Object.keys(set).length)
      await trx
        .updateTable(table as 'assignments')
        .set(set)
        .where('id', '=', row.id as string)
        .execute();
  }
}

/** One batch of calls, in one transaction; the number of events touched. */
async function eraseCalls(
  trx: Trx,
  ids: string[],
  now: Date,
): Promise<{ events: number; satisfaction: number }> {
  const calls = await trx
    .selectFrom('calls')
    .select(['id', 'text', 'reporter_name', 'reporter_contact'])
    .where('id', 'in', ids)
    .execute();
  for (const c of calls)
    await trx
      .updateTable('calls')
      .set({
        text: erasePhones(c.text),
        reporter_name: c.reporter_name === null ? null : ERASED,
        reporter_contact: c.reporter_contact === null ? null : ERASED,
        reporter_person_id: null,
        personal_erased_at: now,
      })
      .where('id', '=', c.id)
      .execute();
  await erasePhonesIn(trx, 'assignments', ['result_text', 'return_reason'], ids);
  await erasePhonesIn(trx, 'scores', ['comment', 'reason'], ids);
  const events = await trx
    .updateTable('event_personal')
    .set({
      actor_label: sql`case when actor_label is null then null else ${ERASED} end`,
      phones: '{}',
      erased_at: now,
    })
    .where('call_id', 'in', ids)
    .where('erased_at', 'is', null)
    .executeTakeFirst();
  const satisfaction = await trx
    .updateTable('satisfaction')
    .set({ person_id: null })
    .where('call_id', 'in', ids)
    .where('person_id', 'is not', null)
    .executeTakeFirst();
  return { events: Number(events.numUpdatedRows), satisfaction: Number(satisfaction.numUpdatedRows) };
}

/** Old messages' raw texts, by age alone: each sweep a table, its key, which rows, what they become. */
const MESSAGE_SWEEPS = {
  outbox: {
    table: 'outbox',
    key: sql`id`,
    where: (cutoff: Date) => sql`created_at < ${cutoff} and state <> 'pending' and not (payload ? 'erased')`,
    set: (now: Date) => sql`payload = ${erasedMark(now)}::jsonb`,
  },
  inboundEvents: {
    table: 'inbound_events',
    key: sql`platform, event_id`,
    where: (cutoff: Date) =>
      sql`received_at < ${cutoff} and state <> 'received' and not (payload ? 'erased')`,
    set: (now: Date) => sql`payload = ${erasedMark(now)}::jsonb`,
  },
  simMessages: {
    table: 'sim_messages',
    key: sql`id`,
    where: (cutoff: Date) => sql`created_at < ${cutoff} and not (body ? 'erased')`,
    // a person's line keeps who said it (a simulator persona); the bot's becomes a plain note
    set: (now: Date) => sql`body = case when from_bot
      then jsonb_build_object('kind', 'notice', 'title', ${ERASED}::text, 'tone', 'neutral', 'erased', ${now.toISOString()}::text)
      else jsonb_build_object('text', ${ERASED}::text, 'persona', body->'persona', 'erased', ${now.toISOString()}::text) end`,
  },
  attachments: {
    table: 'attachments',
    key: sql`id`,
    where: (cutoff: Date) => sql`created_at < ${cutoff} and mime <> ${ERASED_MIME}`,
    set: (_now: Date) => sql`mime = ${ERASED_MIME}, bytes = ''::bytea`,
  },
} as const;
const SWEEPS = Object.keys(MESSAGE_SWEEPS) as (keyof typeof MESSAGE_SWEEPS)[];

const countOf = (row: { n: unknown } | undefined) => Number(row?.n ?? 0);

/** What a run would erase, changing nothing. */
async function countDue(ctx: Ctx, cutoff: Date, report: RetentionReport): Promise<RetentionReport> {
  const due = dueCalls(ctx.db, cutoff).select('c.id');
  report.calls = countOf(
    await ctx.db
      .selectFrom(due.as('d'))
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst(),
  );
  report.events = countOf(
    await ctx.db
      .selectFrom('event_personal')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('erased_at', 'is', null)
      .where('call_id', 'in', due)
      .executeTakeFirst(),
  );
  report.satisfaction = countOf(
    await ctx.db
      .selectFrom('satisfaction')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('person_id', 'is not', null)
      .where('call_id', 'in', due)
      .executeTakeFirst(),
  );
  for (const key of SWEEPS) {
    const s = MESSAGE_SWEEPS[key];
    const r = await sql<{
      n: string;
    }>`select count(*) as n from ${sql.table(s.table)} where ${s.where(cutoff)}`.execute(ctx.db);
    report[key] = countOf(r.rows[0]);
  }
  return report;
}

/**
 * Erases personal data older than the period: finished calls with nothing on their timeline
 * since the cutoff (reporter's name and contact, phone numbers in texts, the resident's name on
 * events, the person behind a satisfaction answer), and old messages' raw texts. Idempotent;
 * a dry run counts what would be erased and changes nothing.
 */
export async function eraseOlderThan(
  ctx: Ctx,
  period: Period,
  opts: { dryRun?: boolean } = {},
): Promise<RetentionReport> {
  const now = ctx.clock.now();
  const cutoff = period.cutoff(now);
  const report: RetentionReport = {
    period: period.text,
    cutoff: cutoff.toISOString(),
    dryRun: !!opts.dryRun,
    calls: 0,
    events: 0,
    satisfaction: 0,
    outbox: 0,
    inboundEvents: 0,
    simMessages: 0,
    attachments: 0,
  };
  if (opts.dryRun) return countDue(ctx, cutoff, report);
  for (;;) {
    const done = await ctx.db.transaction().execute(async (trx) => {
      const ids = (
        await dueCalls(trx, cutoff)
          .select('c.id')
          .orderBy('c.id')
          .limit(BATCH)
          .forUpdate()
          .skipLocked()
          .execute()
      ).map((r) => r.id);
      if (!ids.length) return 0;
      const n = await eraseCalls(trx, ids, now);
      report.events += n.events;
      report.satisfaction += n.satisfaction;
      return ids.length;
    });
    report.calls += done;
    if (done < BATCH) break;
  }
  for (const key of SWEEPS)
    for (;;) {
      const s = MESSAGE_SWEEPS[key];
      const table = sql.table(s.table);
      const r = await sql`update ${table} set ${s.set(now)} where (${s.key}) in
        (select ${s.key} from ${table} where ${s.where(cutoff)} limit ${MESSAGE_BATCH})`.execute(ctx.db);
      const n = Number(r.numAffectedRows ?? 0);
      report[key] += n;
      if (n < MESSAGE_BATCH) break;
    }
  ctx.log.info(report, 'retention: personal data erased');
  return report;
}
