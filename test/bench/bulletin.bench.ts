// The bulletin at scale: BENCH_BULLETIN_CALLS calls (1,000,000; 100,000 with --quick) over two
// years, each with its lead assignment, three timeline events, a score and (for some) a resident's
// answer, loaded with PostgreSQL COPY; then one month's bulletin and one year's annual results,
// timed (median of three), with the plans of the bulletin's queries printed. The baseline is the
// same reports on the same data without the reporting indexes (REPORT_INDEXES), in the same run.
// BENCH_BULLETIN_KEEP=<name> keeps the loaded data between runs: the database <name> on the
// DATABASE_URL server is created and loaded when it has no calls yet, migrated to the latest
// migration, reused as it is otherwise, and never dropped (drop it by hand when done); its
// BENCH_BULLETIN_CALLS is whatever it was loaded with.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { parse as parseYaml } from 'yaml';
import { systemClock } from '../../config/clock.ts';
import { defaultDistrictPath, parseDistrict } from '../../config/district.ts';
import { silentLogger } from '../../config/log.ts';
import { connectPostgres } from '../../db/connect.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import type { Database } from '../../db/schema.ts';
import { syncDistrict } from '../../db/sync.ts';
import type { Ctx } from '../../handlers/context.ts';
import { annualResults } from '../../handlers/reports/annual.ts';
import { monthlyBulletin } from '../../handlers/reports/bulletin.ts';
import { type ScratchDatabase, scratchDatabase } from '../scratch-db.ts';
import type { BenchSection } from './run.ts';

const quick = process.argv.includes('--quick');
const CALLS = Number(process.env.BENCH_BULLETIN_CALLS ?? (quick ? 100_000 : 1_000_000));
const MONTHS = 24;
const FIRST = Date.UTC(2025, 0, 1); // calls from January 2025 to December 2026
const MONTH = '2026-06';
const YEAR = 2026;
/** the reporting indexes (migrations 0007 and 0009), dropped for the baseline */
const REPORT_INDEXES = [
  'assignments_open_late_idx',
  'assignments_resolved_idx',
  'scores_created_idx',
  'scores_assignment_idx',
  'satisfaction_at_idx',
];

/** rows as COPY text lines (tab-separated, \N for null) */
const line = (values: (string | number | boolean | null)[]) =>
  `${values.map((v) => (v === null ? '\\N' : String(v))).join('\t')}\n`;

async function copy(client: pg.Client, table: string, columns: string[], rows: () => Iterable<string>) {
  const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  await pipeline(Readable.from(rows(), { objectMode: false }), stream);
}

function* batched(gen: Iterable<string>, size = 2000) {
  let buf = '';
  let n = 0;
  for (const s of gen) {
    buf += s;
    if (++n === size) {
      yield buf;
      buf = '';
      n = 0;
    }
  }
  if (buf) yield buf;
}

