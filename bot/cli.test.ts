// The command line as people meet it: start-up failures a person can fix (one screen, no stack
// trace, exit code 2), --version and --help, usage mistakes, and the commands the container runs.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../config/log.ts';
import { redisUrl } from '../test/queues.ts';
import { scratchDatabase } from '../test/scratch-db.ts';
import { createApp } from './app.ts';

const bin = join(import.meta.dirname, '..', 'bin', 'huying.js');
function huying(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
/** The same, several at once (each is a process of its own). */
function huyingAsync(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('huying command line', () => {
  it('refuses a broken district file with the list of problems and exit code 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'huying-cli-'));
    const file = join(dir, 'district.yaml');
    writeFileSync(file, 'district: { code: x, name: 测试 }\noffice: { code: office }\n');
    const r = huying(['serve'], { HUYING_CONFIG: file, HUYING_DATA_DIR: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain('Huying cannot start:');
    expect(r.err).toContain('office.name:');
    expect(r.err).toContain('streets:');
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('says which database it cannot reach and where', () => {
    const r = huying(['migrate'], { DATABASE_URL: 'postgres://huying@127.0.0.1:1/huying' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^Huying cannot start: cannot reach the database at 127\.0\.0\.1:1\/huying/);
  });

  it('refuses bad environment variables by name', () => {
    const r = huying(['serve'], { PORT: 'eighty' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('PORT:');
  });

  it('checks a district file and parses reports from stdin', () => {
    expect(huying(['check-config'], {}).out).toMatch(/ok \(24 units, 21 catalog items, 6 chats\)/);
    const r = spawnSync(process.execPath, [bin, 'parse'], {
      input: '晨辉路12号路灯不亮了\n\n有人被困在电梯里\n',
      encoding: 'utf8',
    });
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      category: 'street_light',
      tier: 'general',
      departments: ['cgw'],
      emergency: false,
      location: '晨辉路12号',
      intent: 'report',
    });
    expect(lines[0].confidence).toBeGreaterThan(0.5);
    expect(lines[1]).toMatchObject({ category: 'trapped_lift', emergency: true });
  });

  it('scores the parser on a labelled file, and names a file it cannot read', () => {
    const ok = huying(
      ['parse', '--eval', join(import.meta.dirname, '..', 'test', 'fixtures', 'reports.jsonl')],
      {},
    );
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/category: \d+\.\d% \(\d+\/171 reports\)/);
    const missing = huying(['parse', '--eval', '/nonexistent/labelled.jsonl'], {});
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read /nonexistent/labelled.jsonl');
  });
});

/** `huying serve …` until it logs that it started; its port (0 when it serves no HTTP). */
async function serve(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', ...env },
  });
  const out = { log: '' };
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no start within 60 s:\n${out.log}`)), 60_000);
    child.stderr.on('data', (b: Buffer) => {
      out.log += b.toString();
    });
    child.stdout.on('data', (b: Buffer) => {
      out.log += b.toString();
      const m = /"port":(\d+)[^\n]*"msg":"huying started"/.exec(out.log);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}:\n${out.log}`)));
  });
  return { child, port, out };
}

