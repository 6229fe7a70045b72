// The chats' lines as the office sees them: what waits where and since when (the admin API's
// /api/outbox/backlog, and the status page), and the warning to the office's chats when a line
// stays long: once per episode, whichever worker notices first.
import { type Line, lineBacklog, recordLongLines, takeWarnings } from '../db/outbox-lines.ts';
import { unitName } from '../handlers/cards/fields.ts';
import type { Ctx } from '../handlers/context.ts';
import { lineWarning } from '../handlers/flood.ts';
import { systemActor } from '../handlers/people.ts';
import { runWork } from '../handlers/work.ts';

export interface LineReport {
  platform: string;
  chatId: string;
  unit: string | null;
  /** the chat's name for people: its title, else its unit's name, else its id */
  name: string;
  waiting: number;
  urgent: number;
  oldestAt: string;
  oldestWaitSeconds: number;
  /** since when the line has been long (an episode the office is or will be warned of) */
  longSince: string | null;
  warnedAt: string | null;
}

export interface Backlog {
  at: string;
  waiting: number;
  lines: LineReport[];
}

const nameOf = (ctx: Ctx, l: Line) => l.title ?? (l.unit ? unitName(ctx.district, l.unit) : l.chatId);

/** Each line's waiting count and oldest wait, longest first (waits on the wall clock). */
export async function outboxBacklog(ctx: Ctx, now = new Date()): Promise<Backlog> {
  const lines = await lineBacklog(ctx.db);
  return {
    at: now.toISOString(),
    waiting: lines.reduce((n, l) => n + l.waiting, 0),
    lines: lines.map((l) => ({
      platform: l.platform,
      chatId: l.chatId,
      unit: l.unit,
      name: nameOf(ctx, l),
      waiting: l.waiting,
      urgent: l.urgent,
      oldestAt: l.oldestAt.toISOString(),
      oldestWaitSeconds: Math.max(0, Math.round((now.getTime() - l.oldestAt.getTime()) / 1000)),
      longSince: l.longSince?.toISOString() ?? null,
      warnedAt: l.warnedAt?.toISOString() ?? null,
    })),
  };
}

export interface LineWatch {
  /** a line is long with this many rows waiting… */
  warnCount: number;
  /** …or when its oldest row has waited this long */
  warnWaitSeconds: number;
  /** the office is warned once a line has stayed long this long */
  warnAfterSeconds: number;
}

/** what people call each platform (the adapters'; webhook rows are pushes to other systems) */
export type PlatformLabels = Record<string, string>;
const OWN_LABELS: PlatformLabels = { webhook: '外部系统推送' };

export const DEFAULT_LINE_WATCH: LineWatch = { warnCount: 200, warnWaitSeconds: 60, warnAfterSeconds: 60 };

/**
 * One look at every line: long lines start or continue an episode, lines that got short (below
 * half of both thresholds) end theirs; an episode that lasted warnAfterSeconds warns the office,
 * once. Returns how many lines are long and how many warnings were written.
 */
export async function watchLines(ctx: Ctx, o: LineWatch, labels: PlatformLabels = {}, now = new Date()) {
  const { lines } = await outboxBacklog(ctx, now);
  const over = (l: LineReport, k: number) =>
    l.waiting >= o.warnCount * k || l.oldestWaitSeconds >= o.warnWaitSeconds * k;
  const key = (l: LineReport) => ({ platform: l.platform, chatId: l.chatId });
  const long = lines.filter((l) => over(l, 1));
  const ongoing = lines.filter((l) => !over(l, 1) && over(l, 0.5));
  await recordLongLines(ctx.db, { long: long.map(key), ongoing: ongoing.map(key), now });
  if (!long.length) return { long: 0, warned: 0 };
  const since = new Date(now.getTime() - o.warnAfterSeconds * 1000);
  const warned = await runWork(ctx, systemActor, null, async (w) => {
    const taken = await takeWarnings(w.trx, { lines: long.map(key), since, now });
    for (const t of taken) {
      const l = long.find((x) => x.platform === t.platform && x.chatId === t.chat_id)!;
      const message = lineWarning({
        platform: labels[l.platform] ?? OWN_LABELS[l.platform] ?? l.platform,
        name: l.name,
        waiting: l.waiting,
        urgent: l.urgent,
        oldestWaitSeconds: l.oldestWaitSeconds,
        longForSeconds: (now.getTime() - new Date(t.long_since).getTime()) / 1000,
      });
      await w.toUnit(ctx.district.office.code, message);
      ctx.log.warn(
        {
          platform: l.platform,
          chatId: l.chatId,
          waiting: l.waiting,
          oldestWaitSeconds: l.oldestWaitSeconds,
        },
        'a chat line stays long; the office was warned',
      );
    }
    return taken.length;
  });
  return { long: long.length, warned };
}
