// Working-time deadlines on real 2026 dates (official calendar from chinese-days).
import chineseDays from 'chinese-days';
import { describe, expect, it } from 'vitest';
import {
  addDuration,
  calendarCovers,
  durationPattern,
  formatShanghai,
  isWorkingDay,
  isWorkingTime,
  parseDuration,
  pointAtFraction,
  setCalendarAdditions,
  workingMinutesBetween,
} from './worktime.ts';

const at = (iso: string) => new Date(iso);
const add = (iso: string, text: string, wallClock = false) =>
  addDuration(at(iso), parseDuration(text), { wallClock }).toISOString();
const iso = (s: string) => at(s).toISOString();

describe('parseDuration', () => {
  it('parses every unit, keeping the original text', () => {
    expect(parseDuration('30m')).toEqual({ amount: 30, unit: 'm', text: '30m' });
    expect(parseDuration('24h')).toEqual({ amount: 24, unit: 'h', text: '24h' });
    expect(parseDuration('1d')).toEqual({ amount: 1, unit: 'd', text: '1d' });
    expect(parseDuration('2wh')).toEqual({ amount: 2, unit: 'wh', text: '2wh' });
    expect(parseDuration('5wd')).toEqual({ amount: 5, unit: 'wd', text: '5wd' });
    expect(parseDuration('0m')).toEqual({ amount: 0, unit: 'm', text: '0m' });
    expect(parseDuration('0.5wd')).toEqual({ amount: 0.5, unit: 'wd', text: '0.5wd' });
  });

  it('rejects bad input with a clear message', () => {
    for (const bad of ['5x', '', '-1h', 'wd', '1.wd', ' 5m', '5 m', '5WH', '.5h', '1e3m']) {
      expect(() => parseDuration(bad), bad).toThrow(/Invalid duration/);
    }
    expect(() => parseDuration('5x')).toThrow('expected a non-negative number followed by m, h, d, wh or wd');
  });

  it('exports the same grammar as a pattern for schemas', () => {
    expect(['30m', '0.5wd', '15wd'].every((s) => durationPattern.test(s))).toBe(true);
    expect(['5x', '-1h', 'wd'].some((s) => durationPattern.test(s))).toBe(false);
  });
});

describe('working days and times', () => {
  it('follows the official calendar, 调休 included', () => {
    expect(isWorkingDay(at('2026-03-09T10:00:00+08:00'))).toBe(true); // ordinary Monday
    expect(isWorkingDay(at('2026-03-14T10:00:00+08:00'))).toBe(false); // ordinary Saturday
    expect(isWorkingDay(at('2026-10-01T10:00:00+08:00'))).toBe(false); // National Day, a Thursday
    expect(isWorkingDay(at('2026-09-20T10:00:00+08:00'))).toBe(true); // 调休 Sunday
    expect(isWorkingDay(at('2026-10-10T10:00:00+08:00'))).toBe(true); // 调休 Saturday
    expect(isWorkingDay(at('2026-02-14T10:00:00+08:00'))).toBe(true); // 调休 Saturday before Spring Festival
    expect(isWorkingDay(at('2026-02-23T10:00:00+08:00'))).toBe(false); // last day of Spring Festival, a Monday
  });

  it('uses the Shanghai day, not the UTC day', () => {
    // 2026-03-13 17:00 UTC is already Saturday 01:00 in Shanghai.
    expect(isWorkingDay(at('2026-03-13T17:00:00Z'))).toBe(false);
    expect(isWorkingDay(at('2026-03-08T16:30:00Z'))).toBe(true); // Monday 00:30 Shanghai
  });

  it('agrees with chinese-days for every day of 2025 and 2026', () => {
    // The library's own functions are only right in processes at or east of UTC.
    if (new Date(2026, 0, 1).getTimezoneOffset() > 0) return;
    for (
      let t = Date.parse('2025-01-01T12:00:00+08:00');
      t < Date.parse('2027-01-01T00:00:00+08:00');
      t += 864e5
    ) {
      const day = formatShanghai(new Date(t)).slice(0, 10);
      expect(isWorkingDay(new Date(t)), day).toBe(chineseDays.isWorkday(day));
    }
  });

  it('knows the working periods, ends exclusive', () => {
    const cases: Array<[string, boolean]> = [
      ['2026-03-09T08:59:00+08:00', false],
      ['2026-03-09T09:00:00+08:00', true],
      ['2026-03-09T11:59:00+08:00', true],
      ['2026-03-09T12:00:00+08:00', false],
      ['2026-03-09T13:29:00+08:00', false],
      ['2026-03-09T13:30:00+08:00', true],
      ['2026-03-09T17:59:00+08:00', true],
      ['2026-03-09T18:00:00+08:00', false],
      ['2026-03-14T10:00:00+08:00', false],
      ['2026-10-10T10:00:00+08:00', true],
    ];
    for (const [when, expected] of cases) expect(isWorkingTime(at(when)), when).toBe(expected);
  });
});

