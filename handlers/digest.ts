// The daily digest: each department's open and overdue assignments, to its chats, on working
// days. What it says is here; jobs/schedules.ts only runs it at 08:30.
import { unitName } from './cards/fields.ts';
import type { Ctx } from './context.ts';
import type { Message } from './messages.ts';
import { systemActor } from './people.ts';
import { lateness } from './remind.ts';
import { OPEN_STATES } from './timers.ts';
import { runWork } from './work.ts';
import { formatShanghai, isWorkingDay } from './worktime.ts';

/** items listed by name; the rest are counted */
const LISTED = 20;

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
    .where('a.state', 'in', OPEN_STATES)
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
