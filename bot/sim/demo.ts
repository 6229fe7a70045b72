// Plays the simulator through its own JSON API, as people would: personas say things in chats and
// press buttons on cards, and the manual clock moves. `playDemoMonth` plays a whole month of the
// mechanism (reports from every street, on-time and late departments, scores, a call left
// overdue) and ends at 09:00 on the next 1st, when the month's bulletin goes to the office.
import { isWorkingDay } from '../../handlers/worktime.ts';
import type { SimRecord } from './sender.ts';
import type { Persona } from './setup.ts';

/** One request to the simulator's API (`/sim/api/...` without the `/sim`). */
export type SimRequest = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: any }>;

/** A refusal of the simulator's API, with its Chinese message. */
export class SimScriptError extends Error {}

export interface Finish {
  /** the department's chat, its liaison, the street's chat and the person who scores */
  dept: string;
  liaison: string;
  street: string;
  staff: string;
  /** 专业性, 担当意识, 配合度, 办理结果 (报到 stays as the form offers it) */
  scores: [number, number, number, number];
  comment: string;
  /** how long after now the department reports in (报到) and then resolves (办结), ISO 8601 */
  ackAfter?: string;
  resolveAfter?: string;
  /** the resident's answer afterwards, in the community chat */
  satisfaction?: { resident: string; chat: string; answer: '满意' | '基本满意' | '不满意' };
}

export class SimScript {
  private constructor(
    private readonly request: SimRequest,
    private readonly personas: Persona[],
  ) {}

  static async start(request: SimRequest): Promise<SimScript> {
    const state = await request('GET', '/api/state');
    return new SimScript(request, state.body.personas);
  }

  private async ok(method: string, path: string, body?: unknown) {
    const r = await this.request(method, path, body);
    if (r.status >= 400 || r.body?.ok === false)
      throw new SimScriptError(`${method} ${path}: ${r.body?.message ?? r.status}`);
    return r.body;
  }

  /**
   * A persona by its name, or the first whose name starts so ('晨辉社区居民'); in a sandbox, where
   * only stand-ins play, the staff member whose own chat it is.
   */
  who(name: string, chat?: string): string {
    const p =
      this.personas.find((x) => x.name === name) ??
      this.personas.find((x) => x.name.startsWith(name)) ??
      this.personas.find((x) => chat && x.chats[0] === chat && x.roleCode !== 'resident');
    if (!p) throw new SimScriptError(`no persona ${name}`);
    return p.id;
  }

  async now(): Promise<Date> {
    return new Date((await this.ok('GET', '/api/state')).clock.now);
  }

  async messages(chat: string): Promise<SimRecord[]> {
    return (await this.ok('GET', `/api/chats/${chat}/messages`)).messages;
  }

  /** The cards of a kind in a chat (of one call, when given), oldest first. */
  async cards(chat: string, kind: string, no?: string): Promise<SimRecord[]> {
    return (await this.messages(chat)).filter(
      (m) => m.message?.kind === kind && (!no || m.message.callNo === no),
    );
  }

  async card(chat: string, kind: string, no?: string): Promise<SimRecord> {
    const found = (await this.cards(chat, kind, no)).at(-1);
    if (!found) throw new SimScriptError(`no ${kind} card${no ? ` of ${no}` : ''} in ${chat}`);
    return found;
  }

  say(name: string, chat: string, text: string) {
    return this.ok('POST', `/api/chats/${chat}/messages`, { from: this.who(name, chat), text });
  }

  async press(name: string, chat: string, kind: string, no: string, label: string, text?: string) {
    const c = await this.card(chat, kind, no);
    const action = c.message?.buttons?.findIndex((b) => b.label === label) ?? -1;
    if (action < 0) throw new SimScriptError(`no ${label} on ${c.message?.title}`);
    return this.ok('POST', '/api/actions', { from: this.who(name, chat), message: c.id, action, text });
  }

  advance(by: string) {
    return this.ok('POST', '/api/clock', { advance: by });
  }

  /** Moves the clock to `at` (later than now). */
  async advanceTo(at: Date) {
    const minutes = Math.round((at.getTime() - (await this.now()).getTime()) / 60_000);
    if (minutes > 0) await this.advance(`PT${minutes}M`);
  }

