// Asking, not acting: a call's status and timeline (查询), and what waits on me (我的待办).
import { z } from 'zod';
import { callDetails, findCall, pendingFor } from './calls.ts';
import { unitName } from './cards/fields.ts';
import { statusCard } from './cards/status.ts';
import { defineCommand, EVERYONE, type Invocation, need, ok, ref, STAFF } from './command-def.ts';
import type { Ctx } from './context.ts';
import type { Message } from './messages.ts';
import { runWork } from './work.ts';

/** Answers the person who asked, in the chat they asked in. */
export async function answer(ctx: Ctx, inv: Invocation, message: Message) {
  await runWork(ctx, inv.actor, inv.origin, (w) => w.reply(message));
}

export const TODO_COMMAND = defineCommand({
  type: 'todo',
  name: '查看待办',
  roles: STAFF,
  who: '工作人员',
  schema: z.object({ type: z.literal('todo') }),
  whole: /^(我的待办|待办)$/,
  help: [{ usage: '我的待办', meaning: '列出等我处理的事项' }],
  run: async (ctx, inv) => {
    const items = await pendingFor(ctx.db, inv.actor);
    await answer(ctx, inv, {
      kind: 'todo',
      title: `${inv.actor.name}的待办（${items.length}）`,
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
  },
});

export const QUERY_COMMAND = defineCommand({
  type: 'query',
  name: '查询',
  roles: EVERYONE,
  who: '所有人',
  schema: z.object({ type: z.literal('query'), ref }),
  heads: ['查询'],
  glued: ['查询'],
  parse: ({ no }) => (no ? ok({ type: 'query', ref: no }) : need('查询 0001')),
  help: [{ usage: '查询 0001', meaning: '查看呼叫单状态与时间线' }],
  run: async (ctx, inv, cmd) => {
    const call = await findCall(ctx.db, cmd.ref);
    const det = await callDetails(ctx.db, call.id);
    await answer(ctx, inv, statusCard(ctx.district, det.call, det.assignments, det.events));
    return call;
  },
});
