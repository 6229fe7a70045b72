// One entry for every command: validate, run the command's flow, and turn a refusal into an
// answer. What each command runs is in its definition (handlers/commands.ts lists them).
import type { Invocation } from './command-def.ts';
import { commandDef, commandSchema } from './commands.ts';
import type { Ctx } from './context.ts';
import { Refusal } from './errors.ts';
import { answer } from './lookup.ts';
import { notice } from './messages.ts';
import { cleanDeep } from './text.ts';

export type { Invocation };

export type Outcome =
  | { ok: true; callNo?: string; callId?: string; state?: string }
  | { ok: false; code: string; reason: string };

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
    const call = await commandDef(cmd.type)!.run(ctx, inv, cmd);
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
