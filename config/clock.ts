// Time for the whole app: the system clock, or a manual clock for demos and tests that
// only moves when told to (and then fires what fell due).
export interface Clock {
  readonly kind: 'system' | 'manual';
  now(): Date;
}

export const systemClock: Clock = { kind: 'system', now: () => new Date() };

type AdvanceListener = (now: Date) => Promise<void> | void;
/** the earliest instant after `now` at which a listener has something due, if any */
type NextDue = (now: number) => number | undefined;

export class ManualClock implements Clock {
  readonly kind = 'manual';
  private current: number;
  private listeners = new Map<AdvanceListener, NextDue | undefined>();

  constructor(start: Date | string = new Date()) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves the clock forward and waits for every listener (due jobs, timers) to run. */
  async advance(ms: number): Promise<Date> {
    if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
    return this.set(new Date(this.current + ms));
  }

  /**
   * Moves the clock to `at`, stopping at every instant a listener has something due on the way,
   * so what falls due happens at its own time (a reminder at 11:30, not at the end of the jump)
   * and what it schedules in turn is due later in the same jump.
   */
  async set(at: Date): Promise<Date> {
    const target = at.getTime();
    if (target < this.current) throw new RangeError('the clock only moves forward');
    do {
      let next = target;
      for (const due of this.listeners.values()) {
        const t = due?.(this.current);
        if (t !== undefined && t > this.current && t < next) next = t;
      }
      this.current = next;
      for (const l of [...this.listeners.keys()]) await l(this.now());
    } while (this.current < target);
    return this.now();
  }

  /** Calls `listener` whenever the clock moves; `nextDue` tells where it must stop on the way. */
  onAdvance(listener: AdvanceListener, nextDue?: NextDue): () => void {
    this.listeners.set(listener, nextDue);
    return () => this.listeners.delete(listener);
  }
}

export const isManualClock = (c: Clock): c is ManualClock => c.kind === 'manual';

/** Parses an ISO 8601 duration such as PT3H, P1DT2H30M or PT90S into milliseconds. */
export function parseIsoDuration(text: string): number {
  const m =
    /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      text,
    );
  if (!m || text === 'P' || text.endsWith('T')) throw new RangeError(`not an ISO 8601 duration: ${text}`);
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((d * 24 + h) * 60 + min) * 60_000 + s * 1000;
}
