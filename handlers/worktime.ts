// Deadlines in working time (Mon–Fri 09:00–12:00, 13:30–18:00 Asia/Shanghai) on the official Chinese calendar.
// The package's own data table, not its functions: those rebuild the table at load from local-time dates,
// which shifts every holiday a day earlier when the process runs west of UTC.

import calendar from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import { DURATION_PATTERN as durationPattern } from '../config/district.ts';

export type DurationUnit = 'm' | 'h' | 'd' | 'wh' | 'wd';
export interface Duration {
  amount: number;
  unit: DurationUnit;
  /** the original string, e.g. '5wd' */
  text: string;
}

/** A duration string as written in the district file; no sign, no spaces, lower-case units. */
export { DURATION_PATTERN as durationPattern } from '../config/district.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Asia/Shanghai is UTC+8 all year (no DST since 1991), so a fixed offset is exact and needs no tz database.
const OFFSET = 8 * HOUR;
/** Working periods as [from, to) in minutes after Shanghai midnight. */
const PERIODS: ReadonlyArray<readonly [number, number]> = [
  [9 * 60, 12 * 60],
  [13 * 60 + 30, 18 * 60],
];
/** One working day is a full day of working time: 3 h + 4.5 h. */
const WORKDAY_MS = 7.5 * HOUR;
const WALL_MS = { m: MINUTE, h: HOUR, d: DAY } as const;
// Guards the day-by-day walk against absurd inputs such as '99999999wd' (about ten years of working days).
const MAX_WORKING_MS = 10 * 366 * WORKDAY_MS;

const holidays: Record<string, string> = calendar.holidays;
const makeupWorkdays: Record<string, string> = calendar.workdays;
// Years the library has official data for, detected once: a year with no listed holiday is not covered
// (the package ships 2004–2026 at the time of writing) and falls back to plain Mon–Fri.
const coveredYears = new Set(Object.keys(holidays).map((key) => Number(key.slice(0, 4))));

/** Shanghai calendar day number (days since 1970-01-01 in Shanghai) of an instant. */
const dayOf = (ms: number): number => Math.floor((ms + OFFSET) / DAY);
/** The instant of Shanghai midnight starting that day. */
const dayStart = (day: number): number => day * DAY - OFFSET;

// The district's own additions (its file's `calendar:`), for a year the library does not know yet.
let addedHolidays = new Set<string>();
let addedWorkdays = new Set<string>();

/** Sets the days the district file adds to the official calendar (replacing earlier ones). */
export function setCalendarAdditions(c: { holidays: string[]; workdays: string[] }): void {
  addedHolidays = new Set(c.holidays);
  addedWorkdays = new Set(c.workdays);
}

/** Whether holidays and 调休 days of this year are known (from the library or the district file). */
export function calendarCovers(year: number): boolean {
  const listed = (days: Set<string>) => [...days].some((d) => d.startsWith(`${year}-`));
  return coveredYears.has(year) || listed(addedHolidays) || listed(addedWorkdays);
}

function isWorkingDayNumber(day: number): boolean {
  // The UTC fields of day * DAY are exactly the Shanghai calendar date of that day.
  const date = new Date(day * DAY);
  const weekday = date.getUTCDay();
  const weekdayRule = weekday >= 1 && weekday <= 5;
  const key = date.toISOString().slice(0, 10);
  if (addedWorkdays.has(key)) return true;
  if (addedHolidays.has(key)) return false;
  if (!coveredYears.has(date.getUTCFullYear())) return weekdayRule;
  if (makeupWorkdays[key]) return true; // 调休: a weekend day worked in exchange for a longer holiday
  if (holidays[key]) return false;
  return weekdayRule;
}

function instant(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new TypeError(`${name} must be a valid Date`);
  return ms;
}

/** Adds `ms` of working time, walking one day (and its two periods) at a time rather than minute by minute. */
function addWorking(startMs: number, ms: number): number {
  if (ms > MAX_WORKING_MS) throw new RangeError('working-time duration is too long (over ten years)');
  if (ms <= 0) return startMs;
  let remaining = ms;
  for (let day = dayOf(startMs); ; day++) {
    if (!isWorkingDayNumber(day)) continue;
    const base = dayStart(day);
    for (const [from, to] of PERIODS) {
      const begin = Math.max(startMs, base + from * MINUTE);
      const end = base + to * MINUTE;
      if (begin >= end) continue;
      // `<=` so that landing exactly on 12:00 or 18:00 returns that end, not the next period's start.
      if (remaining <= end - begin) return begin + remaining;
      remaining -= end - begin;
    }
  }
}