describe('addDuration in working time', () => {
  it('crosses the lunch break', () => {
    expect(add('2026-03-09T11:00:00+08:00', '2wh')).toBe(iso('2026-03-09T14:30:00+08:00'));
    expect(add('2026-03-09T10:30:00+08:00', '2wh')).toBe(iso('2026-03-09T14:00:00+08:00'));
  });

  it('lands on a period end rather than the next start', () => {
    expect(add('2026-03-09T10:30:00+08:00', '1.5wh')).toBe(iso('2026-03-09T12:00:00+08:00'));
    expect(add('2026-03-09T09:00:00+08:00', '1wd')).toBe(iso('2026-03-09T18:00:00+08:00'));
  });

  it('counts a working day as 7.5 working hours', () => {
    expect(add('2026-03-09T10:00:00+08:00', '1wd')).toBe(iso('2026-03-10T10:00:00+08:00'));
    expect(add('2026-03-13T17:00:00+08:00', '1wd')).toBe(iso('2026-03-16T17:00:00+08:00')); // Fri → Mon
    expect(add('2026-03-09T09:00:00+08:00', '0.5wd')).toBe(iso('2026-03-09T14:15:00+08:00'));
    expect(add('2026-03-09T09:00:00+08:00', '5wd')).toBe(iso('2026-03-13T18:00:00+08:00'));
  });

  it('starts counting at the next working period', () => {
    expect(add('2026-03-14T10:00:00+08:00', '2wh')).toBe(iso('2026-03-16T11:00:00+08:00')); // Saturday
    expect(add('2026-03-10T22:00:00+08:00', '2wh')).toBe(iso('2026-03-11T11:00:00+08:00')); // night
    expect(add('2026-03-10T06:00:00+08:00', '1wh')).toBe(iso('2026-03-10T10:00:00+08:00')); // early morning
    expect(add('2026-03-09T12:30:00+08:00', '1wh')).toBe(iso('2026-03-09T14:30:00+08:00')); // lunch
    expect(add('2026-03-09T18:00:00+08:00', '0.5wh')).toBe(iso('2026-03-10T09:30:00+08:00')); // at closing
  });

  it('returns the start itself for a zero duration', () => {
    expect(add('2026-03-14T10:00:00+08:00', '0wh')).toBe(iso('2026-03-14T10:00:00+08:00'));
    expect(add('2026-03-14T10:00:00+08:00', '0m')).toBe(iso('2026-03-14T10:00:00+08:00'));
  });

  it('skips National Day 2026 and counts its 调休 weekend days', () => {
    expect(add('2026-09-30T16:00:00+08:00', '1wd')).toBe(iso('2026-10-08T16:00:00+08:00'));
    expect(add('2026-10-09T17:00:00+08:00', '2wh')).toBe(iso('2026-10-10T10:00:00+08:00')); // Saturday 10-10 works
    expect(add('2026-09-19T10:00:00+08:00', '1wh')).toBe(iso('2026-09-20T10:00:00+08:00')); // Sunday 09-20 works
    expect(add('2026-09-24T17:00:00+08:00', '2wh')).toBe(iso('2026-09-28T10:00:00+08:00')); // Mid-Autumn 09-25..27
  });

  it('walks 15 working days across Mid-Autumn and National Day', () => {
    // 09-21..24, 09-28..30, 10-08..10 (Saturday 10-10 works), 10-12..16 = 15 days.
    expect(add('2026-09-21T09:00:00+08:00', '15wd')).toBe(iso('2026-10-16T18:00:00+08:00'));
  });

  it('skips Spring Festival 2026 (02-15..02-23 off, 02-14 and 02-28 worked)', () => {
    expect(add('2026-02-13T17:00:00+08:00', '2wh')).toBe(iso('2026-02-14T10:00:00+08:00'));
    expect(add('2026-02-14T16:00:00+08:00', '1wd')).toBe(iso('2026-02-24T16:00:00+08:00'));
    expect(add('2026-02-27T17:30:00+08:00', '1wh')).toBe(iso('2026-02-28T09:30:00+08:00'));
  });
});

describe('addDuration in wall-clock time', () => {
  it('adds plain time for m, h and d', () => {
    expect(add('2026-03-14T23:50:00+08:00', '30m')).toBe(iso('2026-03-15T00:20:00+08:00'));
    expect(add('2026-10-01T10:00:00+08:00', '24h')).toBe(iso('2026-10-02T10:00:00+08:00'));
    expect(add('2026-10-01T10:00:00+08:00', '1d')).toBe(iso('2026-10-02T10:00:00+08:00'));
  });

  it('treats wh and wd as plain hours and days for emergencies', () => {
    expect(add('2026-03-14T10:00:00+08:00', '30m', true)).toBe(iso('2026-03-14T10:30:00+08:00'));
    expect(add('2026-03-14T10:00:00+08:00', '24h', true)).toBe(iso('2026-03-15T10:00:00+08:00'));
    expect(add('2026-03-14T10:00:00+08:00', '2wh', true)).toBe(iso('2026-03-14T12:00:00+08:00'));
    expect(add('2026-10-01T22:00:00+08:00', '1wd', true)).toBe(iso('2026-10-02T22:00:00+08:00'));
  });
});

