// Sending under stress, through the real job layer (in-process, and BullMQ when REDIS_URL is
// set): a slow send keeps its claim while its worker lives, a dead worker's claim is taken over
// once its short lease lapses, emergencies go ahead in each chat's line, and a flooded line
// merges routine messages, whose merged card's buttons still work.
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter } from '../bot/router.ts';
import { claimRow } from '../db/outbox.ts';
import { COMMUNITY, type JobsRig, jobsRig, STREET } from '../test/jobs-rig.ts';
import { driverFactories, until } from '../test/queues.ts';

const FIRE = '晨辉路8号3楼厨房起火了，有浓烟';

describe.each(driverFactories)('sending under stress on %s', (_name, make) => {
  let r: JobsRig | undefined;
  let second: JobsRig | undefined;
  afterEach(async () => {
    await second?.stop();
    await r?.stop();
    await r?.t.close();
    r = second = undefined;
  });

  // Embedded PGlite runs one worker, whose sends hold the database lane: no second worker there.
  it.skipIf(!process.env.DATABASE_URL)(
    'a send that outlives several leases keeps its row: the other worker never takes it',
    async () => {
      r = await jobsRig(await make(), { opts: { leaseMs: 300, sweepMs: 50 } });
      second = await jobsRig(await make(), { t: r.t, opts: { leaseMs: 300, sweepMs: 50 } });
      r.lark.latencyMs = second.lark.latencyMs = 1500; // five leases
      await r.say('ou_res_1', COMMUNITY, '帮助'); // one answer, to one chat
      await until(() => r!.settled(), 'the answer sent', 15_000);
      await new Promise((res) => setTimeout(res, 300)); // sweeps keep running: still once
      expect(r.lark.calls + second.lark.calls).toBe(1);
      const [row] = await r.rows();
      expect(row).toMatchObject({ state: 'sent', attempts: 1, lease_owner: null });
    },
  );

  it('a claim held by a worker that died is taken over once its lease lapses, not before', async () => {
    r = await jobsRig(await make(), { opts: { leaseMs: 1000 } });
    r.lark.online = false;
    await r.say('ou_res_1', COMMUNITY, '帮助');
    await r.jobs.relay.idle();
    const [row] = await r.rows('pending');
    const lapse = Date.now() + 1500;
    expect(
      await claimRow(r.t.db, row.id, { owner: 'dead-worker', until: new Date(lapse), now: new Date() }),
    ).toBeTruthy();
    r.lark.online = true;
    await until(() => r!.settled(), 'sent after the lease lapsed', 15_000);
    expect(r.lark.sent).toHaveLength(1);
    expect(r.lark.sent[0].at).toBeGreaterThanOrEqual(lapse);
    expect(r.lark.calls).toBe(1);
  });

  it('an emergency goes ahead of the routine messages waiting in each chat, same-call order kept', async () => {
    r = await jobsRig(await make());
    r.lark.online = false;
    const routine: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const out = await r.say(`ou_res_${i}`, COMMUNITY, `晨辉路${i}号门口垃圾堆积`);
      routine.push(out.callNo!);
    }
    const fire = await r.say('ou_res_9', COMMUNITY, FIRE);
    expect(fire.ok).toBe(true);
    r.lark.online = true;
    await until(() => r!.settled(), 'every row sent', 20_000);
    // the routine line's head may already be on its way beside it; nothing else is ahead
    const community = r.lark.titles(COMMUNITY);
    expect(community.indexOf(`紧急情况已上报 ${fire.callNo}`)).toBeLessThanOrEqual(1);
    const street = r.lark.titles(STREET);
    expect(street.indexOf(`【紧急】新呼叫待研判 ${fire.callNo}`)).toBeLessThanOrEqual(1);
    expect(r.lark.titles('oc_sample_leaders')).toEqual([`【紧急】请区领导派单 ${fire.callNo}`]);
    // routine messages keep their order
    expect(community.filter((x) => !x.includes(fire.callNo!))).toEqual(
      routine.map((no) => `已收到反映 ${no}`),
    );
    expect(street.filter((x) => !x.includes(fire.callNo!))).toEqual(
      routine.map((no) => `新呼叫待研判 ${no}`),
    );
  });

  it('a flooded line merges routine messages; each row is sent once and a merged card’s button works', async () => {
    r = await jobsRig(await make());
    r.lark.online = false;
    const nos: string[] = [];
    for (let i = 1; i <= 30; i++) {
      const out = await r.say(`ou_res_${i}`, COMMUNITY, `晨辉路${i}号路灯不亮了`);
      nos.push(out.callNo!);
    }
    r.lark.online = true;
    await until(() => r!.settled(), 'every row sent', 30_000);

    // 30 waiting, more than Lark sends in a chat in 3 s (15): the first 20 go as one message,
    // then the line is short again and the other 10 go one by one
    for (const [chat, kind, single] of [
      [COMMUNITY, 'draft_list', 'draft'],
      [STREET, 'triage_list', 'triage'],
    ] as const) {
      const sent = r.lark.sent.filter((s) => s.chatId === chat);
      expect(sent.map((s) => s.message.kind)).toEqual([kind, ...Array(10).fill(single)]);
      expect(sent[0].message.fields!.map((f) => f.label)).toEqual(nos.slice(0, 20));
      expect(sent.slice(1).map((s) => s.message.callNo)).toEqual(nos.slice(20));
    }
    const merged = r.lark.sent.find((s) => s.message.kind === 'triage_list')!;
    expect(merged.replyTo).toBeNull();
    expect(merged.message.buttons!.filter((b) => b.label.endsWith('按建议呼叫'))).toHaveLength(20);

    // each row sent once, the merged ones with the merged message's id; nothing on the timelines
    const rows = await r.rows();
    expect(rows.every((x) => x.state === 'sent')).toBe(true);
    expect(rows.filter((x) => x.platform_message_id === merged.id)).toHaveLength(20);
    const remembered = await r.t.db.selectFrom('sent_messages').selectAll().execute();
    expect(remembered).toHaveLength(rows.length);
    expect(remembered.filter((s) => s.platform_message_id === merged.id)).toHaveLength(20);
    const kinds = await r.t.db.selectFrom('call_events').select('kind').distinct().execute();
    expect(kinds.map((k) => k.kind)).toEqual(['reported']);

    // the street presses one call's button on the merged card
    const router = createRouter(r.ctx);
    const pressed = await router.handle({
      platform: 'lark',
      eventId: 'press-1',
      chatId: STREET,
      messageId: merged.id,
      sender: { userId: 'ou_sample_liang' },
      text: '',
      mentionsBot: false,
      images: [],
      action: { command: `呼叫 ${nos[3]}` },
      p2p: false,
    });
    expect(pressed.status).toBe('handled');
    const call = await r.t.db
      .selectFrom('calls')
      .select('state')
      .where('no', '=', nos[3])
      .executeTakeFirstOrThrow();
    expect(call.state).toBe('dispatched');
    const card = pressed.cardUpdate!;
    expect(card.kind).toBe('triage_list');
    expect(card.fields!.map((f) => f.label)).toEqual(nos.slice(0, 20));
    expect(card.fields![3].value).toMatch(/✓ 梁益莉 于 .* 办理：呼叫$/);
    const owners = card.buttons!.map((b) => /JJ-\d{8}-\d{4}/.exec(b.command)![0]);
    expect(owners).not.toContain(nos[3]);
    expect(new Set(owners)).toEqual(new Set(nos.slice(0, 20).filter((n) => n !== nos[3])));
  });
});
