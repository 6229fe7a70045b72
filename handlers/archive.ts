// Archiving after the score window (结案备案): a closed call is archived once every
// department is scored (scoring.ts does that) or, failing that, after five working days;
// the street is reminded once on the third. The daily job calls archiveDue; re-running it
// changes nothing (the call row is locked and re-read, and the reminder is on the timeline).
import type { Call } from '../db/schema.ts';
import { shortName } from './cards/fields.ts';
import type { Ctx } from './context.ts';
import type { Message } from './messages.ts';
import { systemActor } from './people.ts';
import { archiveNow, names, unscoredAssignments } from './shared.ts';
import { runWork, type Work } from './work.ts';
import { formatShanghai, isWorkingDay } from './worktime.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHANGHAI_OFFSET = 8 * HOUR;

/** Shanghai midnight starting the n-th working day after the day of `at`. */
function workingDayAfter(at: Date, n: number): number {
  let day = Math.floor((at.getTime() + SHANGHAI_OFFSET) / DAY);
  for (let k = 0; k < n; ) {
    day++;
    if (isWorkingDay(new Date(day * DAY - SHANGHAI_OFFSET + 12 * HOUR))) k++;
  }
  return day * DAY - SHANGHAI_OFFSET;
}

/**
 * Working days are counted after the day of closure, on the official calendar: the reminder
 * is due from 09:00 on the 3rd, archiving from 18:00 on the 5th (five full working days).
 */
export function scoreWindow(closedAt: Date): { remindAt: Date; archiveAt: Date } {
  return {
    remindAt: new Date(workingDayAfter(closedAt, 3) + 9 * HOUR),
    archiveAt: new Date(workingDayAfter(closedAt, 5) + 18 * HOUR),
  };
}

/** The closed call, locked, if it is still closed. */
async function lockClosed(w: Work, id: string): Promise<Call | undefined> {
  const call = await w.trx
    .selectFrom('calls')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return call?.state === 'closed' ? call : undefined;
}

function reminder(ctx: Ctx, call: Call, units: string[], archiveAt: Date): Message {
  const d = ctx.district;
  return {
    kind: 'score_reminder',
    callNo: call.no,
    title: `评分提醒 ${call.no}`,
    tone: 'warning',
    fields: [
      { label: '编号', value: call.no },
      { label: '待评分部门', value: names(d, units) },
      { label: '结案时间', value: formatShanghai(new Date(call.closed_at!)) },
      { label: '评分截止', value: formatShanghai(archiveAt) },
    ],
    text:
      `结案已满3个工作日，请对承办部门逐一评分（逆向评议）；${formatShanghai(archiveAt)} 后自动备案，不再接受评分。\n` +
      `可用评分卡片，或回复「评分 ${call.no.slice(-4)} ${shortName(d, units[0])} 20 18 20 19 20 意见」`,
  };
}

async function remind(ctx: Ctx, id: string, archiveAt: Date): Promise<string | null> {
  return runWork(ctx, systemActor, null, async (w) => {
    const call = await lockClosed(w, id);
    if (!call) return null;
    const seen = await w.trx
      .selectFrom('call_events')
      .select('id')
      .where('call_id', '=', id)
      .where('kind', '=', 'score_reminded')
      .executeTakeFirst();
    if (seen) return null;
    const units = (await unscoredAssignments(w, call.id)).map((a) => a.unit_code);
    if (!units.length) return null;
    await w.event(call.id, 'score_reminded', { units, archiveAt: archiveAt.toISOString() });
    await w.toUnit(call.street_code, reminder(ctx, call, units, archiveAt), call.id);
    return call.no;
  });
}

async function archive(ctx: Ctx, id: string): Promise<string | null> {
  return runWork(ctx, systemActor, null, async (w) => {
    const call = await lockClosed(w, id);
    if (!call) return null;
    const units = (await unscoredAssignments(w, call.id)).map((a) => a.unit_code);
    await archiveNow(w, call, 'score window passed');
    await w.toUnit(
      call.street_code,
      {
        kind: 'notice',
        callNo: call.no,
        title: `已备案 ${call.no}`,
        tone: 'neutral',
        text: `结案后5个工作日的评分期已过${units.length ? `，${names(ctx.district, units)}本次无过程评议分` : ''}。`,
      },
      call.id,
    );
    return call.no;
  });
}

/** Reminds and archives what is due now; returns the call numbers it acted on. */
export async function archiveDue(ctx: Ctx): Promise<{ reminded: string[]; archived: string[] }> {
  const now = ctx.clock.now();
  const closed = await ctx.db
    .selectFrom('calls')
    .select(['id', 'closed_at'])
    .where('state', '=', 'closed')
    .orderBy('closed_at')
    .orderBy('id')
    .execute();
  const reminded: string[] = [];
  const archived: string[] = [];
  for (const c of closed) {
    if (!c.closed_at) continue;
    const { remindAt, archiveAt } = scoreWindow(new Date(c.closed_at));
    // Past the window the call is archived, reminded or not (the job may have been down).
    if (now >= archiveAt) {
      const no = await archive(ctx, c.id);
      if (no) archived.push(no);
    } else if (now >= remindAt) {
      const no = await remind(ctx, c.id, archiveAt);
      if (no) reminded.push(no);
    }
  }
  if (reminded.length || archived.length) ctx.log.info({ reminded, archived }, 'score window sweep');
  return { reminded, archived };
}
