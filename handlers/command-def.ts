// What one command is: its words (how it is typed and the help line that teaches it), its schema,
// who may give it, and what it runs. Each flow module defines its own commands beside the flow;
// handlers/commands.ts lists them, and the grammar, the executor, the help and the permission
// checks all read these definitions. This module is a leaf: the pieces every definition shares.
import { z } from 'zod';
import type { District, PersonRole, Tier } from '../config/district.ts';
import type { Call } from '../db/schema.ts';
import type { Ctx } from './context.ts';
import type { Actor } from './people.ts';
import type { Origin } from './work.ts';

export interface Invocation {
  actor: Actor;
  origin: Origin | null;
  /** the unit of the chat the command came from, for placing reports */
  chatUnit?: string | null;
  /** a refusal is answered elsewhere (the toast of a pressed button): post nothing */
  quiet?: boolean;
}

/** A typed command, split: its first word, the words after it, and the raw rest. */
export interface Typed {
  head: string;
  args: string[];
  /** the call's number (the first word after the head), when there is one */
  no: string | undefined;
  /** the text after the first n words of the rest, spaces kept */
  after(n: number): string;
  d: District;
}

export type Parsed<C> = { ok: true; command: C } | { ok: false; hint: string };

export interface HelpLine {
  usage: string;
  meaning: string;
}

/** Who may give a command, and what it is called when someone may not. */
export interface Permit {
  type: string;
  /** the action in words: 报到, 派单 … («只有…可以报到此呼叫») */
  name: string;
  /** the roles that may give it (the help shows each person their own) */
  roles: readonly PersonRole[];
}

export type CommandSchema = z.ZodObject<{ type: z.ZodLiteral<string> } & Record<string, any>>;

export interface CommandDef<S extends CommandSchema = CommandSchema> extends Permit {
  schema: S;
  /** the roles, in words, for the help («街道、呼应办») */
  who: string;
  /** its first words; a command word the number may be stuck to is listed in `glued` */
  heads?: readonly string[];
  glued?: readonly string[];
  /** or the whole text, for commands without a number (帮助, 我的待办) */
  whole?: RegExp;
  parse?(t: Typed): Parsed<z.input<S>>;
  help: readonly HelpLine[];
  run(ctx: Ctx, inv: Invocation, cmd: z.output<S>): Promise<Call | undefined>;
}

export const defineCommand = <S extends CommandSchema>(def: CommandDef<S>) => def;

// the schema pieces commands share
export const ref = z.string().trim().min(1, '缺少呼叫单编号');
export const reason = z.string().trim().min(2, '请写明理由').max(500, '理由请控制在500字以内');
export const unit = z.string().trim().min(1);
export const dim = z
  .number()
  .int('评分须为整数')
  .min(0, '每项评分在0到20之间')
  .max(20, '每项评分在0到20之间');
export const reportText = z.string().trim().min(1).max(2000, '内容过长，请精简到2000字以内');

// the roles commands name
export const STREET: PersonRole[] = ['street_staff', 'street_head'];
export const DEPARTMENT: PersonRole[] = ['liaison', 'department_head'];
export const SUPERVISORS: PersonRole[] = ['office_staff', 'leader'];
export const REPORTERS: PersonRole[] = ['resident', 'grid_worker', ...STREET];
export const STAFF: PersonRole[] = [...STREET, 'grid_worker', ...DEPARTMENT, ...SUPERVISORS];
export const EVERYONE: PersonRole[] = ['resident', ...STAFF];

/** A hint that shows the command's shape. */
export const need = (usage: string) => ({ ok: false as const, hint: `格式：${usage}` });
export const ok = <const C>(command: C) => ({ ok: true as const, command });

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

export const SCORE_DIMENSIONS = ['报到', '专业性', '担当意识', '配合度', '办理结果'] as const;

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
