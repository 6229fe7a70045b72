// One entry for every command: validate, run the flow, and turn a refusal into an answer.
// Flows are registered here, one file each.
import { callDetails, findCall, pendingFor } from './calls.ts';
import { statusCard, unitName } from './cards.ts';
import { cancel, close, merge, rate, reopen, spotCheck } from './closing.ts';
import { type Command, commandSchema } from './commands.ts';
import { consoleLogin } from './console-login.ts';
import type { Ctx } from './context.ts';
import { acknowledge, progress, resolve, returnAssignment } from './department.ts';
import { addCo, dispatch, reassign, setDeadline } from './dispatch.ts';
import { Refusal } from './errors.ts';
import { GRAMMAR, grammarFor } from './grammar.ts';
import { heard } from './heard.ts';
import { type Message, notice } from './messages.ts';
import type { Actor } from './people.ts';
import { report } from './report.ts';
import { score } from './scoring.ts';
import { cleanDeep } from './text.ts';
import { triage } from './triage.ts';
import { type Origin, runWork } from './work.ts';

export type Outcome =
  | { ok: true; callNo?: string; callId?: string; state?: string }
  | { ok: false; code: string; reason: string };

export interface Invocation {
  actor: Actor;
  origin: Origin | null;
  /** the unit of the chat the command came from, for placing reports */
  chatUnit?: string | null;
  /** a refusal is answered elsewhere (the toast of a pressed button): post nothing */
  quiet?: boolean;
}

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

async function answer(ctx: Ctx, inv: Invocation, message: Message) {
  await runWork(ctx, inv.actor, inv.origin, (w) => w.reply(message));
}

/** Runs a command. Refusals change nothing but the answer to the person (and a log line). */
export async function execute(ctx: Ctx, inv: Invocation, input: unknown): Promise<Outcome> {
  const parsed = commandSchema.safeParse(cleanDeep(input));
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => i.message).join('；');
    ctx.log.info({ issues: parsed.error.issues.map((i) => i.message) }, 'command refused: invalid');
    if (!inv.quiet) await answer(ctx, inv, { ...notice('请检查输入', reason, 'warning'), private: true });
    return { ok: false, code: 'bad_input', reason };
  }
  const cmd = parsed.data;
  try {
    const call = await run(ctx, inv, cmd);
    return call ? { ok: true, callNo: call.no, callId: call.id, state: call.state } : { ok: true };
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    ctx.log.info(
      {
        command: cmd.type,
        code: e.code,
        detail: e.detail,
        actor: inv.actor.personId,
        ref: 'ref' in cmd ? cmd.ref : undefined,
      },
      'command refused',
    );
    if (!inv.quiet) await answer(ctx, inv, { ...notice('未能办理', e.reason, 'warning'), private: true });
    return { ok: false, code: e.code, reason: e.reason };
  }
}

async function run(ctx: Ctx, inv: Invocation, cmd: Command) {
  const { actor, origin } = inv;
  switch (cmd.type) {
    case 'help':
      await answer(ctx, inv, helpMessage(actor, cmd.all));
      return undefined;
    case 'todo': {
      const items = await pendingFor(ctx.db, actor);
      await answer(ctx, inv, {
        kind: 'todo',
        title: `${actor.name}的待办（${items.length}）`,
        tone: 'info',
        text: items.length
          ? items
              .map(
                (i) =>
                  `${i.what} ${i.call.no} ${unitName(ctx.district, i.call.street_code)} ${i.call.text.slice(0, 24)}`,
              )
              .join('\n')
          : '暂无待办事项。',
      });
      return undefined;
    }
    case 'query': {
      const call = await findCall(ctx.db, cmd.ref);
      const det = await callDetails(ctx.db, call.id);
      await answer(ctx, inv, statusCard(ctx.district, det.call, det.assignments, det.events));
      return call;
    }
    case 'report':
      return report(ctx, actor, origin, cmd, inv.chatUnit ?? null);
    case 'said': {
      const h = await heard(ctx, actor, origin, cmd, inv.chatUnit ?? null);
      return 'call' in h ? h.call : undefined;
    }
    case 'triage':
      return triage(ctx, actor, origin, cmd);
    case 'dispatch':
      return dispatch(ctx, actor, origin, cmd);
    case 'add_co':
      return addCo(ctx, actor, origin, cmd);
    case 'reassign':
      return reassign(ctx, actor, origin, cmd);
    case 'set_deadline':
      return setDeadline(ctx, actor, origin, cmd);
    case 'acknowledge':
      return acknowledge(ctx, actor, origin, cmd);
    case 'progress':
      return progress(ctx, actor, origin, cmd);
    case 'resolve':
      return resolve(ctx, actor, origin, cmd);
    case 'return':
      return returnAssignment(ctx, actor, origin, cmd);
    case 'close':
      return close(ctx, actor, origin, cmd);
    case 'reopen':
      return reopen(ctx, actor, origin, cmd);
    case 'merge':
      return merge(ctx, actor, origin, cmd);
    case 'cancel':
      return cancel(ctx, actor, origin, cmd);
    case 'score':
      return score(ctx, actor, origin, cmd);
    case 'rate':
      return rate(ctx, actor, origin, cmd);
    case 'spot_check':
      return spotCheck(ctx, actor, origin, cmd);
    case 'console_login':
      return consoleLogin(ctx, actor, origin);
  }
}