function workingMsBetween(a: number, b: number): number {
  let total = 0;
  for (let day = dayOf(a); day <= dayOf(b); day++) {
    if (!isWorkingDayNumber(day)) continue;
    const base = dayStart(day);
    for (const [from, to] of PERIODS) {
      total += Math.max(0, Math.min(b, base + to * MINUTE) - Math.max(a, base + from * MINUTE));
    }
  }
  return total;
}

export function parseDuration(text: string): Duration {
  const match = typeof text === 'string' ? durationPattern.exec(text) : null;
  if (!match) {
    throw new Error(
      `Invalid duration ${JSON.stringify(text)}: expected a non-negative number followed by m, h, d, wh or wd ` +
        `(e.g. "30m", "24h", "1d", "2wh", "5wd")`,
    );
  }
  const unit = match[2] as DurationUnit;
  return { amount: Number(text.slice(0, -unit.length)), unit, text };
}

/** Whether the Shanghai calendar day containing this instant is an official working day. */
export function isWorkingDay(date: Date): boolean {
  return isWorkingDayNumber(dayOf(instant(date, 'date')));
}

/** Whether the instant falls inside a working period (start inclusive, end exclusive). */
export function isWorkingTime(at: Date): boolean {
  const ms = instant(at, 'at');
  const day = dayOf(ms);
  if (!isWorkingDayNumber(day)) return false;
  const minute = (ms - dayStart(day)) / MINUTE;
  return PERIODS.some(([from, to]) => minute >= from && minute < to);
}

/**
 * The deadline `d` after `start`. m/h/d are wall-clock; wh/wd are working time unless `wallClock`
 * (emergencies run 24/7), where wh is a plain hour and wd a plain 24 h.
 */
export function addDuration(start: Date, d: Duration, opts: { wallClock?: boolean } = {}): Date {
  const ms = instant(start, 'start');
  if (!Number.isFinite(d.amount) || d.amount < 0) {
    throw new RangeError(`Invalid duration amount ${d.amount} in ${JSON.stringify(d.text)}`);
  }
  switch (d.unit) {
    case 'm':
    case 'h':
    case 'd':
      return new Date(ms + Math.round(d.amount * WALL_MS[d.unit]));
    case 'wh':
      return opts.wallClock
        ? new Date(ms + Math.round(d.amount * HOUR))
        : new Date(addWorking(ms, Math.round(d.amount * HOUR)));
    case 'wd':
      return opts.wallClock
        ? new Date(ms + Math.round(d.amount * DAY))
        : new Date(addWorking(ms, Math.round(d.amount * WORKDAY_MS)));
    default:
      throw new Error(`Unknown duration unit ${JSON.stringify((d as Duration).unit)}`);
  }
}

/** Working minutes in [a, b); 0 if b <= a. Fractional when the instants are not on whole minutes. */
export function workingMinutesBetween(a: Date, b: Date): number {
  const from = instant(a, 'a');
  const to = instant(b, 'b');
  return to <= from ? 0 : workingMsBetween(from, to) / MINUTE;
}

/**
 * The earliest instant at which `fraction` (0..1) of the time from start to due has passed: working
 * time normally, plain time with `wallClock`. E.g. the 75% reminder of a 2wh case opened Friday 17:00.
 */
export function pointAtFraction(
  start: Date,
  due: Date,
  fraction: number,
  opts: { wallClock?: boolean } = {},
): Date {
  const a = instant(start, 'start');
  const b = instant(due, 'due');
  if (!(fraction >= 0 && fraction <= 1))
    throw new RangeError(`fraction must be within 0..1, got ${fraction}`);
  if (!opts.wallClock) {
    const total = b > a ? workingMsBetween(a, b) : 0;
    if (total > 0) return new Date(addWorking(a, Math.round(fraction * total)));
  }
  // Wall-clock deadlines, and windows holding no working time at all, are split evenly in plain time.
  return new Date(a + Math.round(fraction * (b - a)));
}

/** 'YYYY-MM-DD HH:mm' in Asia/Shanghai, for people. */
export function formatShanghai(at: Date): string {
  return new Date(instant(at, 'at') + OFFSET).toISOString().slice(0, 16).replace('T', ' ');
}

/** 'YYYY-MM' of the month before the given instant, in Shanghai. */
export function previousMonth(now: Date): string {
  const [y, m] = formatShanghai(now).slice(0, 7).split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}