  /** To 09:00 (Shanghai) on the next working day after today. */
  async nextWorkingMorning() {
    await this.advanceTo(nextWorkingMorning(await this.now()));
  }

  /** A resident reports, the street calls as suggested; the call's number. */
  async report(resident: string, community: string, street: string, staff: string, text: string) {
    const said = await this.say(resident, community, `@呼应 ${text}`);
    const no = /[A-Z]+-\d{8}-\d{4,}/.exec(said.result?.toast ?? '')?.[0];
    if (!no) throw new SimScriptError(`no call from “${text}”: ${said.result?.toast}`);
    await this.press(staff, street, 'triage', no, '按建议呼叫');
    return no;
  }

  /** The department reports in and resolves, the street closes and scores; the 报到 score offered. */
  async finish(no: string, o: Finish): Promise<number> {
    if (o.ackAfter) await this.advance(o.ackAfter);
    await this.press(o.liaison, o.dept, 'dispatch', no, '报到');
    if (o.resolveAfter) await this.advance(o.resolveAfter);
    await this.press(o.liaison, o.dept, 'work', no, '办结', '已处置完毕，现场已恢复');
    await this.press(o.staff, o.street, 'close', no, '结案');
    const score = await this.card(o.street, 'score', no);
    const ack = score.message?.form?.fields.find((f) => f.name === 'ack')?.initial ?? '20';
    const [professional, ownership, cooperation, result] = o.scores.map(String);
    await this.ok('POST', '/api/actions', {
      from: this.who(o.staff, o.street),
      message: score.id,
      action: 'form',
      form: { ack, professional, ownership, cooperation, result, comment: o.comment },
    });
    if (o.satisfaction) {
      const s = o.satisfaction;
      await this.press(s.resident, s.chat, 'satisfaction', no, s.answer);
    }
    return Number(ack);
  }
}

const SHANGHAI = 8 * 3600_000;

/** 09:00 Shanghai on the first working day after the day of `at`. */
export function nextWorkingMorning(at: Date): Date {
  const day = Math.floor((at.getTime() + SHANGHAI) / 86_400_000);
  for (let d = day + 1; ; d++) {
    const morning = new Date(d * 86_400_000 - SHANGHAI + 9 * 3600_000);
    if (isWorkingDay(morning)) return morning;
  }
}

/** 09:00 Shanghai on the 1st of the month after the one `at` falls in; and that month, YYYY-MM. */
export function nextMonthStart(at: Date): { at: Date; month: string } {
  const local = new Date(at.getTime() + SHANGHAI);
  const next = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1, 9) - SHANGHAI);
  const shown = new Date(next.getTime() + SHANGHAI);
  return { at: next, month: `${shown.getUTCFullYear()}-${String(shown.getUTCMonth() + 1).padStart(2, '0')}` };
}

const JINHUALU = { street: 'sim-jinhualu', staff: '梁益莉' };
const SHUYUANJIE = { street: 'sim-shuyuanjie', staff: '书院街街道' };
const CHENGLONGLU = { street: 'sim-chenglonglu', staff: '成龙路街道' };
const DONGHU = { street: 'sim-donghu', staff: '东湖街道' };

/**
 * A month of the mechanism, played from the next 1st: nine reports from the four streets, eight
 * departments answering (one late, escalated), scores and residents' answers, one call left
 * unacknowledged to the month's end; then to 09:00 on the following 1st, when the bulletin of
 * the month played goes out. Returns that month and its calls.
 */
