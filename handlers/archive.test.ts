// The score window: a reminder to the street on the 3rd working day after closure, archiving
// after the 5th; once each, whatever the job does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type World, world } from '../test/world.ts';
import { archiveDue, scoreWindow } from './archive.ts';

const shanghai = (s: string) => new Date(`${s}:00+08:00`);

describe('scoreWindow', () => {
  it('counts working days after the day of closure', () => {
    // closed Monday: day 3 is Thursday, day 5 the next Monday
    expect(scoreWindow(shanghai('2026-11-23T17:30'))).toEqual({
      remindAt: shanghai('2026-11-26T09:00'),
      archiveAt: shanghai('2026-11-30T18:00'),
    });
  });

  it('skips the National Day holiday and counts the 调休 Saturday', () => {
    // Oct 1–7 off; Oct 8 (1), Oct 9 (2), Saturday Oct 10 is worked (3), Oct 12 (4), Oct 13 (5)
    expect(scoreWindow(shanghai('2026-09-30T10:00'))).toEqual({
      remindAt: shanghai('2026-10-10T09:00'),
      archiveAt: shanghai('2026-10-13T18:00'),
    });
  });
});

describe('archiveDue', () => {
  let w: World;
  const nos: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
  const ok = async (p: Promise<{ ok: boolean; reason?: string; callNo?: string }>) => {
    const o = await p;
    expect(o, o.reason).toMatchObject({ ok: true });
    return o.callNo!;
  };
  const at = (s: string) => w.clock.set(shanghai(s));

  beforeAll(async () => {
    w = await world(shanghai('2026-11-23T10:00').toISOString());
    const { liang, cgw, swj, resident } = w.actors;
    // a: closed Monday, never scored; b: scored at once (archived by scoring)
    for (const k of ['a', 'b'] as const) {
      nos[k] = await ok(w.say(resident, `晨辉路${k === 'a' ? 12 : 14}号路灯不亮`, 'oc_sample_chenhui'));
      await ok(w.say(liang, `呼叫 ${nos[k]}`));
      await ok(w.say(cgw, `报到 ${nos[k]}`));
      await ok(w.say(cgw, `办结 ${nos[k]} 已修复`));
      await ok(w.say(liang, `结案 ${nos[k]}`));
    }
    await ok(w.say(liang, `评分 ${nos.b} 20 18 18 18 18`));
    // c: two departments, closed Tuesday; only 城管委 scored
    await at('2026-11-24T10:00');
    nos.c = await ok(w.say(resident, '晨辉路下水道堵塞，路面积水', 'oc_sample_chenhui'));
    await ok(w.say(liang, `呼叫 ${nos.c} 一般 cgw swj`));
    for (const who of [cgw, swj]) {
      await ok(w.say(who, `报到 ${nos.c}`));
      await ok(w.say(who, `办结 ${nos.c} 已处理`));
    }
    await ok(w.say(liang, `结案 ${nos.c}`));
    await ok(w.say(liang, `评分 ${nos.c} cgw 18 18 18 18 18`));
  }, 120_000);
  afterAll(async () => w?.close());

  it('reminds once from 09:00 on the third working day', async () => {
    await at('2026-11-25T09:00');
    expect(await archiveDue(w.ctx)).toEqual({ reminded: [], archived: [] });
    await at('2026-11-26T08:59');
    expect(await archiveDue(w.ctx)).toEqual({ reminded: [], archived: [] });
    await at('2026-11-26T09:00');
    expect(await archiveDue(w.ctx)).toEqual({ reminded: [nos.a], archived: [] });
    const card = (await w.outbox('jinhualu')).at(-1)!.message;
    expect(card).toMatchObject({ kind: 'score_reminder', title: `评分提醒 ${nos.a}`, callNo: nos.a });
    expect(card.fields).toContainEqual({ label: '待评分部门', value: '区城管委' });
    expect(card.fields).toContainEqual({ label: '评分截止', value: '2026-11-30 18:00' });
    await at('2026-11-26T10:00');
    expect(await archiveDue(w.ctx)).toEqual({ reminded: [], archived: [] });
    // c closed on Tuesday: its day 3 is Friday; only 水务局 is still to be scored
    await at('2026-11-27T09:00');
    expect(await archiveDue(w.ctx)).toEqual({ reminded: [nos.c], archived: [] });
    expect((await w.outbox('jinhualu')).at(-1)!.message.fields).toContainEqual({
      label: '待评分部门',
      value: '区水务局',
    });
    expect(await w.events(nos.a)).toContain('score_reminded');
    expect(await w.events(nos.b)).not.toContain('score_reminded');
  });

  it('archives after the fifth working day, once, even when two sweeps race', async () => {
    await at('2026-11-30T17:59');
    expect(await archiveDue(w.ctx)).toEqual({ reminded: [], archived: [] });
    await at('2026-11-30T18:00');
    const [one, two] = await Promise.all([archiveDue(w.ctx), archiveDue(w.ctx)]);
    expect([...one.archived, ...two.archived]).toEqual([nos.a]);
    expect((await w.call(nos.a)).state).toBe('archived');
    const events = await w.t.db
      .selectFrom('call_events as e')
      .innerJoin('calls as c', 'c.id', 'e.call_id')
      .select(['e.kind', 'e.payload', 'e.actor_label'])
      .where('c.no', '=', nos.a)
      .where('e.kind', '=', 'archived')
      .execute();
    expect(events).toEqual([
      { kind: 'archived', payload: { why: 'score window passed' }, actor_label: '系统' },
    ]);
    // the window is shut: a late score is refused
    expect(await w.say(w.actors.liang, `评分 ${nos.a} 20 18 18 18 18`)).toMatchObject({
      ok: false,
      reason: '此呼叫已备案',
    });
    await at('2026-12-01T18:00');
    expect(await archiveDue(w.ctx)).toEqual({ reminded: [], archived: [nos.c] });
    expect(await archiveDue(w.ctx)).toEqual({ reminded: [], archived: [] });
    expect((await w.call(nos.b)).state).toBe('archived');
  });
});
