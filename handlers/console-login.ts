// 登录后台: a staff member asks for the office's web console; the bot answers them alone with a
// one-time link valid for ten minutes. A login link is never posted where others can read it:
// where the platform cannot show a message to one person in a group, the bot asks them to
// message it directly.
import { z } from 'zod';
import { createLink } from '../db/console-sessions.ts';
import { defineCommand, STAFF } from './command-def.ts';
import type { Ctx } from './context.ts';
import { refuse } from './errors.ts';
import { type Message, notice } from './messages.ts';
import type { Actor } from './people.ts';
import { type Origin, runWork } from './work.ts';

export const CONSOLE_LINK_MINUTES = 10;
/** The path a login link opens; the console (bot/console) answers it. */
export const CONSOLE_LOGIN_PATH = '/console/login/';

/** Who may use the console: everyone who works the mechanism, not residents or strangers. */
export const mayUseConsole = (role: string) => role !== 'resident' && role !== 'guest' && role !== 'system';

export async function consoleLogin(ctx: Ctx, actor: Actor, origin: Origin | null): Promise<undefined> {
  if (!actor.personId || !mayUseConsole(actor.role))
    refuse(
      'forbidden',
      '后台仅供街道、部门、呼应办和区领导的工作人员使用；如您是工作人员，请联系呼应办登记身份',
      `${actor.role} may not use the console`,
    );
  if (!origin)
    return refuse('bad_input', '请在群聊或私聊中向我发送「登录后台」', 'console login without a chat');
  // in a one-to-one chat the origin names no user: every answer there is private already
  const oneToOne = !origin.userId;
  const whispers = oneToOne || (ctx.privateReplies ?? []).includes(origin.platform);
  const say = (m: Message) => runWork(ctx, actor, origin, (w) => w.reply({ ...m, private: true }));
  if (!whispers) {
    ctx.log.info({ actorId: actor.personId }, 'console login asked where no private answer is possible');
    await say(
      notice(
        '请私聊我',
        '登录链接只能私下发给您：请直接给我发私信「登录后台」，我会把一次性登录链接发给您。',
        'info',
      ),
    );
    return undefined;
  }
  const link = await createLink(ctx.db, {
    personId: actor.personId!,
    platform: origin.platform,
    now: ctx.clock.now(),
    ttlMs: CONSOLE_LINK_MINUTES * 60_000,
  });
  const url = `${(ctx.publicUrl ?? '').replace(/\/+$/, '')}${CONSOLE_LOGIN_PATH}${link.secret}`;
  ctx.log.info({ actorId: actor.personId, actorRole: actor.role }, 'console login link sent');
  await say({
    kind: 'console_login',
    title: '呼应后台 · 登录链接',
    tone: 'info',
    text: `${actor.name}，请在${CONSOLE_LINK_MINUTES}分钟内打开以下链接登录后台（只能使用一次，请勿转发）：\n${url}`,
    note: '不是您本人申请的？无需理会，链接过期后自动失效。',
  });
  return undefined;
}

/** 登录后台: one line in handlers/commands.ts. */
export const CONSOLE_LOGIN_COMMAND = defineCommand({
  type: 'console_login',
  name: '登录后台',
  roles: STAFF,
  who: '工作人员',
  schema: z.object({ type: z.literal('console_login') }),
  whole: /^登录后台$/,
  help: [
    { usage: '登录后台', meaning: `私下获取网页后台的一次性登录链接（${CONSOLE_LINK_MINUTES}分钟内有效）` },
  ],
  run: (ctx, inv) => consoleLogin(ctx, inv.actor, inv.origin),
});
