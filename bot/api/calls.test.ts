// The office's read API: the admin token, filters, pagination, one call with its
// assignments and timeline; bad filters answered 400 in Chinese.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type World, world } from '../../test/world.ts';
import { callsApi } from './calls.ts';

const TOKEN = 'office-admin-token-0123456789';
let w: World;
let api: ReturnType<typeof callsApi>;
const nos: Record<string, string> = {};

beforeAll(async () => {
  w = await world();
  const report = async (key: string, text: string) => {
    const out = await w.say(w.actors.resident, text);
    expect(out.ok).toBe(true);
    nos[key] = (out as { callNo: string }).callNo;
  };
  await report('light', '@呼应 晨辉路12号路灯不亮了，电话13812345678');
  await w.clock.advance(60_000);
  await report('garbage', '@呼应 晨辉社区3栋垃圾堆积没人清运');
  await w.clock.advance(60_000);
  await report('noise', '@呼应 晨辉路工地夜间施工噪音扰民');
  expect((await w.say(w.actors.liang, `呼叫 ${nos.light}`)).ok).toBe(true);
  expect((await w.say(w.actors.cgw, `报到 ${nos.light}`)).ok).toBe(true);
  api = callsApi(w.ctx, TOKEN);
});
afterAll(async () => w?.close());

const auth = { Authorization: `Bearer ${TOKEN}` };
const get = (path: string, headers: Record<string, string> = auth) => api.request(path, { headers });
async function list(query: string) {
  const res = await get(`/?${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { items: any[]; page: number; per_page: number; has_more: boolean };
}

describe('read API for the office', () => {
  it('wants the admin token (Bearer or ?token=)', async () => {
    expect((await get('/', {})).status).toBe(401);
    expect((await get('/', { Authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await api.request(`/?token=${TOKEN}`)).status).toBe(200);
    expect((await callsApi(w.ctx, undefined).request('/', { headers: auth })).status).toBe(503);
  });

  it('lists calls newest first, with Chinese names and masked phones', async () => {
    const body = await list('');
    expect(body).toMatchObject({ page: 1, per_page: 20, has_more: false });
    expect(body.items.map((i) => i.no)).toEqual([nos.noise, nos.garbage, nos.light]);
    const light = body.items.find((i) => i.no === nos.light);
    expect(light).toMatchObject({ state: 'acknowledged', state_name: '已报到', street_name: '锦华路街道' });
    expect(light.text).toContain('138****5678');
  });

  it('filters by state, street, department, tier, overdue and dates', async () => {
    expect((await list('state=acknowledged')).items.map((i) => i.no)).toEqual([nos.light]);
    expect((await list('department=cgw')).items.map((i) => i.no)).toEqual([nos.light]);
    expect((await list('street=shuyuanjie')).items).toEqual([]);
    expect((await list('tier=simple')).items.map((i) => i.no)).toEqual([nos.garbage]);
    expect((await list('overdue=true')).items).toEqual([]);
    expect((await list('from=2026-11-23&to=2026-11-23')).items).toHaveLength(3);
    expect((await list('to=2026-11-22')).items).toEqual([]);
    expect((await list('from=2026-11-23T10:00:30%2B08:00')).items.map((i) => i.no)).toEqual([
      nos.noise,
      nos.garbage,
    ]);
    await w.clock.advance(14 * 24 * 3600_000);
    expect((await list('overdue=true')).items.map((i) => i.no)).toEqual([nos.light]);
  });

  it('pages with page and per_page', async () => {
    const first = await list('per_page=2');
    expect(first).toMatchObject({ page: 1, per_page: 2, has_more: true });
    expect(first.items.map((i) => i.no)).toEqual([nos.noise, nos.garbage]);
    const second = await list('per_page=2&page=2');
    expect(second).toMatchObject({ page: 2, has_more: false });
    expect(second.items.map((i) => i.no)).toEqual([nos.light]);
  });

  it.each([
    ['state=nope', /state 须为/],
    ['street=nowhere', /没有这个街道/],
    ['department=jinhualu', /没有这个部门/],
    ['tier=huge', /tier 须为/],
    ['overdue=yes', /overdue 须为 true 或 false/],
    ['from=yesterday', /from 须为日期/],
    ['to=2026-02-30', /to 须为日期/],
    ['from=2026-11-24&to=2026-11-01', /起始日期须早于截止日期/],
    ['per_page=101', /per_page 不能大于 100/],
    ['page=0', /page 不能小于 1/],
    ['page=x', /page 须为整数/],
    ['colour=red', /不支持的参数：colour/],
  ])('refuses %s with 400', async (query, message) => {
    const res = await get(`/?${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('bad_filter');
    expect(body.message).toMatch(message);
  });

  it('shows one call with assignments, deadlines and the timeline in Chinese', async () => {
    const res = await get(`/${nos.light.slice(-4)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.call).toMatchObject({ no: nos.light, reporter_name: '王阿姨', tier_name: '一般问题' });
    expect(body.assignments).toEqual([
      expect.objectContaining({
        unit: 'cgw',
        unit_name: '区城管委',
        role_name: '牵头',
        round: 1,
        state_name: '已报到',
        ack_due_at: expect.any(String),
        acknowledged_at: expect.any(String),
        resolve_due_at: expect.any(String),
        resolve_overdue: true,
      }),
    ]);
    expect(body.timeline.map((e: any) => e.name)).toEqual(['反映问题', '呼叫', '报到']);
    expect(body.timeline[0]).toMatchObject({ actor: '王阿姨', kind: 'reported' });
    expect(JSON.stringify(body.timeline)).not.toContain('13812345678');
  });

  it('answers 404 for an unknown call and 400 for something that is no number', async () => {
    expect((await get('/JJ-20990101-0001')).status).toBe(404);
    const bad = await get('/hello');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).message).toContain('不是呼叫单编号');
  });
});
