// A small world for handler tests: a fresh database with the sample district, a manual
// clock, the people of the district file and helpers that read like the mechanism:
// `await as.liang('呼叫 0001')`, `outboxTo('cgw')`.
import { ManualClock } from '../config/clock.ts';
import { silentLogger } from '../config/log.ts';
import { parseCommand } from '../handlers/commands.ts';
import type { Ctx } from '../handlers/context.ts';
import { execute, type Outcome } from '../handlers/execute.ts';
import type { Message } from '../handlers/messages.ts';
import { type Actor, findChat, resolveActor } from '../handlers/people.ts';
import { freshDb, type TestDb } from './db.ts';

/** Monday 2026-11-23 10:00 Asia/Shanghai: a working morning. */
export const MONDAY_10 = '2026-11-23T02:00:00Z';

export interface World {
  t: TestDb;
  ctx: Ctx;
  clock: ManualClock;
  actors: Record<
    'liang' | 'cgw' | 'cgwHead' | 'office' | 'leader' | 'resident' | 'otherResident' | 'swj' | 'shuyuan',
    Actor
  >;
  /** runs a text command (or a report) as an actor, from the chat of their unit */
  say(actor: Actor, text: string, chat?: string): Promise<Outcome>;
  run(actor: Actor, command: unknown, chat?: string): Promise<Outcome>;
  outbox(unitOrChat?: string): Promise<{ chat: string; message: Message }[]>;
  events(callNo: string): Promise<string[]>;
  /** what the call's 'reported' event recorded: the parser's reading, the intent, the alerts */
  reported(callNo: string): Promise<unknown>;
  call(no: string): Promise<{
    state: string;
    tier: string;
    assignments: { unit: string; state: string; role: string; round: number }[];
  }>;
  close(): Promise<void>;
}

/** The sample district's Lark chats by the unit they belong to. */
export const CHAT_OF: Record<string, string> = {
  jinhualu: 'oc_sample_jinhualu',
  chenhui: 'oc_sample_chenhui',
  cgw: 'oc_sample_cgw',
  office: 'oc_sample_office',
  leaders: 'oc_sample_leaders',
};

/**
 * Someone on Lark says something in a chat: a command when it parses as one, else a report,
 * executed directly (no platform in between) as the person the chat and user id make them.
 */
export async function sayOnLark(ctx: Ctx, userId: string, chatId: string, text: string) {
  const chat = await findChat(ctx.db, 'lark', chatId);
  const actor = await resolveActor(ctx.db, { platform: 'lark', userId }, chat);
  const parsed = parseCommand(text, ctx.district);
  const command = parsed?.ok ? parsed.command : { type: 'report', text };
  return execute(ctx, { actor, origin: { platform: 'lark', chatId }, chatUnit: chat?.unit_code }, command);
}

export async function world(start = MONDAY_10): Promise<World> {
  const t = await freshDb();
  const clock = new ManualClock(start);
  const ctx: Ctx = { db: t.db, district: t.district, clock, log: silentLogger };
  // Extra people and chats the sample file doesn't have: a water-bureau liaison and a
  // second street's staff, so cross-unit refusals can be tested.
  const extra = async (name: string, unit: string, role: string, id: string, chat?: string) => {
    const p = await t.db
      .insertInto('people')
      .values({ name, unit_code: unit, role, phone: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('person_identities')
      .values({ platform: 'lark', platform_user_id: id, person_id: p.id, display_name: name })
      .execute();
    if (chat)
      await t.db
        .insertInto('chat_bindings')
        .values({
          platform: 'lark',
          chat_id: chat,
          unit_code: unit,
          role: unit === 'shuyuanjie' ? 'street' : 'department',
          title: null,
        })
        .onConflict((oc) => oc.columns(['platform', 'chat_id']).doNothing())
        .execute();
  };
  await extra('水务联络员', 'swj', 'liaison', 'ou_swj1', 'oc_swj');
  await extra('书院街干部', 'shuyuanjie', 'street_staff', 'ou_shuyuan1', 'oc_shuyuanjie');
  CHAT_OF.swj = 'oc_swj';
  CHAT_OF.shuyuanjie = 'oc_shuyuanjie';
  const chenhui = await findChat(t.db, 'lark', 'oc_sample_chenhui');
  const byId = (id: string) => resolveActor(t.db, { platform: 'lark', userId: id }, chenhui);
  const actors = {
    liang: await byId('ou_sample_liang'),
    cgw: await byId('ou_sample_cgw1'),
    cgwHead: await byId('ou_sample_cgw_head'),
    office: await byId('ou_sample_office1'),
    leader: await byId('ou_sample_leader1'),
    resident: await resolveActor(
      t.db,
      { platform: 'lark', userId: 'ou_resident_wang', displayName: '王阿姨' },
      chenhui,
    ),
    otherResident: await resolveActor(
      t.db,
      { platform: 'lark', userId: 'ou_resident_li', displayName: '李师傅' },
      chenhui,
    ),
    swj: await byId('ou_swj1'),
    shuyuan: await byId('ou_shuyuan1'),
  };
  const chatFor = (a: Actor, chat?: string) => chat ?? CHAT_OF[a.unitCode ?? ''] ?? 'oc_sample_chenhui';
  const run = async (actor: Actor, command: unknown, chat?: string) => {
    const chatId = chatFor(actor, chat);
    const binding = await findChat(t.db, 'lark', chatId);
    return execute(
      ctx,
      { actor, origin: { platform: 'lark', chatId }, chatUnit: binding?.unit_code ?? null },
      command,
    );
  };
  /** a call's timeline, by its number */
  const eventsOf = (callNo: string) =>
    t.db
      .selectFrom('call_events as e')
      .innerJoin('calls as c', 'c.id', 'e.call_id')
      .where('c.no', '=', callNo);
  return {
    t,
    ctx,
    clock,
    actors,
    run,
    async say(actor, text, chat) {
      const parsed = parseCommand(text, t.district);
      if (parsed && !parsed.ok) return { ok: false, code: 'bad_input', reason: parsed.hint };
      return run(actor, parsed ? parsed.command : { type: 'report', text }, chat);
    },
    async outbox(unitOrChat) {
      const chat = unitOrChat ? (CHAT_OF[unitOrChat] ?? unitOrChat) : undefined;
      let q = t.db
        .selectFrom('outbox')
        .select(['chat_id', 'payload'])
        .where('kind', '=', 'message')
        .orderBy('id');
      if (chat) q = q.where('chat_id', '=', chat);
      return (await q.execute()).map((r) => ({
        chat: r.chat_id,
        message: (r.payload as { message: Message }).message,
      }));
    },
    async events(callNo) {
      const rows = await eventsOf(callNo).select('e.kind').orderBy('e.id').execute();
      return rows.map((r) => r.kind);
    },
    async reported(callNo) {
      const row = await eventsOf(callNo)
        .select('e.payload')
        .where('e.kind', '=', 'reported')
        .executeTakeFirstOrThrow();
      return row.payload;
    },
    async call(no) {
      const c = await t.db.selectFrom('calls').selectAll().where('no', '=', no).executeTakeFirstOrThrow();
      const as = await t.db
        .selectFrom('assignments')
        .selectAll()
        .where('call_id', '=', c.id)
        .orderBy('id')
        .execute();
      return {
        state: c.state,
        tier: c.tier,
        assignments: as.map((a) => ({ unit: a.unit_code, state: a.state, role: a.role, round: a.round })),
      };
    },
    close: () => t.close(),
  };
}
