// When the parser is unsure of a report's category, the street's triage card says so and offers its three best guesses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_DOUBT } from '../../test/fixtures/in-doubt.ts';
import { type World, world } from '../../test/world.ts';
import { createParser, LOW_CONFIDENCE } from '../intake.ts';

let w: World;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => w?.close());

async function report(text: string) {
  const o = await w.say(w.actors.resident, text, 'oc_sample_chenhui');
  expect(o).toMatchObject({ ok: true });
  return (o as { callNo: string }).callNo;
}

describe('the triage card of an uncertain report', () => {
  // Two matters the catalog covers in one breath, neither clearly the point.
  const unsureText = '楼下乱糟糟的，有堆东西，也有点味道';

  it('says the bot is unsure and offers the top three categories as 呼叫 buttons', async () => {
    const parsed = createParser(w.ctx.district)(unsureText);
    expect(parsed.confidence).toBeLessThan(LOW_CONFIDENCE);
    const no = await report(unsureText);
    const triage = (await w.outbox('jinhualu')).at(-1)!.message;
    expect(triage).toMatchObject({ kind: 'triage', callNo: no });
    expect(triage.text).toContain('不确定');
    const offered = triage.buttons!.filter((b) => b.label.startsWith('按「'));
    expect(offered.map((b) => b.command)).toEqual(parsed.alternatives.map((a) => `呼叫 ${no} ${a.name}`));
    expect(offered).toHaveLength(3);
    expect(await w.reported(no)).toMatchObject({
      intent: parsed.intent,
      draft: { confidence: parsed.confidence },
    });

    // Pressing one calls with that category's tier and lead department (an emergency item's call
    // goes to the district leaders first, so the choice is an ordinary item with a lead).
    const choice = parsed.alternatives.find((a) => {
      const it = w.ctx.district.catalogByCode.get(a.category);
      return it?.lead && it.tier !== 'emergency';
    })!;
    const item = w.ctx.district.catalogByCode.get(choice.category)!;
    const button = offered.find((b) => b.command.endsWith(choice.name))!;
    expect(await w.say(w.actors.liang, button.command)).toMatchObject({ ok: true });
    const row = await w.t.db.selectFrom('calls').selectAll().where('no', '=', no).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ category_code: item.code, tier: item.tier });
    expect((await w.call(no)).assignments[0]).toMatchObject({ unit: item.lead, role: 'lead' });
  });

  it('asks the street to check soon a report that may be an emergency, without alerting the leaders', async () => {
    const text = IN_DOUBT;
    expect(createParser(w.ctx.district)(text)).toMatchObject({ emergency: false, alarmDoubt: true });
    const no = await report(text);
    const triage = (await w.outbox('jinhualu')).at(-1)!.message;
    expect(triage).toMatchObject({ kind: 'triage', callNo: no, tone: 'danger' });
    expect(triage.title).toBe(`【请核实】新呼叫待研判 ${no}`);
    expect(triage.text).toContain('拿不准这件事是否危及人身或财产安全');
    expect(triage.buttons!.map((b) => b.label)).toContain('提交区领导');
    const row = await w.t.db.selectFrom('calls').selectAll().where('no', '=', no).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ emergency: false, category_code: 'road_damage' });
    expect((await w.outbox('leaders')).filter((m) => m.message.callNo === no)).toEqual([]);
    // the resident who reported it is told to call 119 / 110 / 120 if anyone is in danger
    const receipt = (await w.outbox('chenhui')).findLast((m) => m.message.callNo === no)!.message;
    expect(receipt.text).toContain('如有人员危险，请立即拨打 119 / 110 / 120');
    expect(await w.reported(no)).toMatchObject({ draft: { alarmDoubt: true } });
  });

  it('stays as it was for a report the parser is sure of', async () => {
    const no = await report('晨辉路12号路灯不亮了，晚上很黑');
    const triage = (await w.outbox('jinhualu')).at(-1)!.message;
    expect(triage.callNo).toBe(no);
    expect(triage.text).toBeUndefined();
    expect(triage.buttons!.map((b) => b.label)).toEqual([
      '按建议呼叫',
      '自行处置',
      '提交呼应办',
      '提交区领导',
      '撤销',
    ]);
  });
});
