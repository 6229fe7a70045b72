// Property: random commands by random people never break the lifecycle's invariants.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type World, world } from '../test/world.ts';
import { type CallState, isActive, TRANSITIONS } from './calls.ts';

let w: World;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => w?.close());

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);
type Who = keyof World['actors'];
const PEOPLE: Who[] = ['liang', 'cgw', 'swj', 'office', 'leader', 'resident', 'shuyuan', 'cgwHead'];
const COMMANDS = [
  '呼叫 #',
  '自行处置 #',
  '提交呼应办 #',
  '提交领导 #',
  '呼叫 # 一般 swj',
  '研判 # 复杂',
  '派单 # cgw',
  '派单 # swj cgw',
  '协办 # swj',
  '改派 # cgw swj 职责调整',
  '报到 #',
  '进展 # 正在处置',
  '办结 # 已处理完毕',
  '退回 # 非本部门职责',
  '结案 #',
  '重办 # 问题仍然存在',
  '撤销 # 重复反映',
  '评分 # 20 19 18 17 16',
  '评分 # swj 15 15 15 15 15',
  '满意 #',
] as const;
/** The timeline kind a command's first event has when it is accepted. */
const FIRST_EVENT: Record<string, string[]> = {
  呼叫: ['called'],
  自行处置: ['called'],
  提交呼应办: ['called'],
  提交领导: ['called'],
  研判: ['triaged'],
  派单: ['dispatched'],
  协办: ['co_added'],
  改派: ['reassigned'],
  报到: ['acknowledged'],
  进展: ['progress'],
  办结: ['resolved'],
  退回: ['returned'],
  结案: ['closed'],
  重办: ['reopened'],
  撤销: ['cancelled'],
  评分: ['scored'],
  满意: ['rated'],
};

const REPORTS = [
  '晨辉路12号路灯不亮了',
  '小区垃圾堆了没人清运',
  '锦江河排水口污水直排',
  '有人被困在电梯里',
  '问一下社保怎么办',
];

async function state(callId: string) {
  const call = await w.t.db
    .selectFrom('calls')
    .selectAll()
    .where('id', '=', callId)
    .executeTakeFirstOrThrow();
  const assignments = await w.t.db
    .selectFrom('assignments')
    .selectAll()
    .where('call_id', '=', callId)
    .execute();
  const events = await w.t.db
    .selectFrom('call_events')
    .select('kind')
    .where('call_id', '=', callId)
    .orderBy('id')
    .execute();
  return { call, assignments, events: events.map((e) => e.kind) };
}

describe('lifecycle invariants', () => {
  it(`hold for ${RUNS} random command sequences`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...REPORTS),
        fc.array(fc.tuple(fc.constantFrom(...PEOPLE), fc.constantFrom(...COMMANDS)), {
          minLength: 1,
          maxLength: 8,
        }),
        async (text, steps) => {
          const r = await w.say(w.actors.resident, text, 'oc_sample_chenhui');
          if (!r.ok) throw new Error(`report refused: ${r.reason}`);
          const callId = r.callId!;
          let before = await state(callId);
          for (const [who, template] of steps) {
            const command = template.replace('#', r.callNo!);
            const o = await w.say(w.actors[who], command);
            const after = await state(callId);
            const from = before.call.state as CallState;
            const to = after.call.state as CallState;
            if (o.ok) {
              expect(after.events.length, command).toBeGreaterThan(before.events.length);
              expect(FIRST_EVENT[command.split(' ')[0]], command).toContain(
                after.events[before.events.length],
              );
            } else {
              expect(after.events, `${command}: ${o.reason}`).toEqual(before.events);
              expect(to).toBe(from);
            }
            if (to !== from) expect(TRANSITIONS[from], `${from} → ${to} by ${command}`).toContain(to);
            if (to === 'closed' || to === 'archived') {
              const active = after.assignments.filter(isActive);
              expect(active.length, 'closed with no assignment').toBeGreaterThan(0);
              expect(
                active.every((a) => a.state === 'resolved'),
                'closed with unresolved work',
              ).toBe(true);
            }
            before = after;
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