describe('workingMinutesBetween', () => {
  it('counts only working periods', () => {
    const between = (a: string, b: string) => workingMinutesBetween(at(a), at(b));
    expect(between('2026-03-09T09:00:00+08:00', '2026-03-09T18:00:00+08:00')).toBe(450);
    expect(between('2026-03-09T12:00:00+08:00', '2026-03-09T13:30:00+08:00')).toBe(0);
    expect(between('2026-03-13T17:00:00+08:00', '2026-03-16T10:00:00+08:00')).toBe(120); // weekend
    expect(between('2026-09-30T09:00:00+08:00', '2026-10-09T09:00:00+08:00')).toBe(900); // National Day
    expect(between('2026-02-14T00:00:00+08:00', '2026-02-24T00:00:00+08:00')).toBe(450); // only 调休 02-14
    expect(between('2026-03-09T11:00:00+08:00', '2026-03-09T10:00:00+08:00')).toBe(0);
  });
});

describe('pointAtFraction', () => {
  it('places the 75% reminder of a Friday-evening 2wh case on Monday morning', () => {
    const start = at('2026-03-13T17:00:00+08:00');
    const due = addDuration(start, parseDuration('2wh'));
    expect(due.toISOString()).toBe(iso('2026-03-16T10:00:00+08:00'));
    expect(pointAtFraction(start, due, 0.75).toISOString()).toBe(iso('2026-03-16T09:30:00+08:00'));
  });

  it('splits working time across a holiday', () => {
    const start = at('2026-09-30T16:00:00+08:00');
    const due = at('2026-10-08T16:00:00+08:00');
    expect(pointAtFraction(start, due, 0.5).toISOString()).toBe(iso('2026-10-08T10:45:00+08:00'));
    expect(pointAtFraction(start, due, 0).toISOString()).toBe(start.toISOString());
    expect(pointAtFraction(start, due, 1).toISOString()).toBe(due.toISOString());
  });

  it('splits plain time for wall-clock deadlines', () => {
    const start = at('2026-03-14T10:00:00+08:00');
    const due = at('2026-03-14T12:00:00+08:00');
    expect(pointAtFraction(start, due, 0.75, { wallClock: true }).toISOString()).toBe(
      iso('2026-03-14T11:30:00+08:00'),
    );
  });

  it('rejects fractions outside 0..1', () => {
    const start = at('2026-03-09T10:00:00+08:00');
    expect(() => pointAtFraction(start, start, 1.5)).toThrow(RangeError);
    expect(() => pointAtFraction(start, start, Number.NaN)).toThrow(RangeError);
  });
});

describe('years chinese-days does not cover', () => {
  it('fall back to Monday–Friday', () => {
    // 2099-10-01 is a Thursday: National Day in reality, but the library has no data for 2099.
    expect(isWorkingDay(at('2099-10-01T10:00:00+08:00'))).toBe(true);
    expect(isWorkingDay(at('2099-10-03T10:00:00+08:00'))).toBe(false); // Saturday
    expect(add('2099-09-30T16:00:00+08:00', '1wd')).toBe(iso('2099-10-01T16:00:00+08:00'));
    expect(isWorkingDay(at('2003-10-01T10:00:00+08:00'))).toBe(true); // before the data starts (2004)
  });
});

describe('formatShanghai', () => {
  it('formats in UTC+8', () => {
    expect(formatShanghai(at('2026-03-09T02:00:00Z'))).toBe('2026-03-09 10:00');
    expect(formatShanghai(at('2026-03-09T17:05:00Z'))).toBe('2026-03-10 01:05');
  });
});

describe('a year the calendar library does not list yet', () => {
  it('counts weekends only, until the district file adds the year’s holidays and 调休 days', () => {
    // 2030: beyond the library's data (it ends with the year it was published for)
    expect(calendarCovers(2026)).toBe(true);
    expect(calendarCovers(2030)).toBe(false);
    expect(isWorkingDay(at('2030-01-01T04:00:00Z'))).toBe(true); // a Tuesday, New Year's Day
    expect(isWorkingDay(at('2030-01-05T04:00:00Z'))).toBe(false); // a Saturday
    try {
      setCalendarAdditions({ holidays: ['2030-01-01'], workdays: ['2030-01-05'] });
      expect(calendarCovers(2030)).toBe(true);
      expect(isWorkingDay(at('2030-01-01T04:00:00Z'))).toBe(false);
      expect(isWorkingDay(at('2030-01-05T04:00:00Z'))).toBe(true);
      // a 2-working-hour deadline from the evening of 31 December skips the holiday
      expect(add('2029-12-31T10:00:00Z', '2wh')).toBe(iso('2030-01-02T03:00:00Z'));
    } finally {
      setCalendarAdditions({ holidays: [], workdays: [] });
    }
    expect(isWorkingDay(at('2030-01-01T04:00:00Z'))).toBe(true);
  });
});
