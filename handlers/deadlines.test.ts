// Deadlines from the catalog or the tier, in working time on the official calendar.
import { describe, expect, it } from 'vitest';
import { loadDistrict } from '../config/district.ts';
import { deadlinesFor, limitsFor } from './deadlines.ts';

const d = loadDistrict();
const at = (s: string) => new Date(s);

describe('deadlines', () => {
  it('takes the catalog item’s limits, else the tier’s', () => {
    expect(limitsFor(d, 'street_light', 'general')).toEqual({ ack: '2wh', resolve: '5wd' });
    expect(limitsFor(d, 'power_outage', 'general')).toEqual({ ack: '1h', resolve: '24h' });
    expect(limitsFor(d, 'water_pollution', 'complex')).toEqual({ ack: '4wh', resolve: '15wd' });
    // a street that changes the tier gets the tier's limits
    expect(limitsFor(d, 'power_outage', 'complex')).toEqual({ ack: '4wh', resolve: '15wd' });
    expect(limitsFor(d, 'garbage', 'simple')).toEqual({ ack: null, resolve: '3wd' });
  });

  it('skips the National Day holiday and counts the 调休 working Saturday', () => {
    // Wed 2026-09-30 16:00: two working hours end at 18:00 the same day
    const a = deadlinesFor(d, 'street_light', 'general', at('2026-09-30T16:00:00+08:00'));
    expect(a.ackDueAt?.toISOString()).toBe(at('2026-09-30T18:00:00+08:00').toISOString());
    // five working days: Oct 8, 9, 10 (a Saturday worked in lieu), 12, 13
    expect(a.resolveDueAt.toISOString()).toBe(at('2026-10-13T16:00:00+08:00').toISOString());
    // Fri 2026-10-09 17:00 + 2wh: one hour on Friday, one on Saturday 10 October (调休)
    const b = deadlinesFor(d, 'street_light', 'general', at('2026-10-09T17:00:00+08:00'));
    expect(b.ackDueAt?.toISOString()).toBe(at('2026-10-10T10:00:00+08:00').toISOString());
  });

  it('skips lunch and weekends for working hours, and runs wall-clock for emergencies and hour limits', () => {
    const fri = deadlinesFor(d, 'street_light', 'general', at('2026-11-27T11:00:00+08:00'));
    expect(fri.ackDueAt?.toISOString()).toBe(at('2026-11-27T14:30:00+08:00').toISOString());
    const sat = deadlinesFor(d, 'gas_leak', 'emergency', at('2026-11-28T22:00:00+08:00'));
    expect(sat.ackDueAt?.toISOString()).toBe(at('2026-11-28T22:30:00+08:00').toISOString());
    expect(sat.resolveDueAt.toISOString()).toBe(at('2026-11-29T22:00:00+08:00').toISOString());
    const outage = deadlinesFor(d, 'power_outage', 'general', at('2026-11-28T22:00:00+08:00'));
    expect(outage.ackDueAt?.toISOString()).toBe(at('2026-11-28T23:00:00+08:00').toISOString());
  });
});
