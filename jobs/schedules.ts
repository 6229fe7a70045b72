// Repeatable jobs: the monthly bulletin (1st of the month, 09:00 Asia/Shanghai, for the
// month before), the daily 08:30 digest (handlers/digest.ts) to each department, and,
// when the district file sets a retention period, the monthly personal-data sweep.
import type { Logger } from '../config/log.ts';
import { archiveDue } from '../handlers/archive.ts';
import type { Ctx } from '../handlers/context.ts';
import { sendDigests } from '../handlers/digest.ts';
import { publishMonthlyBulletin } from '../handlers/reports/bulletin.ts';
import { eraseOlderThan, parsePeriod } from '../handlers/retention.ts';
import { previousMonth } from '../handlers/worktime.ts';
import type { Lane } from './lane.ts';
import type { Queue } from './queue.ts';

const TZ = 'Asia/Shanghai';
export const BULLETIN_CRON = '0 9 1 * *';
export const DIGEST_CRON = '30 8 * * *';
/** after 09:00 and 18:00, when the score window's reminder and end fall due */
export const ARCHIVE_CRON = '5 9,18 * * *';
/** 03:00 on the 2nd: after the bulletin, at a quiet hour */
export const RETENTION_CRON = '0 3 2 * *';

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
