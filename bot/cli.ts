// The `huying` command line: serve, migrate, parse and the office's tools. Each command is
// one entry of COMMANDS (its usage, options and help), read by the parser and by --help.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.ts';
import type { Role } from './services.ts';
import { VERSION } from './version.ts';

interface CommandSpec {
  /** what follows `huying` */
  usage: string;
  summary: string;
  /** more lines for `huying <command> --help` */
  details?: string;
  /** each takes a value, named in the help (a flag takes none) */
  options?: Record<string, { value: string; help: string; flag?: true }>;
  /** how many positional arguments it takes: [min, max] */
  args?: [number, number];
}

const COMMANDS: Record<string, CommandSpec> = {
  serve: {
    usage: 'serve [--role web|worker|all]',
    summary: 'run the service (default role: all)',
    details:
      'web: HTTP (webhooks, APIs, the simulator); worker: outbox relay and sends, reminders,\nescalation, bulletins; all: both in one process. Stops gracefully on SIGTERM.',
    options: { role: { value: 'ROLE', help: 'web, worker or all (default: all)' } },
  },
  migrate: {
    usage: 'migrate',
    summary: 'apply database migrations (serve does it too)',
    details: 'Uses DATABASE_URL, or the embedded database in HUYING_DATA_DIR when it is unset.',
  },
  parse: {
    usage: 'parse [--eval FILE]',
    summary: 'read reports (one per line) on stdin, write JSON lines; --eval scores the parser',
    details:
      'Each line out: {"category", "tier", "departments", "emergency", "location", "intent", "confidence"}.\n--eval FILE: a labelled corpus (JSON lines); prints accuracy per field and the most common confusions.',
    options: { eval: { value: 'FILE', help: 'score the parser on a labelled file instead' } },
  },
  'check-config': {
    usage: 'check-config [FILE]',
    summary: 'validate a district file and list every problem',
    details: 'FILE defaults to HUYING_CONFIG, else the shipped sample district.',
    args: [0, 1],
  },
  lark: {
    usage: 'lark check',
    summary: "verify the Lark app's credentials and print what to configure",
    args: [1, 1],
  },
  wecom: {
    usage: 'wecom check',
    summary: "check the WeCom bot's settings and group webhooks, and print what to configure",
    args: [1, 1],
  },
  bulletin: {
    usage: 'bulletin [--month YYYY-MM] [--out FILE|DIR]',
    summary: "print a month's bulletin and write its chart",
    options: {
      month: { value: 'YYYY-MM', help: 'the month (default: the previous one)' },
      out: { value: 'FILE|DIR', help: 'where to write the chart PNG (default: the current folder)' },
    },
  },
  survey: {
    usage: 'survey import FILE [--year YYYY]',
    summary: 'import the annual survey CSV (部门,得分,样本量)',
    options: { year: { value: 'YYYY', help: 'the survey year (default: last year)' } },
    args: [2, 2],
  },
  annual: {
    usage: 'annual [--year YYYY]',
    summary: 'annual results: 70% process + 30% survey',
    options: { year: { value: 'YYYY', help: 'the year (default: last year)' } },
  },
  retention: {
    usage: 'retention [--older-than 3y] [--dry-run]',
    summary: "erase residents' names and phone numbers from calls finished that long ago",
    details:
      "Calls finished and untouched for the period lose the reporter's name and contact, phone numbers\nin texts and the resident's name on the timeline; older raw messages are erased too. The\ntimeline stays append-only. Default period: the district file's retention.personal_data.",
    options: {
      'older-than': { value: 'PERIOD', help: 'e.g. 3y, 18mo, 8w, 90d' },
      'dry-run': { value: '', help: 'count only, change nothing', flag: true },
    },
  },
  supervise: {
    usage: 'supervise [--street CODE|名称] [--month YYYY-MM]',
    summary: 'calls by street: accuracy, returns, reopens (督查)',
    options: {
      street: { value: 'CODE|名称', help: 'one street (default: all)' },
      month: { value: 'YYYY-MM', help: 'the month (default: the previous one)' },
    },
  },
};

