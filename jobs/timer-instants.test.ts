// Timer instants from deadlines (working time, wall-clock for emergencies, the ladder) and the
// schedules' small rules, without a queue or a database.
import { describe, expect, it } from 'vitest';
import { loadDistrict } from '../config/district.ts';
import type { AssignmentState } from '../db/schema.ts';
import { timersFor } from '../handlers/timers.ts';
import { addDuration, parseDuration, previousMonth } from '../handlers/worktime.ts';

const at = (shanghai: string) => new Date(`${shanghai}+08:00`);

describe('timer instants', () => {
  const district = loadDistrict();
  const assignment = (
    dispatched: string,
    ack: Date | null,
    resolve: Date,
    state: AssignmentState = 'dispatched',
  ) => ({
    id: '7',
    call_id: '3',
    unit_code: 'cgw',
    state,
    dispatched_at: at(dispatched),
    ack_due_at: ack,
    resolve_due_at: resolve,
  });

  it('follows working time for a general call and wall-clock time for an emergency', () => {
    const from = at('2026-11-23T10:00');
    const ack = addDuration(from, parseDuration('2wh'));
    const resolve = addDuration(from, parseDuration('5wd'));
    const general = timersFor(district, assignment('2026-11-23T10:00', ack, resolve), 'general');
    expect(
      general.filter((t) => t.kind === 'ack').map((t) => [t.step, new Date(t.at).toISOString(), t.target]),
    ).toEqual([
      ['remind', '2026-11-23T03:30:00.000Z', 'assignee_chat'],
      ['due', '2026-11-23T04:00:00.000Z', 'assignee_chat'],
      ['esc1', '2026-11-23T05:00:00.000Z', 'department_head'],
      ['esc2', '2026-11-23T06:00:00.000Z', 'office'],
    ]);
    // resolve: +1wd and +3wd count working days from the deadline (Monday 30th, 10:00)
    expect(
      general.filter((t) => t.kind === 'resolve').map((t) => [t.step, new Date(t.at).toISOString()]),
    ).toEqual([
      ['remind', '2026-11-26T09:07:30.000Z'],
      ['due', '2026-11-30T02:00:00.000Z'],
      ['esc1', '2026-12-01T02:00:00.000Z'],
      ['esc2', '2026-12-03T02:00:00.000Z'],
    ]);
    const night = at('2026-11-23T23:00');
    const emergency = timersFor(
      district,
      assignment(
        '2026-11-23T23:00',
        new Date(night.getTime() + 30 * 60_000),
        new Date(night.getTime() + 24 * 3600_000),
      ),
      'emergency',
    );
    expect(
      emergency.filter((t) => t.kind === 'ack').map((t) => [t.step, new Date(t.at).toISOString()]),
    ).toEqual([
      ['remind', '2026-11-23T15:22:30.000Z'],
      ['due', '2026-11-23T15:30:00.000Z'],
      ['esc1', '2026-11-23T16:30:00.000Z'],
      ['esc2', '2026-11-23T17:30:00.000Z'],
    ]);
  });

  it('has no ack timers once acknowledged and none at all once resolved', () => {
    const ack = at('2026-11-23T12:00');
    const resolve = at('2026-11-30T10:00');
    expect(
      timersFor(district, assignment('2026-11-23T10:00', ack, resolve, 'acknowledged'), 'general').map(
        (t) => t.kind,
      ),
    ).not.toContain('ack');
    expect(timersFor(district, assignment('2026-11-23T10:00', ack, resolve, 'resolved'), 'general')).toEqual(
      [],
    );
  });
});

describe('monthly bulletin', () => {
  it('is for the month before, in Shanghai', () => {
    expect(previousMonth(new Date('2026-12-01T01:00:00Z'))).toBe('2026-11');
    expect(previousMonth(new Date('2026-12-31T16:30:00Z'))).toBe('2026-12'); // 1 Jan 00:30 in Shanghai
    expect(previousMonth(new Date('2027-01-01T01:00:00Z'))).toBe('2026-12');
  });
});
