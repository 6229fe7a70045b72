// Repeatable jobs: the monthly bulletin (1st, 09:00 Asia/Shanghai, for the previous month),
// the daily 08:30 digest to each department chat, and the daily archiving sweep.
import type { Services } from '../bot/wiring.ts';
import type { Ctx } from '../handlers/context.ts';
import type { Message } from '../handlers/messages.ts';
import { systemActor } from '../handlers/people.ts';
import { runWork } from '../handlers/work.ts';
import { formatShanghai } from '../handlers/worktime.ts';

const TZ = 'Asia/Shanghai';

/** 'YYYY-MM' of the month before the given instant, in Shanghai. */
export function previousMonth(now: Date): string {
  const [y, m] = formatShanghai(now).slice(0, 7).split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** Each department's open and overdue assignments, to its chats. */
export async function sendDigests(ctx: Ctx): Promise<number> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .selectFrom('assignments as a')
    .innerJoin('calls as c', 'c.id', 'a.call_id')
    .select(['a.unit_code', 'a.state', 'a.ack_due_at', 'a.resolve_due_at', 'c.no', 'c.text'])
    .where('a.state', 'in', ['dispatched', 'acknowledged', 'in_progress'])
    .where('a.role', '!=', 'self')
    .orderBy('a.resolve_due_at')
    .execute();
  const byUnit = new Map<string, typeof rows>();
  for (const r of rows) byUnit.set(r.unit_code, [...(byUnit.get(r.unit_code) ?? []), r]);
  const overdue = (r: (typeof rows)[number]) =>
    (r.state === 'dispatched' && r.ack_due_at && new Date(r.ack_due_at) < now) ||
    (r.resolve_due_at && new Date(r.resolve_due_at) < now);
  await runWork(ctx, systemActor, null, async (w) => {
    for (const [unit, items] of byUnit) {
      const late = items.filter(overdue);
      const message: Message = {
        kind: 'digest',
        title: `每日待办：在办 ${items.length} 件，超时 ${late.length} 件`,
        tone: late.length ? 'warning' : 'info',
        text: items
          .slice(0, 20)
          .map(
            (r) =>
              `${overdue(r) ? '【超时】' : ''}${r.no} ${r.state === 'dispatched' ? '待报到' : '待办结'} 时限 ${r.resolve_due_at ? formatShanghai(new Date(r.resolve_due_at)) : '—'} ${r.text.slice(0, 20)}`,
          )
          .join('\n'),
      };
      await w.toUnit(unit, message);
    }
  });
  return byUnit.size;
}

export async function startSchedules(services: Services): Promise<() => Promise<void>> {
  const { ctx, runtime } = services;
  const q = runtime.queues.queue('schedules');
  q.process(async (job) => {
    if (job.name === 'bulletin') {
      const mod = await import(`../handlers/reports/bulletin${'.ts'}`).catch(() => null);
      if (!mod?.publishMonthlyBulletin) return ctx.log.warn('bulletin module not available; skipped');
      await mod.publishMonthlyBulletin(ctx, previousMonth(ctx.clock.now()));
    } else if (job.name === 'digest') await sendDigests(ctx);
    else if (job.name === 'archive') {
      const mod = await import(`../handlers/archive${'.ts'}`).catch(() => null);
      if (mod?.archiveDue) await mod.archiveDue(ctx);
    }
  });
  await q.repeat('bulletin', 'bulletin', {}, { pattern: '0 9 1 * *', tz: TZ });
  await q.repeat('digest', 'digest', {}, { pattern: '30 8 * * *', tz: TZ });
  await q.repeat('archive', 'archive', {}, { pattern: '0 9 * * *', tz: TZ });
  return async () => {};
}
