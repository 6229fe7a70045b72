// Time for the whole app: the system clock, or a manual clock for demos and tests that
// only moves when told to (and then fires what fell due).
export interface Clock {
  readonly kind: 'system' | 'manual';
  now(): Date;
}

export const systemClock: Clock = { kind: 'system', now: () => new Date() };

type AdvanceListener = (now: Date) => Promise<void> | void;

export class ManualClock implements Clock {
  readonly kind = 'manual';
  private current: number;
  private listeners = new Set<AdvanceListener>();

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

  async set(at: Date): Promise<Date> {
    if (at.getTime() < this.current) throw new RangeError('the clock only moves forward');
    this.current = at.getTime();
    for (const l of [...this.listeners]) await l(this.now());
    return this.now();
  }

  onAdvance(listener: AdvanceListener): () => void {
    this.listeners.add(listener);
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