export async function playDemoMonth(request: SimRequest): Promise<{ month: string; calls: string[] }> {
  const s = await SimScript.start(request);
  const first = nextMonthStart(await s.now());
  await s.advanceTo(first.at);
  if (!isWorkingDay(first.at)) await s.nextWorkingMorning();
  const calls: string[] = [];
  const report = async (resident: string, community: string, at: typeof JINHUALU, text: string) => {
    const no = await s.report(resident, community, at.street, at.staff, text);
    calls.push(no);
    return no;
  };
  const liaison = (dept: string, name: string) => ({ dept: `sim-${dept}`, liaison: name });

  // day 1: two reports in 锦华路街道, both answered promptly
  let no = await report('晨辉社区居民', 'sim-chenhui', JINHUALU, '晨辉路12号路灯不亮了，晚上很黑');
  await s.finish(no, {
    ...liaison('cgw', '城管联络员'),
    ...JINHUALU,
    ackAfter: 'PT20M',
    resolveAfter: 'PT3H',
    scores: [18, 19, 20, 20],
    comment: '处置及时',
    satisfaction: { resident: '晨辉社区居民', chat: 'sim-chenhui', answer: '满意' },
  });
  no = await report('金像社区居民', 'sim-jinxiang', JINHUALU, '金像小区门口积水严重，行人过不去');
  await s.finish(no, {
    ...liaison('swj', '区水务局联络员'),
    ...JINHUALU,
    ackAfter: 'PT40M',
    resolveAfter: 'P1D',
    scores: [18, 18, 19, 19],
    comment: '疏通及时',
    satisfaction: { resident: '金像社区居民', chat: 'sim-jinxiang', answer: '基本满意' },
  });

  // day 3: 书院街街道; 区住建交通局 reports in four hours late and is escalated meanwhile
  await s.nextWorkingMorning();
  no = await report('武成门社区居民', 'sim-wuchengmen', SHUYUANJIE, '武成门路口井盖破损，很危险');
  await s.finish(no, {
    ...liaison('zjj', '区住建交通局联络员'),
    ...SHUYUANJIE,
    ackAfter: 'PT4H',
    resolveAfter: 'P2D',
    scores: [15, 13, 16, 17],
    comment: '报到超时，经督办后才处置',
    satisfaction: { resident: '武成门社区居民', chat: 'sim-wuchengmen', answer: '不满意' },
  });
  no = await report('新华社区居民', 'sim-xinhua', SHUYUANJIE, '新华公园旁边一棵大树倒伏了');
  await s.finish(no, {
    ...liaison('gyj', '区公园城市局联络员'),
    ...SHUYUANJIE,
    ackAfter: 'PT15M',
    resolveAfter: 'PT5H',
    scores: [20, 19, 19, 20],
    comment: '清理迅速',
  });

  // the next working day: 成龙路街道 and 东湖街道
  await s.nextWorkingMorning();
  no = await report('成龙社区居民', 'sim-chenglong', CHENGLONGLU, '成龙大道有流动摊贩占道经营');
  await s.finish(no, {
    ...liaison('cgw', '城管联络员'),
    ...CHENGLONGLU,
    ackAfter: 'PT30M',
    resolveAfter: 'PT6H',
    scores: [17, 18, 18, 18],
    comment: '已劝离，建议加强巡查',
  });
  no = await report('东光社区居民', 'sim-dongguang', DONGHU, '东光小区门口有辆僵尸车长期停放');
  await s.finish(no, {
    ...liaison('gafj', '公安锦江分局联络员'),
    ...DONGHU,
    ackAfter: 'PT1H',
    resolveAfter: 'P2D',
    scores: [18, 17, 18, 19],
    comment: '已拖移',
  });
  // nobody at 区市场监管局 answers this one: reminded, overdue, escalated, in every digest
  await report('东湖社区居民', 'sim-donghu_c', DONGHU, '东湖路一家小餐馆卖过期食品');

  // the week after: two more in 锦华路街道
  await s.nextWorkingMorning();
  no = await report('晨辉社区居民', 'sim-chenhui', JINHUALU, '晨辉路8号停电了，整栋楼没电');
  await s.finish(no, {
    ...liaison('gdj', '国网锦江供电中心联络员'),
    ...JINHUALU,
    ackAfter: 'PT10M',
    resolveAfter: 'PT3H',
    scores: [20, 20, 20, 20],
    comment: '抢修及时',
    satisfaction: { resident: '晨辉社区居民', chat: 'sim-chenhui', answer: '满意' },
  });
  no = await report('金像社区居民', 'sim-jinxiang', JINHUALU, '工地老板拖欠工资三个月了');
  await s.finish(no, {
    ...liaison('rsj', '区人社局联络员'),
    ...JINHUALU,
    ackAfter: 'PT1H',
    resolveAfter: 'P3D',
    scores: [17, 18, 17, 18],
    comment: '已协调支付',
  });

  // to the next 1st, 09:00: the bulletin of the month played
  await s.advanceTo(new Date(nextMonthStart(await s.now()).at.getTime() + 60_000));
  return { month: first.month, calls };
}
