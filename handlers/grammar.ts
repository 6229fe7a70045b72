// The text command grammar, in one place: what people type (and what buttons stand for).
// Parsing: text → Command (or a Chinese hint of what is missing); formatting: the exact
// words for each action, used on buttons and in WeChat replies.
import type { District, PersonRole, Tier } from '../config/district.ts';
import type { Command } from './commands.ts';

export const TIER_WORDS: Record<string, Tier> = {
  简单: 'simple',
  一般: 'general',
  复杂: 'complex',
  重点: 'key',
  重难点: 'key',
  突发: 'emergency',
  紧急: 'emergency',
};

export const SATISFACTION_WORDS = { 满意: 'satisfied', 基本满意: 'basic', 不满意: 'unsatisfied' } as const;

const STREET: PersonRole[] = ['street_staff', 'street_head'];
const DEPARTMENT: PersonRole[] = ['liaison', 'department_head'];
const STAFF: PersonRole[] = [...STREET, 'grid_worker', ...DEPARTMENT, 'office_staff', 'leader'];
const EVERYONE: PersonRole[] = ['resident', ...STAFF];

/** The grammar, for 帮助 (each person sees what their role may use) and the README. */
export const GRAMMAR: { usage: string; meaning: string; who: string; roles: PersonRole[] }[] = [
  {
    usage: '@呼应 <问题描述>',
    meaning: '反映问题，生成呼叫单',
    who: '居民、网格员',
    roles: ['resident', 'grid_worker', ...STREET],
  },
  {
    usage: '反映 <问题描述>',
    meaning: '明确反映一个新问题（不论内容像不像致谢或询问）',
    who: '居民、网格员',
    roles: ['resident', 'grid_worker', ...STREET],
  },
  { usage: '查询 0001', meaning: '查看呼叫单状态与时间线', who: '所有人', roles: EVERYONE },
  { usage: '我的待办', meaning: '列出等我处理的事项', who: '工作人员', roles: STAFF },
  {
    usage: '呼叫 0001 [等级] [部门…]',
    meaning: '研判并按等级呼叫（等级：简单/一般/复杂/重点/突发）',
    who: '街道',
    roles: STREET,
  },
  { usage: '研判 0001 [等级] [类别] [部门…]', meaning: '只研判、暂不呼叫', who: '街道', roles: STREET },
  { usage: '自行处置 0001', meaning: '简单问题由街道自行处置', who: '街道', roles: STREET },
  { usage: '提交呼应办 0001', meaning: '按复杂问题提交呼应办派单', who: '街道', roles: STREET },
  { usage: '提交领导 0001', meaning: '按重难点问题提请区领导派单', who: '街道', roles: STREET },
  {
    usage: '派单 0001 牵头部门 [协办部门…]',
    meaning: '派单（复杂问题由呼应办，重点/突发由区领导；突发问题超时无领导派单时呼应办可代派）',
    who: '呼应办、区领导',
    roles: ['office_staff', 'leader'],
  },
  {
    usage: '协办 0001 部门…',
    meaning: '第二轮派单：增派协办部门',
    who: '呼应办、区领导',
    roles: ['office_staff', 'leader'],
  },
  { usage: '报到 0001', meaning: '部门报到', who: '部门联络员', roles: DEPARTMENT },
  { usage: '进展 0001 内容', meaning: '反馈处置进展', who: '部门联络员', roles: DEPARTMENT },
  { usage: '办结 0001 结果', meaning: '办结并说明结果', who: '部门联络员', roles: DEPARTMENT },
  { usage: '退回 0001 理由', meaning: '退回错派的呼叫', who: '部门联络员', roles: DEPARTMENT },
  { usage: '结案 0001', meaning: '确认办理结果并结案', who: '街道', roles: STREET },
  { usage: '重办 0001 理由', meaning: '不认可结果，要求重办', who: '街道', roles: STREET },
  {
    usage: '合并 0002 到 0001',
    meaning: '重复反映并入已有呼叫单',
    who: '街道',
    roles: [...STREET, 'office_staff'],
  },
  {
    usage: '撤销 0001 理由',
    meaning: '撤销（非真实问题等）',
    who: '街道、呼应办',
    roles: [...STREET, 'office_staff'],
  },
  {
    usage: '改派 0001 原部门 新部门 [理由]',
    meaning: '改派承办部门',
    who: '呼应办、区领导',
    roles: ['office_staff', 'leader'],
  },
  {
    usage: '延期 0001 部门 2026-12-01 理由',
    meaning: '调整办结时限（也可写 3wd、2wh）',
    who: '呼应办、区领导',
    roles: ['office_staff', 'leader'],
  },
  {
    usage: '评分 0001 [部门] 20 18 20 19 20 意见',
    meaning: '逆向评议：报到 专业性 担当意识 配合度 办理结果，各0–20分（部门可写简称，如 城管委）',
    who: '街道',
    roles: STREET,
  },
  {
    usage: '满意 0001 / 基本满意 0001 / 不满意 0001',
    meaning: '评价满意度',
    who: '反映人',
    roles: ['resident', 'grid_worker'],
  },
  { usage: '督查 0001 [备注]', meaning: '标记暗访督查', who: '呼应办', roles: ['office_staff'] },
  {
    usage: '登录后台',
    meaning: '私下获取网页后台的一次性登录链接（10分钟内有效）',
    who: '工作人员',
    roles: STAFF,
  },
  { usage: '帮助', meaning: '显示本人可用的指令（「帮助 全部」显示全部）', who: '所有人', roles: EVERYONE },
];

