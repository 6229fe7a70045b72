// `huying wecom check`: are the 智能机器人's Token and EncodingAESKey well formed and do they work
// together, does every bound group have a 消息推送 webhook whose key WeCom accepts, and what to set
// in the admin console (管理后台) and in each group.
import type { District } from '../../config/district.ts';
import type { Env } from '../../config/env.ts';
import { envOf } from '../adapter.ts';
import { webhookUrl } from './client.ts';
import { checkAesKey, checkToken, open, seal } from './crypto.ts';
import { DEFAULT_API_BASE, WECOM_ENV } from './env.ts';

type Out = (line: string) => void;

/**
 * Whether WeCom accepts a group robot's key, without a word in the group: a tiny file is uploaded
 * (webhook/upload_media), which only a valid key may do. Returns undefined when it is accepted.
 */
export async function probeWebhook(apiBase: string, key: string): Promise<string | undefined> {
  const form = new FormData();
  form.append('media', new Blob(['huying wecom check']), 'huying-check.txt');
  try {
    const res = await fetch(`${webhookUrl(apiBase, key, 'upload_media')}&type=file`, {
      method: 'POST',
      body: form,
      signal: AbortSignal.timeout(10_000),
    });
    const answer = (await res.json().catch(() => undefined)) as
      | { errcode?: number; errmsg?: string }
      | undefined;
    if (res.ok && answer?.errcode === 0) return undefined;
    return answer ? `${answer.errcode} ${answer.errmsg}` : `HTTP ${res.status}`;
  } catch (e) {
    return `unreachable (${(e as Error).message})`;
  }
}

/** Prints the report; returns the exit code (0 ok, 1 problems found, 2 not configured). */
export async function wecomCheckCli(
  raw: Env,
  district: District,
  out: Out = (l) => console.log(l),
): Promise<number> {
  const env = envOf(raw, WECOM_ENV);
  if (!env.WECOM_TOKEN || !env.WECOM_ENCODING_AES_KEY) {
    out('WeCom is not configured: set WECOM_TOKEN and WECOM_ENCODING_AES_KEY (see docs/wecom-setup.md).');
    return 2;
  }
  let ok = true;
  const tokenProblem = checkToken(env.WECOM_TOKEN);
  const keyProblem = checkAesKey(env.WECOM_ENCODING_AES_KEY);
  out(`token:          ${tokenProblem ? `FAILED: ${tokenProblem}` : 'ok'}`);
  if (!keyProblem) {
    // what WeCom will do to every callback, done here once: seal, then open
    const sealed = seal(env.WECOM_TOKEN, env.WECOM_ENCODING_AES_KEY, 'huying', new Date());
    const back = open(env.WECOM_ENCODING_AES_KEY, sealed.encrypt);
    out(`EncodingAESKey: ${back === 'huying' ? 'ok (encrypts and decrypts)' : 'FAILED: round trip differs'}`);
  } else out(`EncodingAESKey: FAILED: ${keyProblem}`);
  if (tokenProblem || keyProblem) ok = false;
  out(
    `bot:            ${env.WECOM_BOT_NAME}${env.WECOM_BOT_ID ? `  aibotid ${env.WECOM_BOT_ID}` : '  (WECOM_BOT_ID not set: callbacks of any bot accepted)'}`,
  );

  const apiBase = env.WECOM_API_BASE ?? DEFAULT_API_BASE;
  const chats = district.chats.filter((c) => c.platform === 'wecom');
  out('');
  out(`bound groups (district file, platform: wecom): ${chats.length}`);
  for (const c of chats) {
    const key = env.WECOM_GROUP_WEBHOOKS[c.chat_id];
    const problem = key ? await probeWebhook(apiBase, key) : 'no webhook key in WECOM_GROUP_WEBHOOKS';
    if (problem) ok = false;
    out(`  ${c.chat_id.padEnd(28)} ${c.unit.padEnd(20)} ${problem ? `FAILED: ${problem}` : 'webhook ok'}`);
  }
  const strays = Object.keys(env.WECOM_GROUP_WEBHOOKS).filter((id) => !chats.some((c) => c.chat_id === id));
  for (const id of strays) out(`  ${id.padEnd(28)} (a webhook for a group the district file does not bind)`);
  const people = district.people.filter((p) => p.ids.wecom).length;
  out(`people with a WeCom userid (ids: { wecom: … }): ${people}`);

  const base = env.HUYING_PUBLIC_URL?.replace(/\/+$/, '');
  out('');
  out('in the admin console (管理后台 → 安全与管理 → 管理工具 → 智能机器人 → 创建机器人 → API模式创建):');
  out(
    `  URL:             ${base ? `${base}/webhooks/wecom` : '<HUYING_PUBLIC_URL>/webhooks/wecom (set HUYING_PUBLIC_URL)'}`,
  );
  out('  Token:           the value of WECOM_TOKEN');
  out('  EncodingAESKey:  the value of WECOM_ENCODING_AES_KEY');
  out('  then add the bot to each group (群聊 → 添加群机器人 → 智能机器人), and in each group add a');
  out(
    '  消息推送 robot (群设置 → 消息推送 → 添加) whose webhook key goes into WECOM_GROUP_WEBHOOKS as chatid=key',
  );
  out(
    '  (a group\'s chatid: @-mention the bot there; the log line "message from an unbound chat ignored" shows it)',
  );
  out('');
  out(ok ? 'wecom check: ok' : 'wecom check: problems found (see above)');
  return ok ? 0 : 1;
}
