// The `huying` command line: serve, migrate, parse and the office's tools.
import { parseArgs } from 'node:util';
import { loadDistrict } from '../config/district.ts';
import { loadEnv } from '../config/env.ts';
import { ConfigError } from '../config/errors.ts';
import { createLogger } from '../config/log.ts';
import { DatabaseUnreachableError } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { RedisUnreachableError } from '../jobs/bullmq.ts';
import { openDatabase } from './runtime.ts';
import { type Role, startServer } from './server.ts';

const usage = `huying — 街道呼·部门应

usage:
  huying serve [--role web|worker|all]   run the service (default role: all)
  huying migrate                         apply database migrations
  huying parse [--eval FILE]             read reports (one per line) on stdin, write JSON lines;
                                         --eval: score the parser on a labelled file
  huying check-config [FILE]             validate a district file
  huying lark check                      verify the Lark app's credentials and print what to configure
  huying bulletin [--month 2026-11] [--out FILE.png]   print the monthly bulletin and write its chart
  huying survey import FILE [--year 2025]             import the annual survey (CSV)
  huying annual [--year 2025]                         annual results: 70% process + 30% survey
  huying supervise [--street CODE] [--month 2026-11]  calls by street: accuracy, returns, reopens
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { role: { type: 'string', default: 'all' } } });
      const role = values.role as Role;
      if (!['web', 'worker', 'all'].includes(role))
        return fail(`--role must be web, worker or all (got ${role})`);
      const env = loadEnv();
      const log = createLogger(env.LOG_LEVEL);
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
      const log = createLogger(env.LOG_LEVEL);
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
      let file: string | undefined;
      try {
        file = parseArgs({ args: rest, options: { eval: { type: 'string' } } }).values.eval;
      } catch (e) {
        return fail(`${(e as Error).message}\nusage: huying parse [--eval FILE]`);
      }
      const env = loadEnv();
      const { CorpusError, runEvalCli, runParseCli } = await import('../handlers/intake-cli.ts');
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
      if (rest[0] !== 'check') return fail(`usage: huying lark check`);
      const { larkCheckCli } = await import('./lark/check.ts');
      return larkCheckCli(loadEnv());
    }
    case 'bulletin':
    case 'survey':
    case 'annual':
    case 'supervise': {
      const { reportsCli } = await import('./reports-cli.ts');
      return reportsCli(argv, loadEnv());
    }
    case 'check-config': {
      const d = loadDistrict(rest[0] ?? loadEnv().HUYING_CONFIG);
      console.log(
        `${d.source}: ok (${d.units.size} units, ${d.catalog.length} catalog items, ${d.chats.length} chats)`,
      );
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return command ? 0 : 2;
    default:
      return fail(`unknown command "${command}"\n\n${usage}`);
  }
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
  if (e instanceof DatabaseUnreachableError || e instanceof RedisUnreachableError)
    return { message: `Huying cannot start: ${e.message}`, code: 2 };
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