/** The grammar lines a person of this role may use (everything for admins, or when asked). */
export const grammarFor = (role: string, all = false) =>
  all || role === 'admin' || role === 'system'
    ? GRAMMAR
    : GRAMMAR.filter(
        (g) => (g.roles as string[]).includes(role) || (role === 'guest' && g.roles === EVERYONE),
      );

/** Words for buttons and replies: the exact text that performs each action. */
export const say = {
  call: (no: string, extra = '') => `呼叫 ${no}${extra ? ` ${extra}` : ''}`,
  selfHandle: (no: string) => `自行处置 ${no}`,
  toOffice: (no: string) => `提交呼应办 ${no}`,
  toLeaders: (no: string) => `提交领导 ${no}`,
  dispatch: (no: string, units: string[]) => `派单 ${no} ${units.join(' ')}`,
  addCo: (no: string, units: string[]) => `协办 ${no} ${units.join(' ')}`,
  acknowledge: (no: string, unit?: string) => `报到 ${no}${unit ? ` ${unit}` : ''}`,
  progress: (no: string) => `进展 ${no} `,
  resolve: (no: string) => `办结 ${no} `,
  return: (no: string) => `退回 ${no} `,
  close: (no: string) => `结案 ${no}`,
  reopen: (no: string) => `重办 ${no} `,
  cancel: (no: string) => `撤销 ${no} `,
  merge: (no: string, into: string) => `合并 ${no} 到 ${into}`,
  query: (no: string) => `查询 ${no}`,
  rate: (no: string, answer: keyof typeof SATISFACTION_WORDS) => `${answer} ${no}`,
  score: (no: string, unit: string, s: number[], comment = '') =>
    `评分 ${no} ${unit} ${s.join(' ')}${comment ? ` ${comment}` : ''}`,
};

export type ParseResult = { ok: true; command: Command } | { ok: false; hint: string } | null;

/** Finds a department (or other unit) by code, full name, or name without the 区/局 trimmings. */
export function findUnitCode(d: District, word: string): string | undefined {
  const w = word.trim();
  if (d.units.has(w)) return w;
  for (const u of d.units.values()) if (u.name === w) return u.code;
  const core = (s: string) => s.replace(/^(区|国网|公安)/, '').replace(/(局|委|中心|大队|分局)$/, '');
  for (const u of d.units.values())
    if (
      u.kind === 'department' &&
      core(u.name) &&
      (core(u.name) === core(w) || u.name.includes(w)) &&
      w.length >= 2
    )
      return u.code;
  return undefined;
}

