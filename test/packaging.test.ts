// The container files, checked without a container runtime (none runs here, and CI does not
// build the image): what the Dockerfile copies exists and is all the service loads, the
// commands the image and compose.yaml run are documented and exercised by named tests, and
// .env.example lists exactly the variables the service reads.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ADAPTERS, loadServiceEnv } from '../bot/adapters.ts';
import { envSchema } from '../config/env.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../config/node-flags.ts';

const root = resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const pkg = JSON.parse(read('package.json'));
const readme = read('README.md');

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function dockerfile(): { op: string; args: string }[] {
  return read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}
const instruction = (op: string) => dockerfile().filter((i) => i.op === op);
const compose = () => parseYaml(read('compose.yaml'), { merge: true });
const dockerignore = read('.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** True when .dockerignore keeps a repository path out of the build context. */
function ignored(path: string): boolean {
  return dockerignore.some((p) => {
    if (p.startsWith('**/')) {
      const name = p.slice(3);
      const base = path.split('/').at(-1)!;
      return name.startsWith('*') ? base.endsWith(name.slice(1)) : base === name;
    }
    if (p.startsWith('*.')) return !path.includes('/') && path.endsWith(p.slice(1));
    if (p.endsWith('.*')) return path.startsWith(p.slice(0, -1)) && !path.includes('/');
    return path === p || path.startsWith(`${p}/`);
  });
}

/** The files the Dockerfile copies from the build context (not from an earlier stage). */
const copied = () =>
  instruction('COPY')
    .filter((i) => !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));

/**
 * Every module the service can load, from bin/huying.js down: relative imports (static and
 * dynamic, and paths given to import() as defaults), and the packages they name.
 */
