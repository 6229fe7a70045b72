// The chat platforms Huying speaks, in one list: adding one is a folder under bot/ with its
// Adapter (bot/adapter.ts) and one line here. Everything that must know which platforms there are
// asks here: the environment's variables, which are switched on, their rate limits.
import type { District } from '../config/district.ts';
import { type Env, type EnvPart, loadEnv } from '../config/env.ts';
import { ConfigError } from '../config/errors.ts';
import type { Adapter } from './adapter.ts';
import { lark } from './lark/platform.ts';
import { sim } from './sim/platform.ts';
import { wechat } from './wechat/platform.ts';
import { wecom } from './wecom/platform.ts';

export const ADAPTERS: readonly Adapter[] = [lark, wecom, wechat, sim];

/** Whether a real platform (one people are on, not a sandbox) is configured. */
export const realPlatformConfigured = (env: Env) =>
  ADAPTERS.some((a) => !a.sandbox && a.configured(env, { realPlatformConfigured: false }));

/** The platforms switched on: messages go only to chats on these. */
export function enabledPlatforms(env: Env): string[] {
  const real = realPlatformConfigured(env);
  return ADAPTERS.filter((a) => a.configured(env, { realPlatformConfigured: real })).map((a) => a.platform);
}

/** The environment with every platform's variables, validated once (exit 2 on a bad one). */
export function loadServiceEnv(source: Record<string, string | undefined> = process.env): Env {
  const parts: EnvPart[] = ADAPTERS.map((a) => ({
    shape: a.env,
    check: a.check && ((env: Env) => a.check!(env, { realPlatformConfigured: realPlatformConfigured(env) })),
  }));
  return loadEnv(source, parts);
}

/** The platforms that can answer one person alone inside a group chat. */
export const privateReplyPlatforms = () => ADAPTERS.filter((a) => a.privateInGroups).map((a) => a.platform);

/** Sends per second each platform allows (the send worker waits within them). */
export const platformLimits = () => Object.fromEntries(ADAPTERS.map((a) => [a.platform, a.limits]));

/** What people call each platform. */
export const platformLabels = () => Object.fromEntries(ADAPTERS.map((a) => [a.platform, a.label]));

/** What people call a platform. */
export const platformLabel = (platform: string) =>
  ADAPTERS.find((a) => a.platform === platform)?.label ?? platform;

export const knownPlatform = (platform: string) => ADAPTERS.some((a) => a.platform === platform);

/** The district file names only platforms Huying speaks (in chats, and in people's ids). */
export function checkDistrictPlatforms(d: District): void {
  const known = ADAPTERS.map((a) => a.platform);
  const problems = [
    ...d.chats.flatMap((c, i) =>
      knownPlatform(c.platform)
        ? []
        : [`chats.${i}.platform: no platform "${c.platform}" (${known.join(', ')})`],
    ),
    ...d.people.flatMap((p, i) =>
      Object.keys(p.ids)
        .filter((platform) => !knownPlatform(platform))
        .map((platform) => `people.${i}.ids.${platform}: no platform "${platform}" (${known.join(', ')})`),
    ),
  ];
  if (problems.length) throw new ConfigError(d.source, problems);
}
