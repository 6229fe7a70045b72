// The process environment, parsed once at start with zod and passed in from there.
import { z } from 'zod';
import { ConfigError, describeIssues } from './errors.ts';

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const url = (protocols: string[]) =>
  optionalText.refine(
    (v) => v === undefined || protocols.some((p) => v.startsWith(`${p}://`)),
    `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
  );

export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: url(['postgres', 'postgresql']),
  REDIS_URL: url(['redis', 'rediss']),
  /** keys of the queues and rate limits in Redis start with this: deployments sharing one Redis
   * database each need their own */
  HUYING_QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, _ or -')
    .default('huying'),
  /** a chat's outgoing line is long with this many messages waiting, or with its oldest waiting
   * this many seconds; the office is warned once it stays long HUYING_LINE_WARN_AFTER seconds */
  HUYING_LINE_WARN_COUNT: z.coerce.number().int().min(1).default(200),
  HUYING_LINE_WARN_WAIT: z.coerce.number().int().min(1).default(60),
  HUYING_LINE_WARN_AFTER: z.coerce.number().int().min(0).default(60),
  HUYING_CONFIG: optionalText,
  HUYING_DATA_DIR: z.string().default('./data'),
  HUYING_CLOCK: z.enum(['system', 'manual']).default('system'),
  HUYING_SIM: z.enum(['on', 'off', 'auto']).default('auto'),
  HUYING_PUBLIC_URL: optionalText,
  ADMIN_TOKEN: optionalText.refine(
    (v) => v === undefined || v.length >= 16,
    'must be at least 16 characters',
  ),
  LARK_APP_ID: optionalText,
  LARK_APP_SECRET: optionalText,
  LARK_ENCRYPT_KEY: optionalText,
  LARK_VERIFICATION_TOKEN: optionalText,
  LARK_DOMAIN: url(['http', 'https']),
  LARK_MODE: z.enum(['webhook', 'ws']).default('webhook'),
  WECHATY_PUPPET: optionalText,
  WECHATY_PUPPET_SERVICE_TOKEN: optionalText,
  /** how often each process looks for accepted events nobody is working on (ms) */
  HUYING_INBOX_SWEEP_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** auto: readable lines on a terminal outside production, JSON lines otherwise */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
});

export type Env = z.infer<typeof envSchema>;

/** Parses the environment; throws ConfigError listing every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError('environment', describeIssues(parsed.error.issues));
  const env = parsed.data;
  const problems: string[] = [];
  if (env.LARK_APP_ID && !env.LARK_APP_SECRET)
    problems.push('LARK_APP_SECRET: required when LARK_APP_ID is set');
  if (env.HUYING_SIM === 'on' && realPlatformConfigured(env) && !env.ADMIN_TOKEN)
    problems.push(
      'HUYING_SIM: "on" beside a real chat platform runs the simulator as a sandbox behind the admin login: set ADMIN_TOKEN',
    );
  if (env.HUYING_CLOCK === 'manual' && env.NODE_ENV === 'production')
    problems.push('HUYING_CLOCK: "manual" is for demos and tests, not production');
  if (problems.length) throw new ConfigError('environment', problems);
  return env;
}

/** True when running on the embedded defaults (no external PostgreSQL). */
export const isEmbedded = (env: Env) => env.DATABASE_URL === undefined;

/** Whether the environment connects a real chat platform, where real people act. */
export const realPlatformConfigured = (env: Env) => !!(env.LARK_APP_ID || env.WECHATY_PUPPET);

/**
 * Where the simulator runs. `alone`: no real platform is configured, so the simulator is the
 * whole system (on unless production, or forced with HUYING_SIM=on). `sandbox`: switched on
 * explicitly (HUYING_SIM=on) beside a real platform: a separate in-memory world of its own
 * calls and stand-in personas, behind the admin login. `off` otherwise.
 */
export type SimulatorMode = 'off' | 'alone' | 'sandbox';
export function simulatorMode(env: Env): SimulatorMode {
  if (env.HUYING_SIM === 'off') return 'off';
  if (realPlatformConfigured(env)) return env.HUYING_SIM === 'on' ? 'sandbox' : 'off';
  if (env.HUYING_SIM === 'on') return 'alone';
  return env.NODE_ENV === 'production' ? 'off' : 'alone';
}
