// The registry of chat platforms: each one's variables validated with the service's, which are
// switched on, and the simulator only alone or, beside a real platform, as a sandbox behind the login.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.ts';
import { ADAPTERS, enabledPlatforms, loadServiceEnv, platformLimits } from './adapters.ts';
import { simulatorMode } from './sim/platform.ts';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const lark = { LARK_APP_ID: 'cli_x', LARK_APP_SECRET: 'secret' };

describe('the platforms', () => {
  it('are one list, each with its name, its limits and its own variables', () => {
    expect(ADAPTERS.map((a) => a.platform)).toEqual(['lark', 'wecom', 'wechat', 'sim']);
    expect(platformLimits()).toMatchObject({ lark: { app: 50, chat: 5 } });
    expect(loadServiceEnv({ ...lark, LARK_MODE: 'ws' })).toMatchObject({
      LARK_APP_ID: 'cli_x',
      LARK_MODE: 'ws',
    });
    expect(problems(() => loadServiceEnv({ LARK_APP_ID: 'cli_x' }))).toEqual([
      'LARK_APP_SECRET: required when LARK_APP_ID is set',
    ]);
    expect(problems(() => loadServiceEnv({ LARK_MODE: 'carrier-pigeon' }))[0]).toMatch(/^LARK_MODE:/);
  });

  it('switch on by their variables; the simulator only where no real platform is', () => {
    expect(enabledPlatforms(loadServiceEnv({}))).toEqual(['sim']);
    expect(enabledPlatforms(loadServiceEnv({ ...lark }))).toEqual(['lark']);
    expect(enabledPlatforms(loadServiceEnv({ ...lark, WECHATY_PUPPET: 'wechaty-puppet-mock' }))).toEqual([
      'lark',
      'wechat',
    ]);
  });

  it('run the simulator alone only where no real platform is configured, and as a sandbox only with the admin login', () => {
    const mode = (source: Record<string, string>) => {
      const env = loadServiceEnv(source);
      return simulatorMode(
        env,
        enabledPlatforms(env).some((p) => p !== 'sim'),
      );
    };
    expect(mode({})).toBe('alone');
    expect(mode({ NODE_ENV: 'production' })).toBe('off');
    expect(mode({ ...lark })).toBe('off');
    expect(mode({ ...lark, HUYING_SIM: 'on', ADMIN_TOKEN: 'a'.repeat(16) })).toBe('sandbox');
    expect(problems(() => loadServiceEnv({ ...lark, HUYING_SIM: 'on' }))).toEqual([
      'HUYING_SIM: "on" beside a real chat platform runs the simulator as a sandbox behind the admin login: set ADMIN_TOKEN',
    ]);
  });
});
