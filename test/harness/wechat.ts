// Test-only: the WeChat adapter on the wechaty mock puppet and a fresh database, with a district
// that binds three WeChat rooms (community, street, 城管委) and knows its staff by WeChat id or name.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBox } from 'file-box';
import { parse as parseYaml } from 'yaml';
import { loadServiceEnv } from '../../bot/adapters.ts';
import type { Runtime } from '../../bot/runtime.ts';
import { createServices, type Services } from '../../bot/services.ts';
import { startWechat, type WechatHandle } from '../../bot/wechat/index.ts';
import { ManualClock } from '../../config/clock.ts';
import { type District, defaultDistrictPath, parseDistrict } from '../../config/district.ts';
import { silentLogger } from '../../config/log.ts';
import { drainOutbox } from '../../jobs/deliver.ts';
import type { QueueDriver } from '../../jobs/queue.ts';
import { freshDb, type TestDb } from '../db.ts';
import { MONDAY_10 } from '../world.ts';

export const ROOMS = {
  community: '东湖社区居民群',
  street: '东湖街道工作群',
  cgw: '城管委工作群',
  office: '呼应办工作群',
  unbound: '东湖跑步爱好者',
} as const;
export const ADMIN_TOKEN = 'wechat-admin-token-0123456789';

/** The sample district plus WeChat rooms for 东湖街道 and 区城管委, and their people. */
export function wechatDistrict(): District {
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8')) as {
    chats: Record<string, string>[];
    people: Record<string, string>[];
  };
  doc.chats.push(
    { platform: 'wechat', room_topic: ROOMS.street, unit: 'donghu', role: 'street' },
    { platform: 'wechat', room_topic: ROOMS.cgw, unit: 'cgw', role: 'department' },
    { platform: 'wechat', room_topic: ROOMS.office, unit: 'office', role: 'office' },
  );
  doc.people.push(
    { name: '东湖街道干部', unit: 'donghu', role: 'street_staff', wechat_id: 'wx_donghu_staff' },
    { name: '城管小李', unit: 'cgw', role: 'liaison', wechat_name: '城管小李' },
  );
  return parseDistrict(doc, 'wechat test district');
}

type Mock = typeof import('wechaty-puppet-mock');
type Mocker = InstanceType<Mock['mock']['Mocker']>;
type Contact = ReturnType<Mocker['createContact']>;
type Room = ReturnType<Mocker['createRoom']>;