async function load(url: string, db: Kysely<Database>) {
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8'));
  const district = parseDistrict(doc, 'sample district');
  await migrateToLatest(db);
  await syncDistrict(db, district);
  const streets = district.streets.map((s) => s.code);
  /** the i-th call's community, one of its street's */
  const community = (i: number) => {
    const list = district.streets[i % streets.length].communities;
    return list.length ? list[Math.floor(i / streets.length) % list.length].code : null;
  };
  const catalog = district.catalog.filter((c) => c.lead);
  const iso = (ms: number) => new Date(ms).toISOString();
  const H = 3600_000;
  const span = MONTHS * 30.4 * 24 * H;
  const at = (i: number) => FIRST + Math.floor((i / CALLS) * span);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = Date.now();
  try {
    await client.query('begin');
    // ids are given so that assignments, events and scores can name them
    await copy(
      client,
      'calls',
      [
        'id',
        'no',
        'text',
        'source',
        'street_code',
        'community_code',
        'category_code',
        'tier',
        'mode',
        'state',
        'emergency',
        'created_at',
        'updated_at',
        'state_since',
        'closed_at',
      ],
      () =>
        batched(
          (function* () {
            for (let i = 1; i <= CALLS; i++) {
              const t = at(i);
              const item = catalog[i % catalog.length];
              const open = i % 50 === 0; // 2% still open
              yield line([
                i,
                `BL-${String(i).padStart(8, '0')}`,
                `压测 ${i}`,
                'bench',
                streets[i % streets.length],
                community(i),
                item.code,
                'general',
                'direct',
                open ? 'dispatched' : 'closed',
                false,
                iso(t),
                iso(t + 30 * H),
                iso(t + 30 * H),
                open ? null : iso(t + 30 * H),
              ]);
            }
          })(),
        ),
    );
    await copy(
      client,
      'assignments',
      [
        'id',
        'call_id',
        'unit_code',
        'role',
        'state',
        'dispatched_at',
        'ack_due_at',
        'acknowledged_at',
        'resolve_due_at',
        'resolved_at',
      ],
      () =>
        batched(
          (function* () {
            for (let i = 1; i <= CALLS; i++) {
              const t = at(i);
              const open = i % 50 === 0;
              const late = i % 7 === 0;
              yield line([
                i,
                i,
                catalog[i % catalog.length].lead!,
                'lead',
                open ? 'dispatched' : 'resolved',
                iso(t + H),
                iso(t + 3 * H),
                open ? null : iso(t + (late ? 4 : 2) * H),
                iso(t + 24 * H),
                open ? null : iso(t + (late ? 26 : 20) * H),
              ]);
            }
          })(),
        ),
    );
    await copy(
      client,
      'call_events',
      ['call_id', 'assignment_id', 'at', 'kind', 'actor_label', 'payload'],
      () =>
        batched(
          (function* () {
            for (let i = 1; i <= CALLS; i++) {
              const t = at(i);
              yield line([i, null, iso(t), 'reported', '居民', '{}']);
              yield line([i, i, iso(t + H), 'called', '街道', '{}']);
              if (i % 50) yield line([i, i, iso(t + 30 * H), 'closed', '街道', '{}']);
            }
          })(),
        ),
    );
    await copy(
      client,
      'scores',
      [
        'assignment_id',
        'call_id',
        'unit_code',
        'street_code',
        'ack',
        'professional',
        'ownership',
        'cooperation',
        'result',
        'total',
        'current',
        'created_at',
      ],
      () =>
        batched(
          (function* () {
            for (let i = 1; i <= CALLS; i++) {
              if (i % 50 === 0) continue;
              const s = 14 + (i % 7);
              yield line([
                i,
                i,
                catalog[i % catalog.length].lead!,
                streets[i % streets.length],
                s,
                s,
                s,
                s,
                s,
                5 * s,
                true,
                iso(at(i) + 30 * H),
              ]);
            }
          })(),
        ),
    );
    await copy(client, 'satisfaction', ['call_id', 'answer', 'at'], () =>
      batched(
        (function* () {
          for (let i = 3; i <= CALLS; i += 3)
            yield line([i, ['satisfied', 'basic', 'unsatisfied'][i % 3], iso(at(i) + 31 * H)]);
        })(),
      ),
    );
    for (const t of ['calls', 'assignments', 'call_events', 'scores', 'satisfaction'])
      await client.query(`select setval(pg_get_serial_sequence('${t}', 'id'), (select max(id) from ${t}))`);
    await client.query('commit');
    await client.query('analyze');
  } finally {
    await client.end();
  }
  return { district, loadMs: Date.now() - started };
}

async function median3(fn: () => Promise<unknown>) {
  const ms: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    await fn();
    ms.push(Date.now() - t);
  }
  return ms.sort((a, b) => a - b)[1];
}

/**
 * The plans of the statements one month's bulletin runs: the bulletin once on a Kysely that logs
 * each statement, then EXPLAIN (ANALYZE) of each; the slowest first, the top few printed.
 */
async function explainBulletin(url: string, district: Ctx['district']) {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const statements: { sql: string; parameters: readonly unknown[]; ms: number }[] = [];
  const logged = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (e.level === 'query')
        statements.push({ sql: e.query.sql, parameters: e.query.parameters, ms: e.queryDurationMillis });
    },
  });
  try {
    await monthlyBulletin({ db: logged, district, clock: systemClock, log: silentLogger }, MONTH);
    // the queries, not the transactions around them that turn JIT off (rates.ts): explained so too
    const queries = statements.filter((s) => /^\s*(select|with)\b/i.test(s.sql));
    const slowest = [...queries].sort((a, b) => b.ms - a.ms).slice(0, 4);
    const out: { ms: number; sql: string; plan: string[] }[] = [];
    const client = await pool.connect();
    try {
      for (const s of slowest) {
        await client.query('begin');
        await client.query('set local jit = off');
        const r = await client.query(`explain (analyze, costs off) ${s.sql}`, s.parameters as unknown[]);
        await client.query('rollback');
        out.push({
          ms: Math.round(s.ms),
          sql: s.sql.replace(/\s+/g, ' ').slice(0, 160),
          plan: r.rows.map((x: Record<string, string>) => x['QUERY PLAN']),
        });
      }
    } finally {
      client.release();
    }
    return { statements: queries.length, slowest: out };
  } finally {
    await logged.destroy();
  }
}