const words = (s: string) =>
  s
    .trim()
    .split(/[\s,，、]+/)
    .filter(Boolean);

/**
 * Parses a text command. Returns null when the text is not a command at all (then it may
 * be a report), or a hint in Chinese when it is a command with something missing.
 */
export function parseCommand(text: string, d: District): ParseResult {
  const t = text.replace(/\s+/g, ' ').trim();
  if (!t) return null;
  if (/^(帮助|help|\?|？)$/i.test(t)) return { ok: true, command: { type: 'help', all: false } };
  if (/^(帮助|help)\s*(全部|all)$/i.test(t)) return { ok: true, command: { type: 'help', all: true } };
  if (/^我的待办$/.test(t) || t === '待办') return { ok: true, command: { type: 'todo' } };
  if (/^登录后台$/.test(t)) return { ok: true, command: { type: 'console_login' } };
  const m = /^(\S+)\s*(.*)$/.exec(t)!;
  let [, head, rest] = m;
  // "基本满意0001" and "报到0001": a command word stuck to the number
  const glued = /^(基本满意|不满意|满意|报到|结案|查询|呼叫|督查)(\S+)$/.exec(head);
  if (glued) [, head, rest] = [glued[0], glued[1], `${glued[2]} ${rest}`.trim()];
  const args = words(rest);
  const no = args[0];
  const need = (usage: string): ParseResult => ({ ok: false, hint: `格式：${usage}` });
  const textAfter = (n: number) => rest.trim().split(/\s+/).slice(n).join(' ').trim();
  switch (head) {
    case '反映': {
      // a new report, said outright (after the bot asked whether a thank-you or a question was one)
      const words = rest.trim();
      return words
        ? { ok: true, command: { type: 'report', text: words, images: [], emergency: false, source: 'chat' } }
        : need('反映 问题和地点');
    }
    case '查询':
      return no ? { ok: true, command: { type: 'query', ref: no } } : need('查询 0001');
    case '报到':
      return no
        ? { ok: true, command: { type: 'acknowledge', ref: no, unit: args[1] && findUnitCode(d, args[1]) } }
        : need('报到 0001');
    case '进展':
      return no && textAfter(1)
        ? { ok: true, command: { type: 'progress', ref: no, text: textAfter(1) } }
        : need('进展 0001 处置进展');
    case '办结':
      return no && textAfter(1)
        ? { ok: true, command: { type: 'resolve', ref: no, text: textAfter(1), images: [] } }
        : need('办结 0001 办理结果');
    case '退回':
      return no && textAfter(1)
        ? { ok: true, command: { type: 'return', ref: no, reason: textAfter(1) } }
        : need('退回 0001 退回理由');
    case '结案':
      return no ? { ok: true, command: { type: 'close', ref: no } } : need('结案 0001');
    case '重办':
      return no && textAfter(1)
        ? { ok: true, command: { type: 'reopen', ref: no, reason: textAfter(1) } }
        : need('重办 0001 重办理由');
    case '撤销':
      return no && textAfter(1)
        ? { ok: true, command: { type: 'cancel', ref: no, reason: textAfter(1) } }
        : need('撤销 0001 撤销理由');
    case '合并': {
      const into = args[1] === '到' || args[1] === '入' ? args[2] : args[1];
      return no && into ? { ok: true, command: { type: 'merge', ref: no, into } } : need('合并 0002 到 0001');
    }
    case '督查':
      return no
        ? { ok: true, command: { type: 'spot_check', ref: no, note: textAfter(1) || undefined } }
        : need('督查 0001 备注');
    case '满意':
    case '基本满意':
    case '不满意':
      return no
        ? { ok: true, command: { type: 'rate', ref: no, answer: SATISFACTION_WORDS[head] } }
        : need(`${head} 0001`);
    case '呼叫':
    case '研判':
    case '自行处置':
    case '提交呼应办':
    case '提交领导': {
      if (!no) return need(`${head} 0001`);
      const fixed: Record<string, Tier | undefined> = {
        自行处置: 'simple',
        提交呼应办: 'complex',
        提交领导: 'key',
      };
      let tier = fixed[head];
      let category: string | undefined;
      const units: string[] = [];
      for (const a of args.slice(1)) {
        const bare = a.replace(/(问题|等级)$/, '');
        if (TIER_WORDS[bare]) tier = TIER_WORDS[bare];
        else if (d.catalogByCode.has(a)) category = a;
        else if (d.catalog.some((c) => c.name === a)) category = d.catalog.find((c) => c.name === a)!.code;
        else {
          const u = findUnitCode(d, a);
          if (!u)
            return { ok: false, hint: `不认识“${a}”：请写等级（简单/一般/复杂/重点/突发）、类别或部门名称` };
          units.push(u);
        }
      }
      return {
        ok: true,
        command: {
          type: 'triage',
          ref: no,
          tier,
          category,
          lead: units[0],
          co: units.length > 1 ? units.slice(1) : undefined,
          call: head !== '研判',
        },
      };
    }
    case '派单':
    case '协办': {
      const units = args.slice(1).map((a) => [a, findUnitCode(d, a)] as const);
      const unknown = units.find(([, u]) => !u);
      if (unknown) return { ok: false, hint: `没有找到部门“${unknown[0]}”` };
      if (!no || !units.length) return need(`${head} 0001 部门`);
      return {
        ok: true,
        command: {
          type: head === '派单' ? 'dispatch' : 'add_co',
          ref: no,
          departments: units.map(([, u]) => u!),
        },
      };
    }
    case '改派': {
      const from = args[1] && findUnitCode(d, args[1]);
      const to = args[2] && findUnitCode(d, args[2]);
      if (!no || !from || !to) return need('改派 0001 原部门 新部门 理由');
      return {
        ok: true,
        command: { type: 'reassign', ref: no, from, to, reason: textAfter(3) || undefined },
      };
    }
    case '延期': {
      const unit = args[1] && findUnitCode(d, args[1]);
      let i = 2;
      let kind: 'ack' | 'resolve' = 'resolve';
      if (args[i] === '报到' || args[i] === '办结') kind = args[i++] === '报到' ? 'ack' : 'resolve';
      let due = args[i++];
      if (due && /^\d{1,2}:\d{2}$/.test(args[i] ?? '')) due = `${due} ${args[i++]}`;
      const why = textAfter(i);
      if (!no || !unit || !due || !why) return need('延期 0001 部门 2026-12-01 理由（或 3wd、2wh）');
      return { ok: true, command: { type: 'set_deadline', ref: no, unit, kind, due, reason: why } };
    }
    case '评分': {
      if (!no) return need('评分 0001 20 18 20 19 20 意见');
      let i = 1;
      let unit: string | undefined;
      if (args[1] && !/^\d+$/.test(args[1])) {
        unit = findUnitCode(d, args[1]);
        if (!unit) return { ok: false, hint: `没有找到部门“${args[1]}”` };
        i = 2;
      }
      const nums = args.slice(i, i + 5);
      const bad = nums.find((n) => !/^\d+$/.test(n));
      if (nums.length < 5 || bad)
        return {
          ok: false,
          hint: `评分需要五项0–20的整数：报到 专业性 担当意识 配合度 办理结果${bad ? `（“${bad}”不是整数）` : `（只给了${nums.filter((n) => /^\d+$/.test(n)).length}项）`}\n例：评分 0001 20 18 20 19 20 处置及时`,
        };
      const scores = nums.map(Number);
      const out = scores.map((s, k) => [s, k] as const).filter(([s]) => s > 20);
      if (out.length)
        return {
          ok: false,
          hint: `每项评分在0到20之间：${out.map(([s, k]) => `${SCORE_DIMENSIONS[k]} ${s}`).join('，')} 超出范围`,
        };
      return {
        ok: true,
        command: {
          type: 'score',
          ref: no,
          unit,
          scores: scores as [number, number, number, number, number],
          comment: textAfter(i + 5) || undefined,
        },
      };
    }
    default:
      return null;
  }
}

export const SCORE_DIMENSIONS = ['报到', '专业性', '担当意识', '配合度', '办理结果'] as const;
