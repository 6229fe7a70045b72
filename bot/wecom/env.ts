// WeCom's environment variables (validated with the service's at start).
import { z } from 'zod';
import { optionalText, url } from '../../config/env.ts';

/** "chatid=key,chatid=key": each bound group's 消息推送 (group robot) webhook key, by chat id. */
export const groupWebhooks = optionalText
  .transform((v, ctx) => {
    const map: Record<string, string> = {};
    for (const pair of (v ?? '').split(/[,\n]/).map((p) => p.trim())) {
      if (!pair) continue;
      const m = /^([^=\s]+)\s*=\s*([A-Za-z0-9-]{8,64})$/.exec(pair);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `"${pair.slice(0, 40)}" is not chatid=key` });
        return z.NEVER;
      }
      map[m[1]] = m[2];
    }
    return map;
  })
  .default({});

export const WECOM_ENV = {
  /** 智能机器人 → API 模式: the Token WeCom signs callbacks with */
  WECOM_TOKEN: optionalText,
  /** …and the EncodingAESKey (43 characters) it encrypts them with */
  WECOM_ENCODING_AES_KEY: optionalText,
  /** the bot's aibotid: callbacks for another bot are refused (unset: not checked) */
  WECOM_BOT_ID: optionalText,
  /** the bot's name as people @-mention it in groups */
  WECOM_BOT_NAME: z.string().trim().min(1).default('呼应'),
  WECOM_GROUP_WEBHOOKS: groupWebhooks,
  /** the WeCom API's address (a private deployment's, or a test's fake) */
  WECOM_API_BASE: url(['http', 'https']),
};

export const DEFAULT_API_BASE = 'https://qyapi.weixin.qq.com';
