// Child `huying serve` processes for tests and benchmarks, the way production runs them: spawn
// `node bin/huying.js serve --role …` with an environment, wait until ready, kill -9, restart.
// No vitest here (the benchmarks use it too). Give each deployment its own HUYING_QUEUE_PREFIX
// (test/queues.ts's queuePrefix) and its own database.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../config/node-flags.ts';

export type Role = 'web' | 'worker' | 'all';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/huying.js', import.meta.url));
/** what a child inherits from this process: enough to run node, nothing of our configuration */
const INHERIT = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
const KEEP_LINES = 400;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface HuyingProcess {
  readonly role: Role;
  /** the process id while it runs */
  readonly pid: number | undefined;
  /** `http://127.0.0.1:<port>` for web and all; undefined for a worker */
  readonly url: string | undefined;
  /** its last log lines (pino JSON), stdout and stderr */
  readonly logs: string[];
  readonly running: boolean;
  /** kill -9, as a crash would; resolves once it is gone */
  kill(): Promise<void>;
  /** SIGTERM (finish what is in hand), then SIGKILL after timeoutMs; resolves once it is gone */
  stop(timeoutMs?: number): Promise<void>;
  /** starts it again with the same environment (and port), and waits until it is ready */
  restart(): Promise<void>;
}

export interface StartOptions {
  role: Role;
  /** the service's environment (DATABASE_URL, REDIS_URL, HUYING_QUEUE_PREFIX, LARK_*…) */
  env: Record<string, string>;
  /** how long to wait for readiness (default 60 s) */
  readyTimeoutMs?: number;
}

const started = new Set<ChildProcess>();
let exitHook = false;

/** Starts `huying serve --role <role>` and resolves once it said it started (and, with HTTP,
 * answers /readyz). Its HTTP port is free and fixed, so a restart keeps its address. */
export async function startHuying(o: StartOptions): Promise<HuyingProcess> {
  if (!exitHook) {
    exitHook = true;
    // never leave a child behind, whatever happens to this process
    process.once('exit', () => {
      for (const c of started) c.kill('SIGKILL');
    });
  }
  const http = o.role !== 'worker';
  const port = http ? await freePort() : 0;
  const env: Record<string, string> = {
    LOG_LEVEL: 'info',
    HUYING_SIM: 'off',
    ...SERVICE_ENV,
    ...Object.fromEntries(INHERIT.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))),
    ...o.env,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  const logs: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    // as production starts it (package.json, the image): with the service's heap limits
    const c = spawn(process.execPath, [...SERVICE_NODE_FLAGS, BIN, 'serve', '--role', o.role], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    started.add(c);
    exited = new Promise((resolve) =>
      c.once('exit', () => {
        started.delete(c);
        resolve();
      }),
    );
    let said = false;
    let wake = () => {};
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        logs.push(line);
        if (logs.length > KEEP_LINES) logs.shift();
        if (line.includes('"msg":"huying started"')) {
          said = true;
          wake();
        }
      }
    };
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
    const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000);
    const gone = exited.then(() => 'exited' as const);
    while (!said) {
      const woke = new Promise<'woke'>((r) => {
        wake = () => r('woke');
      });
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 200));
      const what = await Promise.race([woke, timer, gone]);
      if (what === 'exited' || Date.now() > deadline)
        throw new Error(
          `huying serve --role ${o.role} ${what === 'exited' ? `exited (${c.exitCode ?? c.signalCode})` : 'did not start in time'}:\n${logs.slice(-30).join('\n')}`,
        );
    }
    while (http) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`huying serve --role ${o.role}: /readyz never answered 200`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const signal = async (sig: NodeJS.Signals, timeoutMs: number) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(sig);
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(t);
  };

  await launch();
  return {
    role: o.role,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    url: http ? `http://127.0.0.1:${port}` : undefined,
    logs,
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    kill: () => signal('SIGKILL', 0),
    stop: (timeoutMs = 15_000) => signal('SIGTERM', timeoutMs),
    async restart() {
      await signal('SIGKILL', 0);
      await launch();
    },
  };
}

/** Kills every child still running (after a test, whatever happened in it). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...started].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

export interface RedisProcess {
  url: string;
  /** kill -9: its data is gone with it (it keeps nothing on disk) */
  kill(): Promise<void>;
  /** starts it again on the same port, empty */
  restart(): Promise<void>;
}

/** A redis-server of the test's own, on its own port, keeping nothing on disk. */
export async function startRedisServer(): Promise<RedisProcess> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const c = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = c;
    started.add(c);
    c.once('exit', () => started.delete(c));
    await new Promise<void>((resolve, reject) => {
      c.stdout!.on('data', (b: Buffer) => b.toString().includes('Ready to accept connections') && resolve());
      c.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    });
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    async restart() {
      await kill();
      await launch();
    },
  };
}