function runtimeGraph(): { files: string[]; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    const code = text
      .split('\n')
      .filter((l) => !/^\s*(\/\/|\*|import type |export type )/.test(l))
      .join('\n');
    for (const m of code.matchAll(/['"](\.{1,2}\/[^'"\s]+\.(?:ts|js))['"]/g)) {
      const target = resolve(dirname(file), m[1]!);
      // dist/ is compiled from the sources inside the image (its build stage)
      if (existsSync(target) && !relative(root, target).startsWith('dist/')) visit(target);
    }
    const bare =
      /(?:from\s+|import\(\s*(?:\/\*.*?\*\/\s*)?|^import\s+|\.resolve\(\s*)['"]([^'".][^'"]*)['"]/gm;
    for (const m of code.matchAll(bare)) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(join(root, 'bin', 'huying.js'));
  return { files: [...files].map((f) => relative(root, f)).sort(), packages };
}

describe('Dockerfile', () => {
  it('copies only what exists in the repository and is in the build context', () => {
    const sources = copied();
    expect(sources).toEqual(
      expect.arrayContaining([
        'package.json',
        'package-lock.json',
        'bin',
        'bot',
        'config',
        'db',
        'handlers',
        'jobs',
      ]),
    );
    for (const s of sources) {
      expect(existsSync(join(root, s)), `${s} exists`).toBe(true);
      expect(ignored(s), `${s} is not in .dockerignore`).toBe(false);
    }
    expect(ignored('.env')).toBe(true); // secrets never reach the image
    expect(ignored('node_modules')).toBe(true);
  });

  it('holds every module the service loads, and installs every package they import', () => {
    const { files, packages } = runtimeGraph();
    expect(files).toContain('bot/cli.ts');
    expect(files).toContain('handlers/reports/bulletin.ts'); // loaded by path (jobs/schedules.ts)
    expect(files).toContain('jobs/webhook-delivery.ts'); // loaded by path (jobs/send.ts)
    const dirs = copied();
    for (const f of files) {
      expect(
        dirs.some((d) => f === d || f.startsWith(`${d}/`)),
        `${f} is copied`,
      ).toBe(true);
      expect(ignored(f), `${f} is not left out by .dockerignore`).toBe(false);
    }
    // npm ci --omit=dev: a package the service imports must be a production dependency
    const production = Object.keys(pkg.dependencies);
    for (const p of packages) expect(production, `${p} is a dependency`).toContain(p);
    expect(packages).toContain('@embedpdf/fonts-sc'); // the chart's Chinese font (config/fonts.ts)
    expect(instruction('RUN').some((i) => i.args.startsWith('npm ci --omit=dev'))).toBe(true);
  });

  it('starts the service with the same heap limits and malloc arenas in the image and in npm start', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const vars = Object.entries(SERVICE_ENV).map(([k, v]) => `${k}=${v}`);
    expect(pkg.scripts.start).toBe(
      `${vars.join(' ')} node ${SERVICE_NODE_FLAGS.join(' ')} bin/huying.js serve`,
    );
    const env = instruction('ENV').flatMap((i) => i.args.split(/\s+/));
    for (const v of vars) expect(env).toContain(v);
    expect(JSON.parse(instruction('ENTRYPOINT').at(-1)!.args)).toEqual([
      'node',
      ...SERVICE_NODE_FLAGS,
      'bin/huying.js',
    ]);
  });

  it('runs as a non-root user, from a multi-stage build that compiles the service', () => {
    expect(instruction('FROM')).toHaveLength(3);
    expect(instruction('RUN').some((i) => i.args === 'node bin/build.js')).toBe(true);
    expect(instruction('COPY').some((i) => i.args === '--from=build /app/dist ./dist')).toBe(true);
    expect(instruction('USER').at(-1)?.args).toBe('node');
  });
});

/** `huying …` as the image and compose.yaml run it. */
function commandsRun(): string[] {
  const entrypoint = JSON.parse(instruction('ENTRYPOINT').at(-1)!.args) as string[];
  expect(entrypoint).toEqual(['node', ...SERVICE_NODE_FLAGS, 'bin/huying.js']);
  const cmd = JSON.parse(instruction('CMD').at(-1)!.args) as string[];
  const services = compose().services as Record<string, { command?: string[]; build?: string }>;
  const ours = Object.values(services).filter((s) => s.build === '.');
  return [cmd, ...ours.map((s) => s.command!)].map((c) => c.join(' '));
}

/** Each command the container runs, and the test that runs it the same way (bot/cli.test.ts). */
const EXERCISED: Record<string, string> = {
  serve: 'answers /healthz and /readyz, and stops cleanly on SIGTERM',
  migrate: 'huying migrate applies the migrations to a new database, then finds nothing to do',
  'serve --role web': 'huying serve --role web and --role worker run side by side on PostgreSQL and Redis',
  'serve --role worker': 'huying serve --role web and --role worker run side by side on PostgreSQL and Redis',
};

/** The paths the health checks probe. */
function probes(): string[] {
  const checks = [
    instruction('HEALTHCHECK').at(-1)!.args,
    ...Object.values(compose().services as Record<string, any>)
      .filter((s) => s.build === '.' && s.healthcheck)
      .map((s) => (s.healthcheck.test as string[]).join(' ')),
  ];
  return checks.flatMap((c) => [...c.matchAll(/\/(healthz|readyz)\b/g)].map((m) => `/${m[1]}`));
}

describe('what the container runs', () => {
  it('runs only commands the README documents and bot/cli.test.ts exercises', () => {
    const commands = commandsRun();
    expect(new Set(commands)).toEqual(new Set(Object.keys(EXERCISED)));
    const cliTest = read('bot/cli.test.ts');
    for (const c of commands) {
      expect(readme, `README documents huying ${c}`).toContain(`huying ${c}`);
      expect(cliTest, `bot/cli.test.ts has "${EXERCISED[c]}"`).toContain(EXERCISED[c]);
      const args = c
        .split(' ')
        .slice(1)
        .map((a) => `'${a}'`)
        .join(', ');
      if (args) expect(cliTest).toContain(`serve([${args}]`);
    }
  });

  it('probes /healthz and /readyz, which the README documents and bot/cli.test.ts checks', () => {
    const paths = probes();
    expect(new Set(paths)).toEqual(new Set(['/healthz', '/readyz']));
    const cliTest = read('bot/cli.test.ts');
    for (const p of paths) {
      expect(readme).toContain(`GET ${p}`);
      expect(cliTest).toContain(`${p}\`)`);
    }
  });
});

describe('compose.yaml', () => {
  const c = compose();
  it('runs PostgreSQL, Redis with hz 100, the migrations, and the web and worker roles', () => {
    expect(Object.keys(c.services).sort()).toEqual(['migrate', 'postgres', 'redis', 'web', 'worker']);
    expect(c.services.redis.command.join(' ')).toContain('--hz 100');
    expect(c.services.postgres.volumes.join()).toContain(':/var/lib/postgresql/data');
    expect(c.services.worker.volumes.join()).toContain(':/data');
    expect(Object.keys(c.volumes).sort()).toEqual(['huying-data', 'postgres-data']);
    for (const role of ['web', 'worker']) {
      const s = c.services[role];
      expect(s.environment.DATABASE_URL).toMatch(
        /^postgres:\/\/huying:\$\{POSTGRES_PASSWORD.*\}@postgres:5432\/huying$/,
      );
      expect(s.environment.REDIS_URL).toBe('redis://redis:6379');
      expect(s.depends_on.migrate.condition).toBe('service_completed_successfully');
    }
  });
});

describe('.env.example', () => {
  const lines = read('.env.example').split('\n');
  /** NAME=… and the optional "# NAME=…" lines */
  const documented = lines
    .map((l) => /^(?:# )?([A-Z][A-Z0-9_]*)=/.exec(l)?.[1])
    .filter((v) => v !== undefined);
  const composeVariables = [...read('compose.yaml').matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);

  it('lists every variable the service reads, and only those (or ones compose.yaml reads)', () => {
    // the service's own, and each chat platform's (bot/adapters.ts)
    const schema = [...Object.keys(envSchema.shape), ...ADAPTERS.flatMap((a) => Object.keys(a.env))];
    for (const key of schema) expect(documented, `${key} is in .env.example`).toContain(key);
    for (const key of documented)
      expect([...schema, ...composeVariables], `${key} is read by the service or compose.yaml`).toContain(
        key,
      );
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('explains each variable, and as shipped is a configuration the service accepts', () => {
    const active: Record<string, string> = {};
    lines.forEach((l, i) => {
      const m = /^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$/.exec(l);
      if (!m) return;
      // a comment right above (or above the group of variables it belongs to)
      const above = lines.slice(0, i).reverse();
      const comment = above.find((a) => !/^(?:# )?[A-Z][A-Z0-9_]*=/.test(a));
      expect(comment, `${m[1]} has an explanation`).toMatch(/^# \S/);
      if (!l.startsWith('#')) active[m[1]!] = m[2]!;
    });
    expect(() => loadServiceEnv(active)).not.toThrow();
  });
});

describe('README', () => {
  it('says the image is not built in CI and links the operations document', () => {
    expect(readme).toContain('CI does not build the image');
    expect(readme).toContain('(docs/operations.md)');
    expect(existsSync(join(root, 'docs', 'operations.md'))).toBe(true);
  });
});
