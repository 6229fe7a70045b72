// The process environment, parsed once at start with zod and passed in from there.
import { z } from 'zod';
import { ConfigError, describeIssues } from './errors.ts';

export const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

export const url = (protocols: string[]) =>
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
  HUYING_PUBLIC_URL: optionalText,
  ADMIN_TOKEN: optionalText.refine(
    (v) => v === undefined || v.length >= 16,
    'must be at least 16 characters',
  ),
  /** how often each process looks for accepted events nobody is working on (ms) */
  HUYING_INBOX_SWEEP_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** the district's own language model (an OpenAI-compatible endpoint, base address ending in
   * /v1 or the like), asked only about reports the parser is unsure of; off when unset */
  HUYING_LLM_URL: url(['http', 'https']),
  HUYING_LLM_MODEL: optionalText,
  HUYING_LLM_API_KEY: optionalText,
  /** the longest a report waits for the model's answer before the local reading stands (ms) */
  HUYING_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(1500),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** auto: readable lines on a terminal outside production, JSON lines otherwise */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
});

/** The service's own variables; each chat platform adds its own (an EnvPart, from bot/adapters.ts). */
export type BaseEnv = z.infer<typeof envSchema>;
/** The variables as parsed: the service's, and the platforms' under their own names. */
export type Env = BaseEnv & { readonly [platformVariable: string]: unknown };

/** A platform's variables and what is wrong with them beyond their shapes. */
export interface EnvPart {
  shape: z.ZodRawShape;
  check?(env: Env): string[];
}

/** Parses the environment; throws ConfigError listing every bad variable. */
export function loadEnv(
  source: Record<string, string | undefined> = process.env,
  parts: EnvPart[] = [],
): Env {
  const schema = parts.reduce((s, p) => s.extend(p.shape), envSchema as z.ZodObject<z.ZodRawShape>);
  const parsed = schema.safeParse(source);
  if (!parsed.success) throw new ConfigError('environment', describeIssues(parsed.error.issues));
  const env = parsed.data as Env;
  const problems = parts.flatMap((p) => p.check?.(env) ?? []);
  if (env.HUYING_LLM_URL && !env.HUYING_LLM_MODEL)
    problems.push('HUYING_LLM_MODEL: required with HUYING_LLM_URL (the model name the endpoint serves)');
  if (env.HUYING_LLM_MODEL && !env.HUYING_LLM_URL)
    problems.push("HUYING_LLM_URL: required with HUYING_LLM_MODEL (the endpoint's base address)");
  if (env.HUYING_CLOCK === 'manual' && env.NODE_ENV === 'production')
    problems.push('HUYING_CLOCK: "manual" is for demos and tests, not production');
  if (problems.length) throw new ConfigError('environment', problems);
  return env;
}

/** True when running on the embedded defaults (no external PostgreSQL). */
export const isEmbedded = (env: Env) => env.DATABASE_URL === undefined;
