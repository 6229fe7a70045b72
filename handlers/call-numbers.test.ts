// The day's call numbers: taken outside the report's transaction (so writers side by side do not
// queue on the counter), yet consecutive and never shared, and a rehearsal takes none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type World, world } from '../test/world.ts';
import { execute } from './execute.ts';

let w: World;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => w?.close());

const numberOf = (o: { ok: boolean }) => {
  expect(o).toMatchObject({ ok: true });
  return Number((o as unknown as { callNo: string }).callNo.slice(-4));
};

describe('call numbers', () => {
  it('gives reports worked side by side distinct, consecutive numbers', async () => {
    const first = numberOf(await w.say(w.actors.resident, '晨辉路12号路灯不亮了', 'oc_sample_chenhui'));
    const texts = ['晨辉路3号垃圾没人收', '晨辉路5号下水道堵了', '晨辉路7号井盖松了', '晨辉路9号树倒了挡路'];
    const outcomes = await Promise.all(texts.map((t) => w.say(w.actors.resident, t, 'oc_sample_chenhui')));
    const nos = outcomes.map(numberOf).sort((a, b) => a - b);
    expect(nos).toEqual([first + 1, first + 2, first + 3, first + 4]);
  });

  it('takes no number for a rehearsed report', async () => {
    const before = numberOf(await w.say(w.actors.resident, '晨辉路11号路灯不亮', 'oc_sample_chenhui'));
    const rehearsed = await execute(
      { ...w.ctx, rehearse: true },
      {
        actor: w.actors.resident,
        origin: { platform: 'lark', chatId: 'oc_sample_chenhui' },
        chatUnit: 'chenhui',
      },
      { type: 'report', text: '晨辉路13号路灯不亮' },
    );
    expect(rehearsed).toMatchObject({ ok: true });
    const after = numberOf(await w.say(w.actors.resident, '晨辉路15号路灯不亮', 'oc_sample_chenhui'));
    expect(after).toBe(before + 1);
  });
});
