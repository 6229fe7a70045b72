// Timer messages falling due together for one chat go as one message naming every call, on
// either queue driver (BullMQ on Redis when configured); each call's timeline still has its own
// event; a lone one reads as it always did; coalesce_seconds: 0 turns it off.
import { afterEach, describe, expect, it } from 'vitest';
import { COMMUNITY, type JobsRig, jobsRig, STREET } from '../test/jobs-rig.ts';
import { driverFactories, until } from '../test/queues.ts';
import { scheduleTimers } from './timers.ts';

const TIMER_KINDS = ['remind', 'overdue', 'escalate', 'reminder_list'];

describe.each(driverFactories)('timer messages due together (%s)', (_name, make) => {
  let r: JobsRig | undefined;
  afterEach(async () => {
    await r?.stop();
    await r?.t.close();
    r = undefined;
  });

  /** n calls dispatched to 区城管委 whose 报到 deadline passed a minute ago, their timers queued */
  async function overdueCalls(rig: JobsRig, n: number) {
    const nos: string[] = [];
    for (let i = 0; i < n; i++) {
      const { callNo } = await rig.say('ou_res_1', COMMUNITY, `晨辉路${30 + 2 * i}号路灯不亮了`);
      expect((await rig.say('ou_sample_liang', STREET, `呼叫 ${callNo}`)).ok).toBe(true);
      nos.push(callNo!);
    }
    await rig.jobs.settle();
    // hold the messages until every notice is written, so the test does not race the send
    rig.lark.online = false;
    const now = Date.now();
    const calls = rig.t.db.selectFrom('calls').select('id').where('no', 'in', nos);
    await rig.t.db
      .updateTable('assignments')
      .set({ dispatched_at: new Date(now - 3600_000), ack_due_at: new Date(now - 60_000) })
      .where('call_id', 'in', calls)
      .execute();
    const ids = (await calls.execute()).map((c) => String(c.id));
    await scheduleTimers(rig.ctx, rig.services.runtime.queues.queue('timers'), { callIds: ids });
    await until(async () => (await noticed(rig, nos)).length === n, 'every deadline notice fired');
    rig.lark.online = true;
    await rig.jobs.sweep();
    await until(() => rig.settled(), 'every message sent');
    return nos;
  }

  /** the calls whose timeline has its deadline notice */
  async function noticed(rig: JobsRig, nos: string[]) {
    const rows = await rig.t.db
      .selectFrom('call_events as e')
      .innerJoin('calls as c', 'c.id', 'e.call_id')
      .select('c.no')
      .where('e.kind', '=', 'reminded')
      .where('c.no', 'in', nos)
      .execute();
    return rows.map((x) => x.no);
  }

  const timerMessages = (rig: JobsRig) =>
    rig.lark.sent
      .filter((s) => s.chatId === 'oc_sample_cgw')
      .map((s) => s.message)
      .filter((m) => TIMER_KINDS.includes(m.kind));

  it('several due at one instant for one chat: one message naming every call, each call its event', async () => {
    r = await jobsRig(await make());
    const nos = await overdueCalls(r, 4);
    expect((await noticed(r, nos)).sort()).toEqual([...nos].sort());
    const sent = timerMessages(r);
    expect(sent).toHaveLength(1);
    const [list] = sent;
    expect(list.kind).toBe('reminder_list');
    expect(list.title).toBe('催办汇总：4 件同时到期');
    expect(list.fields?.map((f) => f.label).sort()).toEqual([...nos].sort());
    expect(list.fields?.every((f) => f.value.startsWith('已超时：未按时报到｜晨辉路'))).toBe(true);
    // each call keeps its own button and its words
    expect(list.buttons?.map((b) => b.command).sort()).toEqual(nos.map((no) => `报到 ${no} cgw`).sort());
    expect(list.text).toContain('报到');
  });

  it('a lone deadline notice reads as it always did', async () => {
    r = await jobsRig(await make());
    const [no] = await overdueCalls(r, 1);
    const sent = timerMessages(r);
    expect(sent.map((m) => [m.kind, m.title])).toEqual([['overdue', `已超时：${no} 未按时报到`]]);
  });

  it('with coalesce_seconds: 0 each goes on its own', async () => {
    r = await jobsRig(await make());
    r.ctx.district = {
      ...r.ctx.district,
      escalation: { ...r.ctx.district.escalation, coalesce_seconds: 0 },
    };
    const nos = await overdueCalls(r, 3);
    const sent = timerMessages(r);
    expect(sent.map((m) => m.kind)).toEqual(['overdue', 'overdue', 'overdue']);
    expect(sent.map((m) => m.callNo).sort()).toEqual([...nos].sort());
  });
});
