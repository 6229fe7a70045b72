import { type Adapter, envOf } from '../adapter.ts';
import { checkAesKey, checkToken } from './crypto.ts';
import { WECOM_ENV } from './env.ts';

export const wecom: Adapter = {
  platform: 'wecom',
  label: '企业微信',
  env: WECOM_ENV,
  check(raw) {
    const env = envOf(raw, WECOM_ENV);
    if (!env.WECOM_TOKEN && !env.WECOM_ENCODING_AES_KEY) return [];
    if (!env.WECOM_TOKEN) return ['WECOM_TOKEN: required when WECOM_ENCODING_AES_KEY is set'];
    if (!env.WECOM_ENCODING_AES_KEY) return ['WECOM_ENCODING_AES_KEY: required when WECOM_TOKEN is set'];
    const token = checkToken(env.WECOM_TOKEN);
    const key = checkAesKey(env.WECOM_ENCODING_AES_KEY);
    return [...(token ? [`WECOM_TOKEN: ${token}`] : []), ...(key ? [`WECOM_ENCODING_AES_KEY: ${key}`] : [])];
  },
  configured: (env) => !!envOf(env, WECOM_ENV).WECOM_TOKEN,
  // A group robot (消息推送) takes 20 messages a minute; the limiter counts whole sends a second,
  // so 1 a second into a chat, and WeCom's 45009 past 20 in a minute waits for the next minute.
  limits: { app: 20, chat: 1 },
  async mount({ app, services, roles }) {
    await (await import('./adapter.ts')).mountWecom(app, services, roles);
  },
};
