// `huying lark check`: are the Lark credentials right, who is the bot, and what to configure in
// the developer console (scopes, events, callback URL or long connection).
import type { Env } from '../../config/env.ts';
import { silentLogger } from '../../config/log.ts';
import { envOf } from '../adapter.ts';
import { webhookRefusal } from './adapter.ts';
import { createLarkApi } from './client.ts';
import { LARK_ENV } from './env.ts';

export const LARK_SCOPES: { scope: string; why: string }[] = [
  { scope: 'im:message', why: '读取与发送消息 (read and send messages)' },
  { scope: 'im:message.group_at_msg:readonly', why: '接收群聊中@机器人消息 (group messages that @ the bot)' },
  {
    scope: 'im:message.p2p_msg:readonly',
    why: '读取用户发给机器人的单聊消息 (direct messages: 我的待办, 查询)',
  },
  { scope: 'im:message:send_as_bot', why: '以应用的身份发消息 (send as the bot)' },
  { scope: 'im:resource', why: '获取与上传图片或文件资源 (images in reports, charts in bulletins)' },
  { scope: 'im:chat:readonly', why: '获取群组信息 (chat names and ids)' },
];

export const LARK_EVENTS: { name: string; why: string }[] = [
  { name: 'im.message.receive_v1', why: '接收消息 (reports and typed commands)' },
];
export const LARK_CALLBACKS: { name: string; why: string }[] = [
  { name: 'card.action.trigger', why: '卡片回传交互 (buttons and forms on cards)' },
];

type Out = (line: string) => void;

/** Prints the report; returns the exit code (0 ok, 1 Lark refused or unreachable, 2 not configured). */
export async function larkCheckCli(raw: Env, out: Out = (l) => console.log(l)): Promise<number> {
  const env = envOf(raw, LARK_ENV);
  if (!env.LARK_APP_ID || !env.LARK_APP_SECRET) {
    out('Lark is not configured: set LARK_APP_ID and LARK_APP_SECRET (see docs/lark-setup.md).');
    return 2;
  }
  out(`app:     ${env.LARK_APP_ID}`);
  out(`domain:  ${env.LARK_DOMAIN ?? 'https://open.feishu.cn (default)'}`);
  const api = createLarkApi(
    { appId: env.LARK_APP_ID, appSecret: env.LARK_APP_SECRET, domain: env.LARK_DOMAIN, timeoutMs: 10_000 },
    silentLogger,
  );
  let ok = true;
  try {
    const bot = await api.botInfo();
    out(`token:   ok (tenant_access_token issued)`);
    out(`bot:     ${bot.name || '(no name)'}  open_id ${bot.openId}`);
  } catch (e) {
    ok = false;
    const msg = (e as Error).message;
    out(`token:   FAILED: ${msg}`);
    if (/10003|10014|app secret|app_id/i.test(msg))
      out(
        '         check LARK_APP_ID and LARK_APP_SECRET (开发者后台 → 凭证与基础信息 Credentials & Basic Info)',
      );
    else if (/99991672|bot|activate/i.test(msg))
      out('         enable the bot capability (应用能力 → 机器人 Bot) and publish a version');
  }

  out('');
  out('scopes to grant (权限管理 Permissions & Scopes):');
  for (const s of LARK_SCOPES) out(`  ${s.scope.padEnd(36)} ${s.why}`);
  out('');
  out('events and callbacks (事件与回调 Events & Callbacks):');
  for (const e of LARK_EVENTS) out(`  event     ${e.name.padEnd(26)} ${e.why}`);
  for (const e of LARK_CALLBACKS) out(`  callback  ${e.name.padEnd(26)} ${e.why}`);
  out('');
  if (env.LARK_MODE === 'ws') {
    out('delivery: long connection (LARK_MODE=ws)');
    out('  choose 使用长连接接收事件/回调 (receive events/callbacks through persistent connection) for both');
  } else {
    const base = env.HUYING_PUBLIC_URL?.replace(/\/+$/, '');
    out('delivery: webhook (LARK_MODE=webhook)');
    out(
      `  request URL for events and callbacks: ${base ? `${base}/webhooks/lark` : '<HUYING_PUBLIC_URL>/webhooks/lark (set HUYING_PUBLIC_URL)'}`,
    );
    out(`  encrypt key:        ${env.LARK_ENCRYPT_KEY ? 'set' : 'NOT SET (加密策略 Encrypt Key)'}`);
    out(`  verification token: ${env.LARK_VERIFICATION_TOKEN ? 'set' : 'NOT SET (Verification Token)'}`);
    const refusal = webhookRefusal(env);
    if (refusal) {
      ok = false;
      out(`  ${refusal}`);
    }
  }
  out('');
  out(ok ? 'lark check: ok' : 'lark check: problems found (see above)');
  return ok ? 0 : 1;
}
