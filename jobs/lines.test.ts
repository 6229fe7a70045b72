// What waits in each chat's line, behind the admin token, and the warning to the office when a
// line stays long: once per episode, with two workers looking, and again in a new episode.
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { loadServiceEnv } from '../bot/adapters.ts';
import type { AppEnv } from '../bot/app.ts';
import type { Services } from '../bot/services.ts';
import { COMMUNITY, type JobsRig, jobsRig, STREET } from '../test/jobs-rig.ts';
import { driverFactories, until } from '../test/queues.ts';
import type { Backlog } from './lines.ts';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const OFFICE = 'oc_sample_office';
const watch = { lineWatch: { warnCount: 5, warnWaitSeconds: 3600, warnAfterSeconds: 0 }, lineWatchMs: 50 };

describe.each(driverFactories)('long lines on %s', (_name, make) => {
  let r: JobsRig | undefined;
  let second: JobsRig | undefined;
  afterEach(async () => {
    await second?.stop();
    await r?.stop();
    await r?.t.close();
    r = second = undefined;
  });

  const warnings = async () =>
    (await r!.rows())
      .filter((x) => (x.payload as { message: { kind: string } }).message.kind === 'line_warning')
      .map((x) => ({ chat: x.chat_id, title: (x.payload as { message: { title: string } }).message.title }));

  it('warns the office once per episode, whichever worker looks, and shows the backlog', async () => {
    r = await jobsRig(await make(), { opts: watch });
    second = await jobsRig(await make(), { t: r.t, opts: watch });
    r.lark.online = second.lark.online = false;
    for (let i = 1; i <= 6; i++) await r.say(`ou_res_${i}`, COMMUNITY, `晨辉路${i}号门口垃圾堆积`);
    await until(async () => (await warnings()).length >= 2, 'the office warned');
    await new Promise((res) => setTimeout(res, 500)); // both workers look again, several times
    expect((await warnings()).sort((a, b) => a.title.localeCompare(b.title))).toEqual([
      { chat: OFFICE, title: '消息积压：晨辉社区' },
      { chat: OFFICE, title: '消息积压：锦华路街道' },
    ]);

    const app = new Hono<AppEnv>();
    const services = {
      ...r.services,
      runtime: { ...r.services.runtime, env: loadServiceEnv({ ADMIN_TOKEN }) },
    } as unknown as Services;
    await (await import('../bot/admin/queues.ts')).mountQueueAdmin(app, services);
    expect((await app.request('/api/outbox/backlog')).status).toBe(401);
    const res = await app.request('/api/outbox/backlog', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const backlog = (await res.json()) as Backlog;
    expect(backlog.waiting).toBe(14);
    const line = (chat: string) => backlog.lines.find((l) => l.chatId === chat);
    expect(line(COMMUNITY)).toMatchObject({
      platform: 'lark',
      unit: 'chenhui',
      name: '晨辉社区',
      waiting: 6,
      urgent: 0,
    });
    expect(line(COMMUNITY)!.oldestWaitSeconds).toBeGreaterThanOrEqual(0);
    expect(line(COMMUNITY)!.warnedAt).not.toBeNull();
    expect(line(STREET)).toMatchObject({ name: '锦华路街道', waiting: 6 });
    expect(line(OFFICE)).toMatchObject({ unit: 'office', waiting: 2, urgent: 2, warnedAt: null });

    // the lines drain: the episodes end
    r.lark.online = second.lark.online = true;
    await until(() => r!.settled(), 'every row sent', 20_000);
    await until(
      async () => (await r!.t.db.selectFrom('outbox_lines').selectAll().execute()).length === 0,
      'the episodes over',
    );
    // a new episode: a new warning
    r.lark.online = second.lark.online = false;
    for (let i = 1; i <= 6; i++) await r.say(`ou_res_${i}`, COMMUNITY, `晨辉路${i}号井盖破损`);
    await until(async () => (await warnings()).length >= 4, 'warned again');
    await new Promise((res) => setTimeout(res, 300));
    expect(await warnings()).toHaveLength(4);
  });
});
