import { type Adapter, envOf } from '../adapter.ts';
import { WECHAT_ENV } from './env.ts';

export const wechat: Adapter = {
  platform: 'wechat',
  label: '微信',
  env: WECHAT_ENV,
  configured: (env) => !!envOf(env, WECHAT_ENV).WECHATY_PUPPET,
  // a personal account sending fast is taken for spam: slowly, and one at a time per room
  limits: { app: 5, chat: 1 },
  async mount({ app, services, roles }) {
    await (await import('./index.ts')).mountWechat(app, services, roles);
  },
};
