// Each tier's mode rules, in one place: who calls the departments in (the street itself, the
// office, the district leaders), whether its times run on the wall clock, the state a new call
// starts in. Everything else asks here instead of branching on the tier.
import type { District, Tier } from '../config/district.ts';

export type Dispatcher = 'street' | 'office' | 'leaders';

export interface Mode {
  /** the calls table's mode column */
  code: 'self' | 'direct' | 'office' | 'reverse';
  /** who dispatches: the street calls directly (or handles it itself), else the office or the leaders */
  dispatcher: Dispatcher;
  /** deadlines and reminders round the clock, not in working time */
  wallClock: boolean;
  /** a new call skips the street's triage and goes straight to its dispatcher */
  skipsTriage: boolean;
  /** what the dispatcher is called, for people */
  dispatcherName: string;
  /** the street handles it itself: its own staff are the assignee */
  selfHandled: boolean;
  /** calling needs a lead department (the street calls it directly) */
  needsDepartment: boolean;
  /** every call of this tier is an emergency */
  emergency: boolean;
  /** the wait while the call is with its dispatcher (null: the street calls at once) */
  dispatchWait: 'office_dispatch' | 'leader_dispatch' | 'emergency_dispatch' | null;
  /** the office may dispatch on the leaders' behalf (代派) after the district file's wait */
  officeMayStandIn: boolean;
  /** what the street is told when it calls, where a dispatcher takes it from there */
  handedTo: string | null;
}

export const MODES: Record<Tier, Mode> = {
  simple: {
    code: 'self',
    dispatcher: 'street',
    wallClock: false,
    skipsTriage: false,
    dispatcherName: '街道',
    selfHandled: true,
    needsDepartment: false,
    emergency: false,
    dispatchWait: null,
    officeMayStandIn: false,
    handedTo: null,
  },
  general: {
    code: 'direct',
    dispatcher: 'street',
    wallClock: false,
    skipsTriage: false,
    dispatcherName: '街道',
    selfHandled: false,
    needsDepartment: true,
    emergency: false,
    dispatchWait: null,
    officeMayStandIn: false,
    handedTo: null,
  },
  complex: {
    code: 'office',
    dispatcher: 'office',
    wallClock: false,
    skipsTriage: false,
    dispatcherName: '呼应办',
    selfHandled: false,
    needsDepartment: false,
    emergency: false,
    dispatchWait: 'office_dispatch',
    officeMayStandIn: false,
    handedTo: '已提交呼应办派单',
  },
  key: {
    code: 'reverse',
    dispatcher: 'leaders',
    wallClock: false,
    skipsTriage: false,
    dispatcherName: '区领导',
    selfHandled: false,
    needsDepartment: false,
    emergency: false,
    dispatchWait: 'leader_dispatch',
    officeMayStandIn: false,
    handedTo: '已提请区领导派单',
  },
  emergency: {
    code: 'reverse',
    dispatcher: 'leaders',
    wallClock: true,
    skipsTriage: true,
    dispatcherName: '区领导',
    selfHandled: false,
    needsDepartment: false,
    emergency: true,
    dispatchWait: 'emergency_dispatch',
    officeMayStandIn: true,
    handedTo: '已提请区领导派单',
  },
};

export const modeOf = (tier: string): Mode => MODES[tier as Tier] ?? MODES.general;

/** The unit that dispatches a call of this tier from this street. */
export function dispatcherUnit(d: District, tier: string, street: string): string {
  const who = modeOf(tier).dispatcher;
  return who === 'office' ? d.office.code : who === 'leaders' ? d.leaders.code : street;
}
