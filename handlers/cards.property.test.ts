// Property: a card shows only what its reader may do now. Random walks of the mechanism (reports,
// commands by random people, time passing so reminders and escalations fire) produce cards; for
// each card, every button and its form are pressed — rehearsed, so nothing changes — by every
// person it is addressed to (the people of the chat's unit; in a community chat, the reporter),
// and each must succeed. A futile button is a defect.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type World, world } from '../test/world.ts';
import { parseCommand } from './commands.ts';
import { execute } from './execute.ts';
import { commandOfPress, type Message } from './messages.ts';
import type { Actor } from './people.ts';
import { findChat } from './people.ts';
import { fireTimer, pendingTimers } from './timers.ts';

let w: World;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => w?.close());

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
type Who = keyof World['actors'];
const PEOPLE: Who[] = ['liang', 'cgw', 'swj', 'office', 'leader', 'resident', 'cgwHead'];
const COMMANDS = [
  '呼叫 #',
  '自行处置 #',
  '提交呼应办 #',
  '提交领导 #',
  '呼叫 # 一般 swj',
  '派单 # cgw',
  '派单 # swj cgw',
  '协办 # swj',
  '报到 #',
  '办结 # 已处理完毕',
  '退回 # 非本部门职责',
  '结案 #',
  '重办 # 问题仍然存在',
  '评分 # 20 19 18 17 16 及时',
  '满意 #',
  '~1h',
  '~1d',
  '~4d',
] as const;
const WAITS: Record<string, number> = { '~1h': 3600_000, '~1d': 86_400_000, '~4d': 4 * 86_400_000 };
const REPORTS = [
  '晨辉路12号路灯不亮了',
  '小区垃圾堆了没人清运',
  '锦江河排水口污水直排',
  '有人被困在电梯里',
  '晨辉社区5栋楼下有人占道摆摊',
  '我家门口的公共长椅坏了',
];

/** Who a card in this chat is for: the people of the chat's unit; a resident only about their own call. */
function audience(chatUnit: string, reporterId: string | null): Actor[] {
  const people = Object.values(w.actors).filter((a) => a.unitCode === chatUnit);
  return people.filter((a) => a.role !== 'resident' || a.personId === reporterId);
}

/** What a person would fill in: the words a button asks for, a form's initial or first choices. */
function presses(card: Message): { label: string; press: Parameters<typeof commandOfPress>[1] }[] {
  const out: { label: string; press: Parameters<typeof commandOfPress>[1] }[] = [];
  for (const b of card.buttons ?? [])
    out.push({
      label: b.label,
      press: { command: b.needsText ? `${b.command.trim()} 经核实说明` : b.command },
    });
  if (card.form) {
    const form: Record<string, string> = {};
    for (const f of card.form.fields)
      form[f.name] =
        f.initial ??
        (f.type === 'select'
          ? (f.options?.find((o) => o.value)?.value ?? '')
          : f.type === 'text'
            ? '处置及时'
            : '');
    out.push({
      label: card.form.submitLabel,
      press: { command: card.form.command, template: card.form.command, form },
    });
  }
  return out;
}

const seenKinds = new Set<string>();

/** Every card written since `after`: each of its presses, rehearsed by each of its readers, succeeds. */
async function checkCardsAfter(after: string) {
  const rows = await w.t.db
    .selectFrom('outbox')
    .select(['id', 'chat_id', 'payload', 'call_id'])
    .where('id', '>', after)
    .where('kind', '=', 'message')
    .orderBy('id')
    .execute();
  for (const r of rows) {
    const card = (r.payload as { message: Message }).message;
    if (!card.buttons?.length && !card.form) continue;
    seenKinds.add(card.kind);
    const chat = await findChat(w.t.db, 'lark', r.chat_id);
    const call = r.call_id
      ? await w.t.db
          .selectFrom('calls')
          .select('reporter_person_id')
          .where('id', '=', r.call_id)
          .executeTakeFirst()
      : undefined;
    const readers = audience(
      chat!.unit_code,
      call?.reporter_person_id ? String(call.reporter_person_id) : null,
    );
    for (const reader of readers)
      for (const { label, press } of presses(card)) {
        const resolved = commandOfPress(card, press);
        expect('command' in resolved, `${card.kind} «${label}»: ${JSON.stringify(resolved)}`).toBe(true);
        const text = (resolved as { command: string }).command;
        const parsed = parseCommand(text, w.t.district);
        expect(parsed?.ok, `${card.kind} «${label}» → ${text}: ${JSON.stringify(parsed)}`).toBe(true);
        const outcome = await execute(
          { ...w.ctx, rehearse: true },
          {
            actor: reader,
            origin: { platform: 'lark', chatId: r.chat_id },
            chatUnit: chat!.unit_code,
            quiet: true,
          },
          (parsed as { command: unknown }).command,
        );
        expect(
          outcome,
          `«${label}» on ${card.kind} “${card.title}” by ${reader.name} (${reader.role})`,
        ).toMatchObject({
          ok: true,
        });
      }
  }
}

