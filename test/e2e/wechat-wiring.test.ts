// The wiring: with WECHATY_PUPPET set the server starts the bot (here the mock puppet, loaded by
// name as wechaty loads any puppet), keeps its session under HUYING_DATA_DIR/wechat and serves
// /admin/wechat; without it there is no WeChat at all.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServiceEnv } from '../../bot/adapters.ts';
import { type Server, startServer } from '../../bot/server.ts';
import { silentLogger } from '../../config/log.ts';
import { freshDb, type TestDb } from '../db.ts';

const TOKEN = 'wiring-admin-token-0123456789';

describe('WeChat in the server', () => {
  let t: TestDb;
  let dataDir: string;
  beforeAll(async () => {
    t = await freshDb();
    dataDir = await mkdtemp(join(tmpdir(), 'huying-wechat-wiring-'));
  });
  afterAll(async () => {
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (extra: Record<string, string>) =>
    startServer(
      loadServiceEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: t.url,
        HUYING_DATA_DIR: dataDir,
        HUYING_SIM: 'off',
        ADMIN_TOKEN: TOKEN,
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
        ...extra,
      }),
      { role: 'all', log: silentLogger },
    );

  it('starts the bot and serves /admin/wechat when a puppet is named', async () => {
    let server: Server | undefined;
    try {
      server = await start({ WECHATY_PUPPET: 'wechaty-puppet-mock' });
      const url = `http://127.0.0.1:${server.port}/admin/wechat`;
      expect((await fetch(url)).status).toBe(401);
      let status: { state?: string } = {};
      // wechaty loads in the background (a second or more on a busy machine)
      for (const end = Date.now() + 20_000; Date.now() < end; ) {
        status = (await (await fetch(`${url}?format=json&token=${TOKEN}`)).json()) as { state?: string };
        if (status.state !== 'starting') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      // Nobody scans the mock's QR code: the bot runs, logged out, messages wait in the outbox.
      expect(status).toMatchObject({ state: 'logged_out', puppet: 'wechaty-puppet-mock' });
      expect(existsSync(join(dataDir, 'wechat'))).toBe(true);
    } finally {
      await server?.stop();
    }
  });

  it('has no WeChat without WECHATY_PUPPET', async () => {
    const server = await start({});
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/admin/wechat?token=${TOKEN}`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