export interface WechatWorld {
  t: TestDb;
  services: Services;
  handle: WechatHandle;
  mocker: Mocker;
  puppet: InstanceType<Mock['PuppetMock']>;
  people: Record<'bot' | 'resident' | 'staff' | 'liaison' | 'stranger', Contact>;
  rooms: Record<keyof typeof ROOMS, Room>;
  /** someone says something in a room (with an @ of the bot when asked) and the adapter handles it */
  say(who: Contact, room: Room, text: string, opts?: { mention?: boolean }): Promise<string>;
  /** someone posts a photo in a room and the adapter has seen it; the message id */
  photo(who: Contact, room: Room): Promise<string>;
  /** sends what the outbox holds for WeChat (the job layer's part), returns how many rows */
  deliver(): Promise<number>;
  /** the bot's texts in a room, oldest first */
  heard(room: keyof typeof ROOMS): string[];
  /** the files (pictures) the bot sent to a room, oldest first */
  files(room: keyof typeof ROOMS): Promise<{ name: string; bytes: Buffer }[]>;
  login(): Promise<void>;
  logout(): Promise<void>;
  close(): Promise<void>;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function wechatWorld(): Promise<WechatWorld> {
  const district = wechatDistrict();
  const t = await freshDb({ district });
  const dataDir = await mkdtemp(join(tmpdir(), 'huying-wechat-'));
  const env = loadServiceEnv({
    HUYING_DATA_DIR: dataDir,
    WECHATY_PUPPET: 'wechaty-puppet-mock',
    ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
  });
  const runtime: Runtime = {
    env,
    district,
    log: silentLogger,
    clock: new ManualClock(MONDAY_10),
    database: t,
    queues: undefined as unknown as QueueDriver,
    close: async () => {},
  };
  const services = createServices(runtime, 'all');

  const { PuppetMock, mock } = (await import('wechaty-puppet-mock')) as Mock;
  const mocker = new mock.Mocker();
  const puppet = new PuppetMock({ mocker });
  const people = {
    bot: mocker.createContact({ id: 'wx_huying_bot', name: '呼应' }),
    resident: mocker.createContact({ id: 'wx_resident_wang', name: '王阿姨' }),
    staff: mocker.createContact({ id: 'wx_donghu_staff', name: '东湖街道干部' }),
    liaison: mocker.createContact({ id: 'wx_cgw_li_7f3a', name: '城管小李' }),
    stranger: mocker.createContact({ id: 'wx_stranger', name: '跑友' }),
  };
  const all = Object.values(people).map((c) => c.id);
  const room = (id: string, topic: string, members = all) =>
    mocker.createRoom({ id, topic, memberIdList: members });
  const rooms = {
    community: room('community@chatroom', ROOMS.community),
    street: room('street@chatroom', ROOMS.street),
    cgw: room('cgw@chatroom', ROOMS.cgw),
    office: room('office@chatroom', ROOMS.office),
    unbound: room('running@chatroom', ROOMS.unbound),
  };
  const heard = new Map<string, string[]>();
  const fileIds = new Map<string, string[]>();
  for (const [key, r] of Object.entries(rooms))
    r.on('message', (m) => {
      if (m.talker().id !== people.bot.id) return;
      // the mock keeps what a file message carried by the message's id
      if (mocker.cacheFileBoxPayload.has(m.id)) fileIds.set(key, [...(fileIds.get(key) ?? []), m.id]);
      else heard.set(key, [...(heard.get(key) ?? []), m.text() ?? '']);
    });

  const handle = await startWechat(services, { puppet });
  const seen = new Set<string>();
  const bot = handle.bot() as unknown as { on(e: 'message', f: (m: { id: string }) => void): void };
  // Registered after the adapter's own listener: once it fires, the adapter has the message in hand.
  bot.on('message', (m) => seen.add(m.id));

  const w: WechatWorld = {
    t,
    services,
    handle,
    mocker,
    puppet,
    people,
    rooms,
    async say(who, r, text, opts = {}) {
      who
        .say(opts.mention ? `@${people.bot.payload.name} ${text}` : text, opts.mention ? [people.bot] : [])
        .to(r);
      const id = [...mocker.cacheMessagePayload.keys()].at(-1)!;
      await until(`message ${id}`, () => seen.has(id));
      await handle.idle();
      return id;
    },
    async photo(who, r) {
      // a tiny JPEG's worth of bytes: the mock types a message by the file's extension
      who.say(FileBox.fromBase64(Buffer.from('photo of the problem').toString('base64'), 'photo.jpg')).to(r);
      const id = [...mocker.cacheMessagePayload.keys()].at(-1)!;
      await until(`photo ${id}`, () => seen.has(id));
      await handle.idle();
      return id;
    },
    deliver: () => drainOutbox(services.ctx, services.senders),
    heard: (key) => heard.get(key) ?? [],
    files: (key) =>
      Promise.all(
        (fileIds.get(key) ?? []).map(async (id) => {
          const box = FileBox.fromJSON(mocker.cacheFileBoxPayload.get(id)!);
          return { name: box.name, bytes: await box.toBuffer() };
        }),
      ),
    async login() {
      mocker.login(people.bot);
      await until('login', () => handle.status().state === 'logged_in' && handle.sender.ready());
    },
    async logout() {
      await puppet.logout('test');
      await until('logout', () => !handle.sender.ready() && handle.status().state === 'logged_out');
      await new Promise((r) => setImmediate(r)); // the puppet forgets its user one tick later
    },
    async close() {
      await handle.stop();
      await t.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  await w.login();
  return w;
}
