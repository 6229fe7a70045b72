// Every refusal: a Chinese reason, and nothing changed but the answer to the person.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type World, world } from '../test/world.ts';
import type { Actor } from './people.ts';

let w: World;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => w?.close());

async function snapshot() {
  const [events, calls, assignments, scores, outbox] = await Promise.all([
    w.t.db
      .selectFrom('call_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow(),
    w.t.db.selectFrom('calls').select(['no', 'state', 'version']).orderBy('id').execute(),
    w.t.db.selectFrom('assignments').select(['id', 'state', 'version']).orderBy('id').execute(),
    w.t.db.selectFrom('scores').select(['id', 'current']).orderBy('id').execute(),
    w.t.db.selectFrom('outbox').select(['chat_id', 'payload']).orderBy('id').execute(),
  ]);
  return { events: events.n, calls, assignments, scores, outbox };
}

/** Asserts the command is refused with this code and reason, and that only the answer was queued. */
async function refused(actor: Actor, text: string, code: string, reason: string | RegExp) {
  const before = await snapshot();
  const o = await w.say(actor, text);
  expect(o.ok, text).toBe(false);
  if (!o.ok) {
    expect(o.code, text).toBe(code);
    if (typeof reason === 'string') expect(o.reason).toBe(reason);
    else expect(o.reason).toMatch(reason);
  }
  const after = await snapshot();
  expect(after.events).toBe(before.events);
  expect(after.calls).toEqual(before.calls);
  expect(after.assignments).toEqual(before.assignments);
  expect(after.scores).toEqual(before.scores);
  // at most the answer to the person who tried
  expect(after.outbox.length - before.outbox.length).toBeLessThanOrEqual(1);
}

async function newCall(text = '晨辉路12号路灯不亮了') {
  const o = await w.say(w.actors.resident, text, 'oc_sample_chenhui');
  return (o as { callNo: string }).callNo;
}

describe('refusals', () => {
  it('refuses people outside the calling street or the assigned department', async () => {
    const { liang, cgw, swj, shuyuan, resident, office } = w.actors;
    const no = await newCall();
    await refused(shuyuan, `呼叫 ${no}`, 'forbidden', '只有锦华路街道的工作人员可以研判呼叫此呼叫');
    await refused(resident, `呼叫 ${no}`, 'forbidden', /锦华路街道的工作人员/);
    await refused(cgw, `报到 ${no}`, 'wrong_state', `呼叫单 ${no} 还没有派单`);
    expect((await w.say(liang, `呼叫 ${no}`)).ok).toBe(true);
    await refused(swj, `报到 ${no}`, 'forbidden', '只有区城管委的联络员可以报到此呼叫');
    await refused(resident, `办结 ${no} 好了`, 'forbidden', '只有区城管委的联络员可以办结此呼叫');
    await refused(liang, `派单 ${no} swj`, 'forbidden', '此呼叫由街道派单');
    await refused(office, `结案 ${no}`, 'forbidden', '只有锦华路街道的工作人员可以结案此呼叫');
    await refused(resident, `改派 ${no} cgw swj`, 'forbidden', '只有呼应办或区领导可以改派');
  });

  it('refuses stale and repeated actions, and actions out of order', async () => {
    const { liang, cgw, resident, otherResident } = w.actors;
    const no = await newCall('晨辉路20号路灯坏了');
    await refused(liang, `结案 ${no}`, 'wrong_state', `呼叫单 ${no} 当前待研判，不能结案`);
    expect((await w.say(liang, `呼叫 ${no}`)).ok).toBe(true);
    await refused(liang, `呼叫 ${no}`, 'wrong_state', `呼叫单 ${no} 当前已派单，不能研判`);
    await refused(cgw, `办结 ${no} 已修好`, 'wrong_state', /请先报到/);
    expect((await w.say(cgw, `报到 ${no}`)).ok).toBe(true);
    await refused(cgw, `报到 ${no}`, 'already_done', '区城管委已报到过此呼叫');
    await refused(liang, `结案 ${no}`, 'wrong_state', `呼叫单 ${no} 当前已报到，不能结案`);
    expect((await w.say(cgw, `办结 ${no} 已修好`)).ok).toBe(true);
    await refused(cgw, `办结 ${no} 再次办结`, 'already_done', '区城管委已办结此呼叫');
    expect((await w.say(liang, `结案 ${no}`)).ok).toBe(true);
    await refused(cgw, `报到 ${no}`, 'already_done', `呼叫单 ${no} 已结案`);
    await refused(liang, `结案 ${no}`, 'already_done', `呼叫单 ${no} 当前已结案，不能结案`);
    await refused(otherResident, `满意 ${no}`, 'forbidden', '只有反映人本人可以评价满意度');
    expect((await w.say(resident, `满意 ${no}`)).ok).toBe(true);
    await refused(resident, `不满意 ${no}`, 'already_done', '您已评价过，谢谢！');
  });

  it('demands reasons where the mechanism does, and valid scores', async () => {
    const { liang, cgw } = w.actors;
    const no = await newCall('晨辉路30号路灯不亮');
    await w.say(liang, `呼叫 ${no}`);
    await w.say(cgw, `报到 ${no}`);
    await w.say(cgw, `办结 ${no} 已修复`);
    await refused(liang, `重办 ${no}`, 'bad_input', '格式：重办 0001 重办理由');
    await refused(liang, `撤销 ${no}`, 'bad_input', '格式：撤销 0001 撤销理由');
    await w.say(liang, `结案 ${no}`);
    await refused(liang, `评分 ${no} 20 18 11 19 20`, 'reason_required', '担当意识 11分低于12分，请写明理由');
    await refused(
      liang,
      `评分 ${no} 20 18 25 19 20`,
      'bad_input',
      '每项评分在0到20之间：担当意识 25 超出范围',
    );
    await refused(liang, `评分 ${no} 20 18 20`, 'bad_input', /只给了3项/);
    expect((await w.say(liang, `评分 ${no} 20 18 20 19 20`)).ok).toBe(true);
    // a correction within 24 h is a new event; after 24 h the score stands
    expect((await w.say(liang, `评分 ${no} 20 18 20 19 19 更正`)).ok).toBe(true);
    expect(await w.events(no)).toContain('score_corrected');
    await w.clock.advance(25 * 3600_000);
    await refused(liang, `评分 ${no} 20 20 20 20 20`, 'already_done', '区城管委已评分，超过24小时不能更正');
  });

  it('refuses unknown calls, bad numbers and unknown departments', async () => {
    const { liang, office } = w.actors;
    await refused(liang, '结案 9999', 'unknown_call', '没有找到呼叫单 9999');
    await refused(liang, '结案 JJ-2026-1', 'bad_input', /不是呼叫单编号/);
    const no = await newCall('晨辉路40号路灯不亮');
    await refused(liang, `呼叫 ${no} 区教育局`, 'bad_input', /不认识“区教育局”/);
    await refused(office, `延期 ${no} cgw 2026-12-01 因为忙`, 'wrong_state', '区城管委没有在办的此呼叫');
    await w.say(liang, `呼叫 ${no}`);
    await refused(office, `延期 ${no} cgw 明天 因为忙`, 'bad_input', /看不懂时限“明天”/);
    await refused(office, `延期 ${no} cgw 2020-01-01 因为忙`, 'bad_input', '新的时限必须晚于现在');
  });

  it('lets exactly one of two simultaneous presses win', async () => {
    const { liang, cgw, cgwHead } = w.actors;
    const no = await newCall('晨辉路50号路灯不亮');
    await w.say(liang, `呼叫 ${no}`);
    const [a, b] = await Promise.all([w.say(cgw, `报到 ${no}`), w.say(cgwHead, `报到 ${no}`)]);
    expect([a.ok, b.ok].sort()).toEqual([false, true]);
    const loser = a.ok ? b : a;
    expect(loser).toMatchObject({ code: 'already_done', reason: '区城管委已报到过此呼叫' });
    expect((await w.events(no)).filter((e) => e === 'acknowledged')).toHaveLength(1);
  });
});