export function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length)) + 2;
  return [
    'huying — 街道呼·部门应',
    '',
    'usage:',
    ...Object.values(COMMANDS).map((c) => `  huying ${c.usage.padEnd(width)} ${c.summary}`),
    '',
    '  huying --version                print the version',
    '  huying <command> --help         help on one command',
    '',
    'Configuration comes from the environment (see the README or .env.example).',
    '',
  ].join('\n');
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name]!;
  const options = Object.entries(c.options ?? {}).map(([o, spec]) => [
    spec.flag ? `--${o}` : `--${o} ${spec.value}`,
    spec.help,
  ]);
  options.push(['-h, --help', 'show this help']);
  const width = Math.max(...options.map(([o]) => o!.length)) + 2;
  return [
    `usage: huying ${c.usage}`,
    '',
    `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`,
    ...(c.details ? ['', c.details] : []),
    '',
    'options:',
    ...options.map(([o, h]) => `  ${o!.padEnd(width)} ${h}`),
    '',
  ].join('\n');
}

/** A command line that cannot run: one line, exit code 2. */
class UsageError extends Error {}

/** Parses a command's arguments against its entry; --help is the caller's to act on. */
function parseCommand(name: string, args: string[]) {
  const spec = COMMANDS[name]!;
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [o, opt] of Object.entries(spec.options ?? {}))
    options[o] = { type: opt.flag ? 'boolean' : 'string' };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    const message = (e as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
    throw new UsageError(
      unknown
        ? `huying ${name}: unknown option ${unknown} (see huying ${name} --help)`
        : `huying ${name}: ${message.split('. ')[0]!.replace(/\.$/, '')} (see huying ${name} --help)`,
    );
  }
  if (parsed.values.help) return { help: true as const, values: parsed.values, positionals: [] };
  const [min, max] = spec.args ?? [0, 0];
  const n = parsed.positionals.length;
  if (n > max)
    throw new UsageError(
      `huying ${name}: unexpected argument "${parsed.positionals[max]}" (see huying ${name} --help)`,
    );
  if (n < min) throw new UsageError(`usage: huying ${spec.usage} (see huying ${name} --help)`);
  return { help: false as const, values: parsed.values, positionals: parsed.positionals };
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.error(usage());
    return 2;
  }
  if (command === '--help' || command === '-h') {
    console.log(usage());
    return 0;
  }
  if (command === '--version' || command === '-v') {
    console.log(VERSION);
    return 0;
  }
  if (command === 'help') {
    if (rest[0] === undefined) console.log(usage());
    else if (COMMANDS[rest[0]]) console.log(commandHelp(rest[0]));
    else return fail(`huying: unknown command "${rest[0]}" (see huying --help)`);
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, command))
    return fail(
      command.startsWith('-')
        ? `huying: unknown option ${command} (see huying --help)`
        : `huying: unknown command "${command}" (see huying --help)`,
    );
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(command, rest);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  if (parsed.help) {
    console.log(commandHelp(command));
    return 0;
  }
  const { values, positionals } = parsed;
  const { loadServiceEnv: loadEnv } = await import('./adapters.ts');
  switch (command) {
    case 'serve': {
      const role = (values.role ?? 'all') as Role;
      if (!['web', 'worker', 'all'].includes(role))
        return fail(`huying serve: --role must be web, worker or all (got ${role})`);
      const env = loadEnv();
      const log = await processLogger(env);
      const { startServer } = await import('./server.ts');
      const server = await startServer(env, { role, log });
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = async (signal: string) => {
          if (stopping) return;
          stopping = true;
          log.info({ signal }, 'signal received');
          const force = setTimeout(() => process.exit(1), 25_000).unref();
          await server.stop();
          clearTimeout(force);
          resolve();
        };
        process.once('SIGTERM', () => void stop('SIGTERM'));
        process.once('SIGINT', () => void stop('SIGINT'));
      });
      return 0;
    }
    case 'migrate': {
      const env = loadEnv();
      const log = await processLogger(env);
      const [{ openDatabase }, { migrateToLatest }] = await Promise.all([
        import('./runtime.ts'),
        import('../db/migrate.ts'),
      ]);
      const database = await openDatabase(env, log);
      try {
        const applied = await migrateToLatest(database.db);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'parse': {
      const file = values.eval as string | undefined;
      const env = loadEnv();
      const [{ CorpusError, runEvalCli, runParseCli }, { loadDistrict }] = await Promise.all([
        import('../handlers/intake-cli.ts'),
        import('../config/district.ts'),
      ]);
      if (!file) {
        await runParseCli(process.stdin, process.stdout, loadDistrict(env.HUYING_CONFIG));
        return 0;
      }
      try {
        runEvalCli(file, process.stdout, loadDistrict(env.HUYING_CONFIG));
      } catch (e) {
        if (e instanceof CorpusError) return fail(e.message);
        throw e;
      }
      return 0;
    }
    case 'lark': {
      if (positionals[0] !== 'check')
        return fail(`huying lark: unknown subcommand "${positionals[0]}" (see huying lark --help)`);
      const { larkCheckCli } = await import('./lark/check.ts');
      return larkCheckCli(loadEnv());
    }
    case 'wecom': {
      if (positionals[0] !== 'check')
        return fail(`huying wecom: unknown subcommand "${positionals[0]}" (see huying wecom --help)`);
      const env = loadEnv();
      const [{ wecomCheckCli }, { loadDistrict }] = await Promise.all([
        import('./wecom/check.ts'),
        import('../config/district.ts'),
      ]);
      return wecomCheckCli(env, loadDistrict(env.HUYING_CONFIG));
    }
    case 'survey':
      if (positionals[0] !== 'import')
        return fail(`huying survey: unknown subcommand "${positionals[0]}" (see huying survey --help)`);
      return (await import('./reports-cli.ts')).reportsCli(argv, loadEnv());
    case 'bulletin':
    case 'annual':
    case 'supervise':
      return (await import('./reports-cli.ts')).reportsCli(argv, loadEnv());
    case 'retention':
      return (await import('./retention-cli.ts')).retentionCli(rest, loadEnv());
    case 'check-config': {
      const { loadDistrict } = await import('../config/district.ts');
      const d = loadDistrict(positionals[0] ?? loadEnv().HUYING_CONFIG);
      (await import('./adapters.ts')).checkDistrictPlatforms(d);
      console.log(
        `${d.source}: ok (${d.units.size} units, ${d.catalog.length} catalog items, ${d.chats.length} chats)`,
      );
      return 0;
    }
  }
  return fail(`huying: unknown command "${command}" (see huying --help)`);
}