const lastOutbox = async () =>
  String(
    (
      await w.t.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst()
    )?.id ?? '0',
  );

async function passTime(ms: number) {
  await w.clock.advance(ms);
  const due = (await pendingTimers(w.ctx))
    .filter((t) => t.at <= w.clock.now().getTime())
    .sort((a, b) => a.at - b.at);
  for (const t of due) await fireTimer(w.ctx, t);
}

/** Walks that meet every card people act on, before the random ones. */
const SCRIPTED: [string, [Who | '~', string][]][] = [
  [
    '晨辉路12号路灯不亮了',
    [
      ['liang', '呼叫 #'],
      ['cgw', '报到 #'],
      ['cgw', '办结 # 已更换灯泡'],
      ['liang', '重办 # 仍然不亮'],
      ['cgw', '办结 # 已更换整套灯具'],
      ['liang', '结案 #'],
      ['liang', '评分 # 20 19 18 17 16 及时'],
      ['resident', '满意 #'],
    ],
  ],
  [
    '锦江河排水口污水直排',
    [
      ['liang', '呼叫 #'],
      ['office', '派单 # swj cgw'],
      ['swj', '退回 # 非本部门职责'],
    ],
  ],
  [
    '晨辉社区5栋楼下有人占道摆摊',
    [
      ['liang', '提交领导 #'],
      ['~', '~1d'],
      ['leader', '派单 # cgw'],
    ],
  ],
  [
    '有人被困在电梯里',
    [
      ['~', '~1h'],
      ['leader', '派单 # cgw'],
      ['~', '~4d'],
    ],
  ],
  [
    '小区垃圾堆了没人清运',
    [
      ['liang', '自行处置 #'],
      ['~', '~4d'],
      ['liang', '办结 # 已清运'],
    ],
  ],
  [
    '我家门口的公共长椅坏了',
    [
      ['~', '~1d'],
      ['liang', '呼叫 # 一般 cgw'],
      ['~', '~4d'],
    ],
  ],
  // a co-department returns while the lead works on: the street is told, not asked to call again
  // (found by a random walk: the street's card offered 自行处置 on a call still being worked)
  [
    '晨辉路12号路灯不亮了',
    [
      ['liang', '呼叫 #'],
      ['office', '协办 # swj'],
      ['swj', '退回 # 非本部门职责'],
      ['liang', '呼叫 #'],
    ],
  ],
];

async function walk(text: string, steps: [Who | '~', string][]) {
  let mark = await lastOutbox();
  const r = await w.say(w.actors.resident, text, 'oc_sample_chenhui');
  if (!r.ok) return;
  await checkCardsAfter(mark);
  for (const [who, template] of steps) {
    mark = await lastOutbox();
    if (template.startsWith('~')) await passTime(WAITS[template]);
    else await w.say(w.actors[who as Who], template.replace('#', r.callNo!));
    await checkCardsAfter(mark);
  }
}

describe('cards offer only what their readers may do', () => {
  it(`holds for the scripted walks and ${RUNS} random ones`, async () => {
    for (const [text, steps] of SCRIPTED) await walk(text, steps);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...REPORTS),
        fc.array(fc.tuple(fc.constantFrom(...PEOPLE), fc.constantFrom(...COMMANDS)), {
          minLength: 1,
          maxLength: 8,
        }),
        (text, steps) => walk(text, steps),
      ),
      { numRuns: RUNS },
    );
    // the walks met the cards people act on
    for (const kind of [
      'triage',
      'dispatch',
      'work',
      'close',
      'score',
      'satisfaction',
      'dispatch_request',
      'remind',
      'overdue',
      'escalate',
    ])
      expect(seenKinds, kind).toContain(kind);
  }, 600_000);
});