/** BENCH_BULLETIN_KEEP's database: created when absent, never dropped. */
async function keptDatabase(base: string, name: string): Promise<ScratchDatabase> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`BENCH_BULLETIN_KEEP: not a database name: ${name}`);
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!found.rowCount) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  return { url: u.toString(), where: `PostgreSQL ${u.host}`, drop: async () => {} };
}

/** A kept database already loaded: its district, migrated to the latest migration. */
async function reuse(db: Kysely<Database>) {
  const loaded = await sql<{ n: string }>`select count(*) as n from calls`.execute(db).catch(() => null);
  if (!loaded || !Number(loaded.rows[0].n)) return null;
  const district = parseDistrict(parseYaml(readFileSync(defaultDistrictPath, 'utf8')), 'sample district');
  await migrateToLatest(db);
  await sql`analyze`.execute(db);
  return { district, loadMs: 0 };
}

async function run(): Promise<Record<string, unknown>> {
  const base = process.env.DATABASE_URL;
  if (!base) return { skipped: 'needs DATABASE_URL: the bulletin benchmark loads PostgreSQL with COPY' };
  const keep = process.env.BENCH_BULLETIN_KEEP;
  const scratch = keep
    ? await keptDatabase(base, keep)
    : await scratchDatabase(base, 'huying_bench_bulletin');
  const handle = await connectPostgres(scratch.url, { max: 16 });
  try {
    const { district, loadMs } = (keep && (await reuse(handle.db))) || (await load(scratch.url, handle.db));
    const ctx: Ctx = { db: handle.db, district, clock: systemClock, log: silentLogger };
    const counts = await sql<{ calls: string; month: string }>`select count(*) as calls,
      count(*) filter (where created_at >= '2026-05-31T16:00:00Z' and created_at < '2026-06-30T16:00:00Z') as month
      from calls`.execute(handle.db);
    const time = async () => ({
      monthBulletinMs: await median3(() => monthlyBulletin(ctx, MONTH)),
      annualResultsMs: await median3(() => annualResults(ctx, YEAR)),
    });
    // the baseline: the same reports without the reporting indexes
    const defs = await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes
      where indexname in (${sql.join(REPORT_INDEXES)})`.execute(handle.db);
    let baseline: Awaited<ReturnType<typeof time>>;
    try {
      for (const d of defs.rows) await sql.raw(`drop index ${d.indexname}`).execute(handle.db);
      await sql`analyze`.execute(handle.db);
      baseline = await time();
    } finally {
      // put back even after a failure: a kept database must not lose them
      for (const d of defs.rows)
        await sql
          .raw(`${d.indexdef.replace(/^CREATE (UNIQUE )?INDEX/, 'CREATE $1INDEX IF NOT EXISTS')}`)
          .execute(handle.db);
      await sql`analyze`.execute(handle.db);
    }
    const huying = await time();
    return {
      calls: Number(counts.rows[0].calls),
      callsInTheMonth: Number(counts.rows[0].month),
      month: MONTH,
      loadSeconds: loadMs ? Math.round(loadMs / 100) / 10 : 'reused (BENCH_BULLETIN_KEEP)',
      goal: 'month bulletin under 5 s',
      baselineWithoutReportIndexes: baseline,
      huying,
      indexes: defs.rows.map((d) => d.indexdef),
      plans: await explainBulletin(scratch.url, district),
    };
  } catch (e) {
    // said before the scratch database goes (dropping it ends other connections noisily)
    console.error('bulletin bench failed:', e);
    throw e;
  } finally {
    await handle.close();
    await scratch.drop();
  }
}

export default { name: 'bulletin', run } satisfies BenchSection;
