// A report the parser is in doubt about (no alarm, but it leans toward one) is chased in minutes,
// round the clock, on the real server with the manual clock, through the simulator's HTTP API:
// the street's chat at 15 minutes, its head at 30, the office at an hour; an ordinary report made
// beside it on a Saturday night waits for Monday's working hours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimScript } from '../../bot/sim/demo.ts';
import { ManualClock } from '../../config/clock.ts';
import { IN_DOUBT } from '../fixtures/in-doubt.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

let app: SimServer;
let sim: SimScript;

beforeAll(async () => {
  // Saturday 7 November 2026, 23:00 in Chengdu
  app = await startSimServer({ clock: new ManualClock('2026-11-07T15:00:00Z') });
  sim = await app.script();
}, 60_000);
afterAll(async () => app?.close());

const at = (shanghai: string) => new Date(`${shanghai}+08:00`).toISOString();
const chased = async (chat: string, no: string) =>
  (await sim.messages(chat))
    .filter((m) => m.message?.callNo === no && ['wait_remind', 'wait_escalate'].includes(m.message.kind))
    .map((m) => [m.message!.kind, m.at, m.message!.title]);
const callNo = (said: { result?: { toast?: string } }) => /[A-Z]+-\d{8}-\d{4}/.exec(said.result!.toast!)![0];

describe('a report in doubt', () => {
  it('asks the street to check it, and chases it in minutes at night while an ordinary one waits', async () => {
    const doubt = callNo(await sim.say('晨辉社区居民', 'sim-chenhui', `@呼应 ${IN_DOUBT}`));
    const plain = callNo(await sim.say('晨辉社区居民', 'sim-chenhui', '@呼应 晨辉路50号路灯不亮了'));
    const card = await sim.card('sim-jinhualu', 'triage', doubt);
    expect(card.message!.title).toBe(`【请核实】新呼叫待研判 ${doubt}`);
    expect(card.message!.text).toContain('请尽快核实');

    await sim.advance('PT1H5M');
    expect(await chased('sim-jinhualu', doubt)).toEqual([
      ['wait_remind', at('2026-11-07T23:15'), `催办：${doubt} 等待锦华路街道核实研判已15分钟`],
      ['wait_escalate', at('2026-11-07T23:30'), `督办：${doubt} 等待锦华路街道核实研判已30分钟`],
    ]);
    expect(await chased('sim-office', doubt)).toEqual([
      ['wait_escalate', at('2026-11-08T00:00'), `督办：${doubt} 等待锦华路街道核实研判已1小时`],
    ]);
    const remind = (await sim.messages('sim-jinhualu')).find(
      (m) => m.message?.kind === 'wait_remind' && m.message.callNo === doubt,
    )!;
    expect(remind.message!.text).toMatch(/^【请核实】呼叫单/);
    expect(await chased('sim-jinhualu', plain)).toEqual([]);

    // once the street has triaged it, the chase is over
    await sim.press('梁益莉', 'sim-jinhualu', 'triage', doubt, '按建议呼叫');
    await sim.advance('PT3H');
    expect(await chased('sim-jinhualu', doubt)).toHaveLength(2);
    expect(await chased('sim-office', doubt)).toHaveLength(1);
  });
});