/** The service's logger: JSON lines, or readable ones on a developer's terminal (LOG_FORMAT). */
async function processLogger(env: import('../config/env.ts').Env) {
  const { createLogger, resolveLogFormat } = await import('../config/log.ts');
  return createLogger(env.LOG_LEVEL, {
    format: resolveLogFormat(env.LOG_FORMAT, env.NODE_ENV, process.stdout.isTTY === true),
  });
}

function fail(message: string): number {
  console.error(message);
  return 2;
}

/** Start-up problems a person can fix: one screen, no stack trace, exit code 2. */
export function explain(e: unknown): { message: string; code: number } {
  if (e instanceof ConfigError)
    return {
      message: `Huying cannot start: ${e.source} has problems:\n${e.problems.map((p) => `  - ${p}`).join('\n')}`,
      code: 2,
    };
  // db/connect.ts's DatabaseUnreachableError and jobs/bullmq.ts's RedisUnreachableError, known by
  // their codes so that --help and --version need not load the database and queue libraries.
  const code = (e as { code?: unknown })?.code;
  if (code === 'database_unreachable' || code === 'redis_unreachable')
    return { message: `Huying cannot start: ${(e as Error).message}`, code: 2 };
  return { message: `Huying failed: ${(e as Error)?.stack ?? String(e)}`, code: 1 };
}

/** Runs a command and exits with its code. */
export async function run(argv: string[]): Promise<never> {
  try {
    process.exit(await main(argv));
  } catch (e) {
    const { message, code } = explain(e);
    console.error(message);
    process.exit(code);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv.slice(2));
