// Timer messages falling due together for one chat go as one message naming every call, on
// either queue driver (BullMQ on Redis when configured); each call's timeline still has its own
// event; a lone one reads as it always did; coalesce_seconds: 0 turns it off.
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter } from '../bot/router.ts';
import { queueRows } from '../db/outbox.ts';
import { mergeMessages } from '../handlers/flood.ts';
import { type Message, notice } from '../handlers/messages.ts';
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

  /**
   * n calls dispatched to 区城管委 whose 报到 deadline passed a minute ago, their timers queued;
   * `before` runs while the messages are held, before the timers are queued
   */
  async function overdueCalls(rig: JobsRig, n: number, before?: (nos: string[]) => Promise<void>) {
    const nos: string[] = [];
    for (let i = 0; i < n; i++) {
      const { callNo } = await rig.say('ou_res_1', COMMUNITY, `晨辉路${30 + 2 * i}号路灯不亮了`);
      expect((await rig.say('ou_sample_liang', STREET, `呼叫 ${callNo}`)).ok).toBe(true);
      nos.push(callNo!);
    }
    await rig.jobs.settle();
    // what the calls sent so far has gone, so that no older message of theirs waits in the chat
    await until(() => rig.settled(), "the calls' messages sent");
    // hold the messages until every notice is written, so the test does not race the send
    rig.lark.online = false;
    await before?.(nos);
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

  const CGW = 'oc_sample_cgw';
  const idOf = async (rig: JobsRig, no: string) =>
    String(
      (await rig.t.db.selectFrom('calls').select('id').where('no', '=', no).executeTakeFirstOrThrow()).id,
    );

  it('fired together, they are written as one row naming every call; each is remembered, and one call’s button works', async () => {
    r = await jobsRig(await make());
    const nos = await overdueCalls(r, 3);
    const rows = (await r.rows()).filter(
      (x) =>
        x.chat_id === CGW && (x.payload as { message: { kind: string } }).message.kind === 'reminder_list',
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row.call_id).toBeNull();
    const ids = await Promise.all(nos.map((no) => idOf(r!, no)));
    const named = (row.payload as { calls: { callId: string; kind: string }[] }).calls;
    expect(named.map((c) => c.callId).sort()).toEqual([...ids].sort());
    expect(named.every((c) => c.kind === 'overdue')).toBe(true);
    const [list] = timerMessages(r);
    const remembered = await r.t.db
      .selectFrom('sent_messages')
      .select('call_id')
      .where('platform_message_id', '=', r.lark.sent.find((s) => s.message === list)!.id)
      .execute();
    expect(remembered.map((x) => String(x.call_id)).sort()).toEqual([...ids].sort());

    // the department reports in for one call from the merged card
    const pressed = await createRouter(r.ctx).handle({
      platform: 'lark',
      eventId: 'press-reminder',
      chatId: CGW,
      messageId: r.lark.sent.find((s) => s.message === list)!.id,
      sender: { userId: 'ou_sample_cgw1' },
      text: '',
      mentionsBot: false,
      images: [],
      action: { command: `报到 ${nos[1]} cgw` },
      p2p: false,
    });
    expect(pressed.status).toBe('handled');
    const a = await r.t.db
      .selectFrom('assignments')
      .select('state')
      .where('call_id', '=', ids[1])
      .executeTakeFirstOrThrow();
    expect(a.state).toBe('acknowledged');
    const card = pressed.cardUpdate!;
    expect(card.kind).toBe('reminder_list');
    expect(card.fields!.map((f) => f.label)).toEqual(list.fields!.map((f) => f.label));
    expect(card.fields!.find((f) => f.label === nos[1])!.value).toMatch(/✓ .* 办理：报到$/);
    expect(card.buttons!.map((b) => b.command).sort()).toEqual(
      [nos[0], nos[2]].map((no) => `报到 ${no} cgw`).sort(),
    );
  });

  it('a call with a message still waiting in the chat has its notice written on its own, sent after that message', async () => {
    r = await jobsRig(await make());
    let waitingId = '';
    const nos = await overdueCalls(r, 3, async (nos) => {
      // something about the first call, still waiting in the department's chat
      waitingId = await idOf(r!, nos[0]);
      await queueRows(r!.t.db, [
        {
          created_at: new Date(),
          kind: 'message',
          platform: 'lark',
          chat_id: CGW,
          call_id: waitingId,
          payload: JSON.stringify({ message: notice('补充材料', '请查看补充材料。'), replyTo: null }),
          idempotency_key: `waiting-${waitingId}`,
          available_at: new Date(),
          priority: 0,
        },
      ]);
    });
    const written = (await r.rows()).filter(
      (x) => x.chat_id === CGW && x.idempotency_key !== `waiting-${waitingId}`,
    );
    const timerRows = written.filter((x) =>
      ['overdue', 'reminder_list'].includes((x.payload as { message: { kind: string } }).message.kind),
    );
    // the first call's notice on its own, the other two merged
    expect(
      timerRows.map((x) => [
        x.call_id === null ? null : String(x.call_id),
        (x.payload as { message: { kind: string } }).message.kind,
      ]),
    ).toEqual([
      [waitingId, 'overdue'],
      [null, 'reminder_list'],
    ]);
    // sent: the waiting message first, then one message naming all three
    const sent = r.lark.sent.filter((s) => s.chatId === CGW).map((s) => s.message);
    const at = sent.findIndex((m) => m.title === '补充材料');
    const lists = timerMessages(r);
    expect(lists).toHaveLength(1);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(sent.indexOf(lists[0])).toBeGreaterThan(at);
    expect(lists[0].fields!.map((f) => f.label).sort()).toEqual([...nos].sort());
  });

  it('rows written already merged merge on when sent, never past 50 calls a message', async () => {
    r = await jobsRig(await make());
    r.lark.online = false;
    let n = 0;
    const list = (size: number) => {
      const parts = Array.from({ length: size }, (): Message => {
        const no = `JJ-20261202-${String(++n).padStart(4, '0')}`;
        return {
          kind: 'remind',
          tone: 'warning',
          callNo: no,
          title: `催办：${no} 报到时限将到`,
          buttons: [{ label: '报到', command: `报到 ${no} cgw`, style: 'primary' }],
        };
      });
      return {
        created_at: new Date(),
        kind: 'message' as const,
        platform: 'lark',
        chat_id: CGW,
        call_id: null,
        payload: JSON.stringify({
          message: mergeMessages(parts),
          calls: parts.map(() => ({ callId: null, kind: 'remind', assignmentId: null })),
        }),
        idempotency_key: `list-${n}`,
        available_at: new Date(),
        priority: 0,
      };
    };
    await queueRows(r.t.db, [list(30), list(15), list(10), list(5)]);
    r.lark.online = true;
    await r.jobs.sweep();
    await until(() => r!.settled(), 'every message sent');
    const sizes = timerMessages(r).map((m) => m.fields!.length);
    // the first row (30) takes the 15 and the 5 (the 10 would pass 50); the 10 go after
    expect(sizes).toEqual([50, 10]);
    const [first] = timerMessages(r);
    expect(first.title).toBe('催办汇总：50 件同时到期');
    expect(first.buttons).toHaveLength(50);
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