/** SIGTERM, and the exit code. */
function stop(child: ChildProcess) {
  return new Promise<number | null>((resolve) => {
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
}

function freePort() {
  return new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('huying serve on the embedded defaults', () => {
  it('answers /healthz and /readyz, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'huying-serve-'));
    const { child, port, out } = await serve([], { PORT: '0', HUYING_DATA_DIR: dir });
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(await stop(child)).toBe(0);
    expect(out.log).toContain('"msg":"stopped"');
  }, 90_000);
});

describe('version, help and usage mistakes', () => {
  const commands = [
    'serve',
    'migrate',
    'parse',
    'check-config',
    'lark',
    'bulletin',
    'survey',
    'annual',
    'supervise',
  ];

  it('prints the package version', () => {
    const version = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version;
    const r = huying(['--version'], {});
    expect(r).toEqual({ code: 0, out: `${version}\n`, err: '' });
  });

  it('answers --help for huying and for every command, exit 0, without touching the database', async () => {
    const top = huying(['--help'], {});
    expect(top.code).toBe(0);
    expect(top.err).toBe('');
    for (const c of commands) expect(top.out).toContain(`huying ${c}`);
    expect(top.out).toContain('huying --version');
    // An unreachable database and a broken district file: --help must not need either.
    const env = { DATABASE_URL: 'postgres://huying@127.0.0.1:1/huying', HUYING_CONFIG: '/no/such/file.yaml' };
    const each = await Promise.all(commands.map((c) => huyingAsync([c, '--help'], env)));
    each.forEach((r, i) => {
      expect(r.code, commands[i]).toBe(0);
      expect(r.err, commands[i]).toBe('');
      expect(r.out, commands[i]).toMatch(new RegExp(`^usage: huying ${commands[i]}`));
      expect(r.out, commands[i]).toContain('-h, --help');
    });
    expect(each[0]!.out).toContain('--role ROLE');
    expect(huying(['help', 'bulletin'], {}).out).toBe(each[5]!.out);
  });

  it('refuses an unknown command or option with one line and exit code 2', async () => {
    const cases: [string[], string][] = [
      [['frobnicate'], 'huying: unknown command "frobnicate" (see huying --help)'],
      [['--frobnicate'], 'huying: unknown option --frobnicate (see huying --help)'],
      ...commands.map((c): [string[], string] => [
        [c, ...(c === 'lark' ? ['check'] : c === 'survey' ? ['import', 'x.csv'] : []), '--frobnicate'],
        `huying ${c}: unknown option --frobnicate (see huying ${c} --help)`,
      ]),
      [
        ['serve', '--role'],
        "huying serve: Option '--role <value>' argument missing (see huying serve --help)",
      ],
      [['serve', '--role', 'boss'], 'huying serve: --role must be web, worker or all (got boss)'],
      [['migrate', 'now'], 'huying migrate: unexpected argument "now" (see huying migrate --help)'],
      [['lark'], 'usage: huying lark check (see huying lark --help)'],
      [['lark', 'login'], 'huying lark: unknown subcommand "login" (see huying lark --help)'],
    ];
    const results = await Promise.all(cases.map(([args]) => huyingAsync(args)));
    results.forEach((r, i) => {
      const [args, line] = cases[i]!;
      expect({ args, code: r.code, err: r.err, out: r.out }).toEqual({
        args,
        code: 2,
        err: `${line}\n`,
        out: '',
      });
    });
  });
});

describe('the commands the container runs (Dockerfile, compose.yaml)', () => {
  it('huying migrate applies the migrations to a new database, then finds nothing to do', async () => {
    const scratch = process.env.DATABASE_URL
      ? await scratchDatabase(process.env.DATABASE_URL, 'huying_cli')
      : undefined;
    const env: Record<string, string> = scratch
      ? { DATABASE_URL: scratch.url }
      : { HUYING_DATA_DIR: mkdtempSync(join(tmpdir(), 'huying-migrate-')) };
    try {
      const first = huying(['migrate'], env);
      expect(first.code, first.err).toBe(0);
      expect(first.out).toMatch(/^applied: 2026-11-27T0001-initial/m);
      const again = huying(['migrate'], env);
      expect(again.code).toBe(0);
      expect(again.out).toMatch(/^already up to date$/m);
    } finally {
      await scratch?.drop();
    }
  }, 90_000);

  it.runIf(process.env.DATABASE_URL && redisUrl)(
    'huying serve --role web and --role worker run side by side on PostgreSQL and Redis',
    async () => {
      const scratch = await scratchDatabase(process.env.DATABASE_URL!, 'huying_cli');
      const env = {
        DATABASE_URL: scratch.url,
        REDIS_URL: redisUrl!,
        HUYING_QUEUE_PREFIX: `huying-cli-${process.pid}`,
        NODE_ENV: 'production',
      };
      try {
        expect(huying(['migrate'], env).code).toBe(0);
        const web = await serve(['--role', 'web'], { ...env, PORT: '0' });
        const worker = await serve(['--role', 'worker'], { ...env, PORT: String(await freePort()) });
        expect(web.out.log).toMatch(/"role":"web".*"queue":"bullmq"/);
        expect(worker.out.log).toMatch(/"role":"worker".*"queue":"bullmq"/);
        for (const { port } of [web, worker]) {
          expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
          expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toMatchObject({
            status: 'ready',
          });
        }
        expect(await Promise.all([stop(web.child), stop(worker.child)])).toEqual([0, 0]);
      } finally {
        await scratch.drop();
      }
    },
    120_000,
  );
});

describe('health and readiness', () => {
  it('answers liveness, and readiness with the failing check named', async () => {
    const app = createApp({
      log: silentLogger,
      checks: [
        { name: 'database', check: async () => {} },
        { name: 'queue', check: async () => Promise.reject(new Error('cannot reach Redis at 127.0.0.1:1')) },
      ],
    });
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    const res = await app.request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'unavailable',
      checks: [
        { name: 'database', ok: true },
        { name: 'queue', ok: false, reason: 'cannot reach Redis at 127.0.0.1:1' },
      ],
    });
  });
});
