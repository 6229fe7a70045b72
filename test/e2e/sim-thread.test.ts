// An emergency goes on in its chat after it is called in: on the real server, through the
// simulator's HTTP API and the router, more of it said there reaches everyone handling it as
// 紧急续报 and joins its call, with no second alarm; one press reports it as an emergency of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimScript } from '../../bot/sim/demo.ts';
import { ManualClock } from '../../config/clock.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

let app: SimServer;
let sim: SimScript;

beforeAll(async () => {
  // Tuesday 10 November 2026, 20:00 in Chengdu
  app = await startSimServer({ clock: new ManualClock('2026-11-10T12:00:00Z') });
  sim = await app.script();
}, 60_000);
afterAll(async () => app?.close());

const callNo = (said: { result?: { toast?: string } }) => /[A-Z]+-\d{8}-\d{4}/.exec(said.result!.toast!)![0];
const requests = async () =>
  (await sim.cards('sim-leaders', 'dispatch_request')).map((m) => m.message!.callNo);

describe('more of an emergency in the chat that called it in', () => {
  it('reaches the leaders, the office and the street as 紧急续报 of the same call, and one press makes it a call of its own', async () => {
    const fire = callNo(
      await sim.say('晨辉社区居民', 'sim-chenhui', '@呼应 晨辉路20号3楼厨房着火了 好大的烟'),
    );
    expect(await requests()).toEqual([fire]);

    const more = '3楼那家屋头还有个老人没出来，烟越来越大了';
    await sim.say('晨辉社区居民', 'sim-chenhui', `@呼应 ${more}`);
    expect(await requests()).toEqual([fire]);
    for (const chat of ['sim-leaders', 'sim-office', 'sim-jinhualu']) {
      const news = (await sim.messages(chat)).filter((m) => m.message?.title === `【紧急续报】${fire}`);
      expect(
        news.map((m) => m.message!.text),
        chat,
      ).toEqual([more]);
    }
    const told = (await sim.messages('sim-chenhui')).filter((m) =>
      m.message?.title?.startsWith(`已作为紧急呼叫 ${fire}`),
    );
    expect(told).toHaveLength(1);

    // the sender says it is another emergency: it is called in on its own, straight to the leaders
    await sim.press('晨辉社区居民', 'sim-chenhui', 'notice', fire, '这是另一起紧急情况，单独反映');
    const after = await requests();
    expect(after).toHaveLength(2);
    const second = (await sim.card('sim-leaders', 'dispatch_request', after[1])).message!;
    expect(second).toMatchObject({ tone: 'danger' });
    expect(second.fields?.some((f) => f.value.includes(more))).toBe(true);
  });
});
