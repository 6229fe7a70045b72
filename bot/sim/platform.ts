// The web chat simulator as a platform, and the one sandbox: alone where no real platform is
// configured (then it is the whole system, to try it out); beside one only when switched on, as
// a sandbox behind the admin login in a world of its own (bot/sim/sandbox.ts).
import { z } from 'zod';
import type { Env } from '../../config/env.ts';
import { type Adapter, envOf } from '../adapter.ts';

const SIM_LIMITS = { app: 200, chat: 50 };

export const SIM_ENV = { HUYING_SIM: z.enum(['on', 'off', 'auto']).default('auto') };

/**
 * Where the simulator runs. `alone`: no real platform is configured (on unless production, or
 * forced with HUYING_SIM=on). `sandbox`: switched on explicitly beside a real platform. `off`.
 */
export type SimulatorMode = 'off' | 'alone' | 'sandbox';
export function simulatorMode(env: Env, realPlatformConfigured: boolean): SimulatorMode {
  const on = envOf(env, SIM_ENV).HUYING_SIM;
  if (on === 'off') return 'off';
  if (realPlatformConfigured) return on === 'on' ? 'sandbox' : 'off';
  if (on === 'on') return 'alone';
  return env.NODE_ENV === 'production' ? 'off' : 'alone';
}

export const sim: Adapter = {
  platform: 'sim',
  label: '模拟器',
  env: SIM_ENV,
  sandbox: true,
  check: (env, o) =>
    simulatorMode(env, o.realPlatformConfigured) === 'sandbox' && !env.ADMIN_TOKEN
      ? [
          'HUYING_SIM: "on" beside a real chat platform runs the simulator as a sandbox behind the admin login: set ADMIN_TOKEN',
        ]
      : [],
  // only alone does it take the service's chats; as a sandbox it keeps a world of its own
  configured: (env, o) => simulatorMode(env, o.realPlatformConfigured) === 'alone',
  privateInGroups: true,
  limits: SIM_LIMITS,
  async mount({ app, services, roles, realPlatformConfigured }) {
    const mode = simulatorMode(services.runtime.env, realPlatformConfigured);
    if (mode === 'alone') await (await import('./index.ts')).mountSimulator(app, services, roles);
    if (mode === 'sandbox' && roles.web)
      await (await import('./sandbox.ts')).mountSandbox(app, services, SIM_LIMITS);
  },
};
