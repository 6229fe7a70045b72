// Start-up failures a person can fix: one screen, no stack trace, exit code 2.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../config/log.ts';
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

describe('huying serve on the embedded defaults', () => {
  it('answers /healthz and /readyz, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'huying-serve-'));
    const child = spawn(process.execPath, [bin, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: '0',
        HOST: '127.0.0.1',
        HUYING_DATA_DIR: dir,
      },
    });
    let log = '';
    const port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no start within 60 s:\n${log}`)), 60_000);
      child.stdout.on('data', (b: Buffer) => {
        log += b.toString();
        const m = /"msg":"huying started"/.test(log) && /"port":(\d+)[^\n]*"msg":"huying started"/.exec(log);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}:\n${log}`)));
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    expect(log).toContain('"msg":"stopped"');
  }, 90_000);
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
