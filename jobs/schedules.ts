// Repeatable jobs: the monthly bulletin (1st of the month, 09:00 Asia/Shanghai, for the
// month before), the daily 08:30 digest of open and overdue items to each department, and,
// when the district file sets a retention period, the monthly personal-data sweep.
import type { Logger } from '../config/log.ts';
import { archiveDue } from '../handlers/archive.ts';
import { unitName } from '../handlers/cards.ts';
import type { Ctx } from '../handlers/context.ts';
import type { Message } from '../handlers/messages.ts';
import { systemActor } from '../handlers/people.ts';
import { lateness } from '../handlers/remind.ts';
import { publishMonthlyBulletin } from '../handlers/reports/bulletin.ts';
import { eraseOlderThan, parsePeriod } from '../handlers/retention.ts';
import { runWork } from '../handlers/work.ts';
import { formatShanghai, isWorkingDay } from '../handlers/worktime.ts';
import type { Lane } from './lane.ts';
import type { Queue } from './queue.ts';

const TZ = 'Asia/Shanghai';
export const BULLETIN_CRON = '0 9 1 * *';
export const DIGEST_CRON = '30 8 * * *';
/** after 09:00 and 18:00, when the score window's reminder and end fall due */
export const ARCHIVE_CRON = '5 9,18 * * *';
/** 03:00 on the 2nd: after the bulletin, at a quiet hour */
export const RETENTION_CRON = '0 3 2 * *';
const LISTED = 20;

/** 'YYYY-MM' of the month before the given instant, in Shanghai. */
export function previousMonth(now: Date): string {
  const [y, m] = formatShanghai(now).slice(0, 7).split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The month before's bulletin, to the office and the leaders (once: a re-run queues nothing). */
export async function runMonthlyBulletin(ctx: Ctx, log: Logger) {
  const month = previousMonth(ctx.clock.now());
  await publishMonthlyBulletin(ctx, month);
  log.info({ month }, 'monthly bulletin published');
  return 'published';
}

/**
 * The monthly retention sweep, with the district file's period. A schedule left in Redis after
 * the period was taken out of the file finds none and does nothing.
 */
export async function runRetention(ctx: Ctx, log: Logger) {
  const text = ctx.district.retention.personal_data;
  if (!text) {
    log.info('retention sweep skipped: the district file sets no retention.personal_data');
    return null;
  }
  return eraseOlderThan(ctx, parsePeriod(text));
}

/**
 * Each department's open and overdue assignments, to its chats; departments with none get
 * nothing, and nobody gets one on a day off (weekends and public holidays on the official
 * calendar; a 调休 Saturday is a working day and has its digest).
 */
export async function sendDigests(ctx: Ctx): Promise<number> {
  const now = ctx.clock.now();
  if (!isWorkingDay(now)) return 0;
  const departments = new Set(ctx.district.departments.map((u) => u.code));
  const rows = await ctx.db
    .selectFrom('assignments as a')
    .innerJoin('calls as c', 'c.id', 'a.call_id')
    .select([
      'a.unit_code',
      'a.state',
      'a.ack_due_at',
      'a.resolve_due_at',
      'c.id as call_id',
      'c.no',
      'c.text',
    ])
    .where('a.state', 'in', ['dispatched', 'acknowledged', 'in_progress'])
    .orderBy('a.resolve_due_at')
    .orderBy('c.no')
    .execute();
  type Row = (typeof rows)[number];
  /** the deadline this item waits for, and whether it has passed */
  const deadline = (r: Row) => (r.state === 'dispatched' && r.ack_due_at ? r.ack_due_at : r.resolve_due_at);
  const overdueBy = (r: Row) => {
    const at = deadline(r);
    return at && new Date(at) < now ? Math.floor((now.getTime() - new Date(at).getTime()) / 60_000) : null;
  };
  const byUnit = new Map<string, Row[]>();
  for (const r of rows)
    if (departments.has(r.unit_code)) byUnit.set(r.unit_code, [...(byUnit.get(r.unit_code) ?? []), r]);
  if (!byUnit.size) return 0;
  await runWork(ctx, systemActor, null, async (w) => {
    for (const [unit, items] of byUnit) {
      const late = items.filter((r) => overdueBy(r) !== null);
      // overdue first, then by deadline
      const listed = [...late, ...items.filter((r) => overdueBy(r) === null)].slice(0, LISTED);
      const lines = listed.map((r) => {
        const over = overdueBy(r);
        const at = deadline(r);
        const what = r.state === 'dispatched' ? '待报到' : '待办结';
        return `${over !== null ? `【超时${lateness(over)}】` : ''}${r.no} ${what}，时限 ${at ? formatShanghai(new Date(at)) : '—'}：${r.text.slice(0, 24)}`;
      });
      if (items.length > LISTED) lines.push(`……另有 ${items.length - LISTED} 件，发送「待办」查看全部`);
      const message: Message = {
        kind: 'digest',
        title: `${unitName(ctx.district, unit)}每日待办：在办 ${items.length} 件，超时 ${late.length} 件`,
        tone: late.length ? 'warning' : 'info',
        fields: [
          { label: '在办', value: `${items.length} 件` },
          { label: '超时', value: `${late.length} 件` },
          { label: '统计时间', value: formatShanghai(now) },
        ],
        text: lines.join('\n'),
      };
      await w.toUnit(unit, message);
    }
  });
  return byUnit.size;
}

/** Registers the repeatable jobs and their processor on the `schedules` queue. */
/**
 * Registers the repeatable jobs and their processor on the `schedules` queue; returns how to
 * declare the schedules again (a Redis that lost its data lost them too).
 */
export async function startSchedules(
  ctx: Ctx,
  queue: Queue,
  log: Logger,
  lane: Lane,
): Promise<{ declare(): Promise<void> }> {
  queue.process(async (job) =>
    lane(async () => {
      if (job.name === 'bulletin') await runMonthlyBulletin(ctx, log);
      else if (job.name === 'digest') log.info({ departments: await sendDigests(ctx) }, 'daily digest sent');
      else if (job.name === 'archive') {
        // closed calls not fully scored: a reminder on working day 3, archived after day 5
        log.info(await archiveDue(ctx), 'archiving sweep done');
      } else if (job.name === 'retention') await runRetention(ctx, log);
    }),
  );
  const declare = async () => {
    await queue.repeat('archive', 'archive', {}, { pattern: ARCHIVE_CRON, tz: TZ });
    await queue.repeat('bulletin', 'bulletin', {}, { pattern: BULLETIN_CRON, tz: TZ });
    await queue.repeat('digest', 'digest', {}, { pattern: DIGEST_CRON, tz: TZ });
    // off unless the district file sets a period
    if (ctx.district.retention.personal_data)
      await queue.repeat('retention', 'retention', {}, { pattern: RETENTION_CRON, tz: TZ });
  };
  await declare();
  return { declare };
}
