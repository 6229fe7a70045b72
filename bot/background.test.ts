// The background queue behind the platforms' answers: bounded width, asked again before each
// start, so a flood narrows it and its end widens it again; an emergency goes ahead of it all.
import { describe, expect, it } from 'vitest';
import { backgroundQueue } from './background.ts';

describe('backgroundQueue', () => {
  it('runs at the width it is given at each start, and says when it is idle', async () => {
    let width = 3;
    let running = 0;
    const peaks: number[] = [];
    const releases: (() => void)[] = [];
    const q = backgroundQueue(
      () => width,
      (e) => {
        throw e;
      },
    );
    const job = () => async () => {
      running++;
      peaks.push(running);
      await new Promise<void>((r) => releases.push(r));
      running--;
    };
    for (let i = 0; i < 6; i++) q.push(job());
    expect(running).toBe(3);
    expect(q.size()).toBe(6);
    // narrowed (a flood): finishing jobs start no new ones until fewer than one runs
    width = 1;
    for (const r of releases.splice(0)) r();
    await new Promise((r) => setImmediate(r));
    expect(running).toBe(1);
    // widened again (the flood passed): the next finish starts as many as fit
    width = 3;
    releases.splice(0)[0]();
    await new Promise((r) => setImmediate(r));
    expect(running).toBe(2);
    const idle = q.idle();
    while (q.size()) {
      for (const r of releases.splice(0)) r();
      await new Promise((r) => setImmediate(r));
    }
    await idle;
    expect(Math.max(...peaks)).toBe(3);
  });

  it('starts an urgent job at once, ahead of a backlog that waits on a narrowed width', async () => {
    const order: string[] = [];
    const releases: (() => void)[] = [];
    const q = backgroundQueue(1, (e) => {
      throw e;
    });
    const job = (name: string) => async () => {
      order.push(name);
      await new Promise<void>((r) => releases.push(r));
    };
    q.push(job('routine 1'));
    q.push(job('routine 2'));
    q.push(job('routine 3'));
    q.push(job('emergency'), true);
    expect(order).toEqual(['routine 1', 'emergency']);
    const idle = q.idle();
    while (q.size()) {
      for (const r of releases.splice(0)) r();
      await new Promise((r) => setImmediate(r));
    }
    await idle;
    expect(order).toEqual(['routine 1', 'emergency', 'routine 2', 'routine 3']);
  });
});
