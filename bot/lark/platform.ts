import { type Adapter, envOf } from '../adapter.ts';
import { LARK_ENV } from './env.ts';

export const lark: Adapter = {
  platform: 'lark',
  label: '飞书',
  env: LARK_ENV,
  check: (env) =>
    envOf(env, LARK_ENV).LARK_APP_ID && !envOf(env, LARK_ENV).LARK_APP_SECRET
      ? ['LARK_APP_SECRET: required when LARK_APP_ID is set']
      : [],
  configured: (env) => !!envOf(env, LARK_ENV).LARK_APP_ID,
  // 50 sends a second per app; 5 a second into one chat (shared by every bot in it)
  privateInGroups: true,
  limits: { app: 50, chat: 5 },
  async mount({ app, services, roles }) {
    await (await import('./adapter.ts')).mountLark(app, services, roles);
  },
};
