// Every command a person can give, listed once. Each is defined beside its flow
// (handlers/command-def.ts says what a definition holds); from this list come the schema that
// validates commands at the boundary, the text grammar (what people type, and what buttons stand
// for), the help each role sees, and the executor's dispatch (handlers/execute.ts).
import { z } from 'zod';
import type { District } from '../config/district.ts';
import { CLOSING_COMMANDS } from './closing.ts';
import {
  type CommandDef,
  type CommandSchema,
  defineCommand,
  EVERYONE,
  type HelpLine,
  ok,
  type Parsed,
} from './command-def.ts';
import { CONSOLE_LOGIN_COMMAND } from './console-login.ts';
import { DEPARTMENT_COMMANDS } from './department.ts';
import { DISPATCH_COMMANDS } from './dispatch.ts';
import { SAID_COMMAND } from './heard.ts';
import { answer, QUERY_COMMAND, TODO_COMMAND } from './lookup.ts';
import type { Message } from './messages.ts';
import type { Actor } from './people.ts';
import { REPORT_COMMAND } from './report.ts';
import { SCORE_COMMAND } from './scoring.ts';
import { TRIAGE_COMMAND } from './triage.ts';

const HELP_COMMAND = defineCommand({
  type: 'help',
  name: '查看帮助',
  roles: EVERYONE,
  who: '所有人',
  schema: z.object({ type: z.literal('help'), all: z.boolean().default(false) }),
  whole: /^(帮助|help|\?|？)(\s*(全部|all))?$/i,
  parse: ({ head }) => ok({ type: 'help', all: /(全部|all)$/i.test(head) }),
  help: [{ usage: '帮助', meaning: '显示本人可用的指令（「帮助 全部」显示全部）' }],
  run: async (ctx, inv, cmd) => {
    await answer(ctx, inv, helpMessage(inv.actor, cmd.all));
    return undefined;
  },
});

/** Every command, in the order the help lists them. */
const DEFINITIONS = [
  SAID_COMMAND,
  REPORT_COMMAND,
  QUERY_COMMAND,
  TODO_COMMAND,
  TRIAGE_COMMAND,
  DISPATCH_COMMANDS.dispatch,
  DISPATCH_COMMANDS.add_co,
  DEPARTMENT_COMMANDS.acknowledge,
  DEPARTMENT_COMMANDS.progress,
  DEPARTMENT_COMMANDS.resolve,
  DEPARTMENT_COMMANDS.return,
  CLOSING_COMMANDS.close,
  CLOSING_COMMANDS.reopen,
  CLOSING_COMMANDS.merge,
  CLOSING_COMMANDS.cancel,
  DISPATCH_COMMANDS.reassign,
  DISPATCH_COMMANDS.set_deadline,
  SCORE_COMMAND,
  CLOSING_COMMANDS.rate,
  CLOSING_COMMANDS.spot_check,
  CONSOLE_LOGIN_COMMAND,
  HELP_COMMAND,
] as const;

type SchemasOf<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: T[K] extends { schema: infer S } ? S : never;
};
type Schemas = SchemasOf<typeof DEFINITIONS>;

export const COMMANDS: readonly CommandDef[] = DEFINITIONS as readonly CommandDef[];

export const commandSchema = z.discriminatedUnion(
  'type',
  DEFINITIONS.map((c) => c.schema) as unknown as Schemas,
);

export type Command = z.infer<typeof commandSchema>;
export type CommandType = Command['type'];
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

const byType = new Map(COMMANDS.map((c) => [c.type, c]));
const byHead = new Map(COMMANDS.flatMap((c) => (c.heads ?? []).map((h) => [h, c] as const)));
const GLUED = COMMANDS.flatMap((c) => c.glued ?? []).sort((a, b) => b.length - a.length);
const gluedPattern = new RegExp(`^(${GLUED.join('|')})(\\S+)$`);

/** The definition of a command type. */
export const commandDef = (type: string) => byType.get(type);

/** The grammar, for 帮助 (each person sees what their role may use) and the README. */
export const GRAMMAR: (HelpLine & { who: string; roles: readonly string[] })[] = COMMANDS.flatMap((c) =>
  c.help.map((h) => ({ ...h, who: c.who, roles: c.roles })),
);

/** The grammar lines a person of this role may use (everything for admins, or when asked). */
export const grammarFor = (role: string, all = false) =>
  all || role === 'admin' || role === 'system'
    ? GRAMMAR
    : GRAMMAR.filter((g) => g.roles.includes(role) || (role === 'guest' && g.roles === EVERYONE));

export function helpMessage(actor?: Pick<Actor, 'role'>, all = false): Message {
  const lines = grammarFor(actor?.role ?? 'admin', all);
  const everything = lines.length === GRAMMAR.length;
  return {
    kind: 'help',
    title: '呼应 · 使用说明',
    tone: 'info',
    text:
      lines.map((g) => `${g.usage}\n    ${g.meaning}（${g.who}）`).join('\n') +
      (everything ? '' : '\n\n以上为您可用的指令；发送「帮助 全部」查看全部指令。'),
  };
}

export type ParseResult = Parsed<Command> | null;

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
  for (const c of COMMANDS)
    if (c.whole?.test(t)) {
      const rest = t.replace(/^\S+\s*/, '');
      return parsed(c, { head: t, args: words(rest), no: undefined, after: () => rest, d });
    }
  const m = /^(\S+)\s*(.*)$/.exec(t)!;
  let [, head, rest] = m;
  // "基本满意0001" and "报到0001": a command word stuck to the number
  if (!byHead.has(head)) {
    const glued = gluedPattern.exec(head);
    if (glued) [head, rest] = [glued[1], `${glued[2]} ${rest}`.trim()];
  }
  const def = byHead.get(head);
  if (!def?.parse) return null;
  const args = words(rest);
  return parsed(def, {
    head,
    args,
    no: args[0],
    after: (n) => rest.trim().split(/\s+/).slice(n).join(' ').trim(),
    d,
  });
}

function parsed(def: CommandDef<CommandSchema>, t: Parameters<NonNullable<CommandDef['parse']>>[0]) {
  const r = def.parse ? def.parse(t) : { ok: true as const, command: { type: def.type } };
  return r as ParseResult;
}
