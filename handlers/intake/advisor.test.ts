// The district's own language model, asked about unsure reports only, against a local fake
// OpenAI-compatible endpoint: its advice is taken when it answers in time with a catalog code;
// otherwise the local reading stands and the report is made all the same.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../config/env.ts';
import { silentLogger } from '../../config/log.ts';
import { type FakeLlm, fakeLlm } from '../../test/fakes/llm.ts';
import { IN_DOUBT, IN_DOUBT_PLACED } from '../../test/fixtures/in-doubt.ts';
import { type World, world } from '../../test/world.ts';
import { createParser, LOW_CONFIDENCE } from '../intake.ts';
import { advicePrompt, createAdvisor } from './advisor.ts';

// Two matters in one breath, neither clearly the point: the parser is unsure (and calls it other).
const UNSURE = '楼下乱糟糟的，有堆东西，也有点味道';
const SURE = '晨辉路12号路灯不亮了，晚上很黑';
const TRAPPED = '电梯卡在三楼和四楼中间，里面有个婆婆在喊';

let w: World;
let llm: FakeLlm;
const json = (o: unknown) => ({ content: JSON.stringify(o) });

beforeAll(async () => {
  w = await world();
  llm = await fakeLlm(() => json({ category: 'occupation', emergency: false }));
});
afterAll(async () => {
  await llm?.close();
  await w?.close();
});
afterEach(() => {
  llm.requests.length = 0;
  llm.answer = () => json({ category: 'occupation', emergency: false });
  w.ctx.advise = undefined;
});

const useAdvisor = (timeoutMs = 1000, extra: Partial<Parameters<typeof createAdvisor>[1]> = {}) => {
  w.ctx.advise = createAdvisor(w.ctx.district, {
    url: llm.url,
    model: 'district-qwen',
    apiKey: 'sk-district',
    timeoutMs,
    log: silentLogger,
    ...extra,
  });
  return w.ctx.advise;
};

async function reportCall(text: string) {
  const o = await w.say(w.actors.resident, text, 'oc_sample_chenhui');
  expect(o).toMatchObject({ ok: true });
  const no = (o as { callNo: string }).callNo;
  return w.t.db.selectFrom('calls').selectAll().where('no', '=', no).executeTakeFirstOrThrow();
}

describe('the district language model as a second opinion', () => {
  it('is asked about an unsure report only, and its category is taken (the card says who said it)', async () => {
    const local = createParser(w.ctx.district)(UNSURE);
    expect(local.confidence).toBeLessThan(LOW_CONFIDENCE);
    expect(local.category).not.toBe('occupation');
    useAdvisor();

    const call = await reportCall(UNSURE);
    expect(call).toMatchObject({ category_code: 'occupation', tier: 'general', emergency: false });
    expect(llm.requests).toHaveLength(1);
    const asked = llm.requests[0];
    expect(asked.auth).toBe('Bearer sk-district');
    expect(asked.body.model).toBe('district-qwen');
    expect(asked.body.messages.at(-1)).toEqual({ role: 'user', content: UNSURE });
    expect(asked.body.messages[0].content).toContain('occupation：占道经营与堆物');

    // the street still hears the bot was unsure, with the model's choice first among the guesses
    const triage = (await w.outbox('jinhualu')).at(-1)!.message;
    expect(triage.callNo).toBe(call.no);
    expect(triage.text).toContain('不确定');
    expect(triage.text).toContain('占道经营与堆物（区大模型建议）');
    expect(triage.buttons!.find((b) => b.label.startsWith('按「'))!.label).toBe('按「占道经营与堆物」呼叫');
    expect(await w.reported(call.no)).toMatchObject({
      draft: { advice: { category: 'occupation', emergency: false } },
    });

    // a report the parser is sure of, and an emergency (which must not wait), are not asked about
    expect((await reportCall(SURE)).category_code).toBe('street_light');
    expect((await reportCall(TRAPPED)).emergency).toBe(true);
    expect(llm.requests).toHaveLength(1);
  });

  it('may raise an alarm the parser did not hear, through what is said in a chat too', async () => {
    llm.answer = () => json({ category: 'other', emergency: true });
    useAdvisor();
    const o = await w.run(w.actors.resident, { type: 'said', text: UNSURE }, 'oc_sample_chenhui');
    expect(o).toMatchObject({ ok: true });
    const call = await w.t.db
      .selectFrom('calls')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(call).toMatchObject({ text: UNSURE, emergency: true, tier: 'emergency' });
    expect(llm.requests).toHaveLength(1);
  });

  it('is asked about a report that may be an emergency, raising it but keeping a category the parser is sure of', async () => {
    const text = IN_DOUBT;
    const local = createParser(w.ctx.district)(text);
    expect(local).toMatchObject({ category: 'road_damage', emergency: false, alarmDoubt: true });
    expect(local.confidence).toBeGreaterThanOrEqual(LOW_CONFIDENCE);
    llm.answer = () => json({ category: 'other', emergency: true });
    useAdvisor();
    const call = await reportCall(text);
    expect(call).toMatchObject({ category_code: 'road_damage', emergency: true, tier: 'emergency' });
    expect(llm.requests).toHaveLength(1);
    // and where the model sees no emergency, the report stays in doubt for the street to check
    llm.answer = () => json({ category: 'road_damage', emergency: false });
    const again = await reportCall(IN_DOUBT_PLACED);
    expect(again).toMatchObject({ category_code: 'road_damage', emergency: false });
    expect((await w.outbox('jinhualu')).at(-1)!.message.title).toContain('【请核实】');
  });

  it('keeps the local reading when the model is slow, wrong, or down, and the report is made', async () => {
    const local = createParser(w.ctx.district)(UNSURE);
    const answers = [
      { delayMs: 60_000, ...json({ category: 'occupation', emergency: false }) }, // far past the timeout
      { status: 500, content: 'overloaded' },
      { content: '我觉得是占道经营' }, // no JSON
      json({ category: 'parking_fee', emergency: false }), // no such code
      { raw: '{"error":"bad model"}' },
    ];
    for (const answer of answers) {
      llm.answer = () => answer;
      const advise = useAdvisor(300, { failuresToRest: 100 });
      // (a slow answer is given up at the timeout: were it waited for, the test would time out)
      expect(await advise(local)).toEqual(local);
      const call = await reportCall(UNSURE);
      expect(call).toMatchObject({ category_code: local.category, emergency: false });
    }
  });

  it('leaves a failing endpoint alone for a while, then asks it again', async () => {
    llm.answer = () => ({ status: 503 });
    let now = 1_000_000;
    const advise = useAdvisor(1000, { failuresToRest: 2, restMs: 60_000, now: () => now });
    const local = createParser(w.ctx.district)(UNSURE);
    for (let i = 0; i < 5; i++) expect(await advise(local)).toEqual(local);
    expect(llm.requests).toHaveLength(2);
    now += 60_001;
    llm.answer = () => json({ category: 'garbage', emergency: false });
    expect((await advise(local)).category).toBe('garbage');
    expect(llm.requests).toHaveLength(3);
  });

  it('never takes an alarm away, and an answer wrapped in prose or fences is read', async () => {
    const advise = useAdvisor();
    const local = createParser(w.ctx.district)(UNSURE);
    llm.answer = () => ({ content: '```json\n{"category": "garbage", "emergency": false}\n```' });
    expect((await advise(local)).category).toBe('garbage');
    // a draft already an emergency is never sent (and so never lowered)
    const alarm = createParser(w.ctx.district)(TRAPPED);
    expect(await advise(alarm)).toBe(alarm);
  });

  it('lists every catalog code in its instructions', () => {
    const prompt = advicePrompt(w.ctx.district);
    for (const item of w.ctx.district.catalog) expect(prompt).toContain(`${item.code}：${item.name}`);
  });

  it('is configured by HUYING_LLM_URL with HUYING_LLM_MODEL, each refused without the other', () => {
    const env = loadEnv({ HUYING_LLM_URL: 'http://10.0.0.5:8000/v1', HUYING_LLM_MODEL: 'qwen2.5-14b' });
    expect(env).toMatchObject({ HUYING_LLM_TIMEOUT_MS: 1500, HUYING_LLM_MODEL: 'qwen2.5-14b' });
    expect(() => loadEnv({ HUYING_LLM_URL: 'http://10.0.0.5:8000/v1' })).toThrow(/HUYING_LLM_MODEL/);
    expect(() => loadEnv({ HUYING_LLM_MODEL: 'qwen' })).toThrow(/HUYING_LLM_URL/);
    expect(() => loadEnv({ HUYING_LLM_URL: 'ftp://x', HUYING_LLM_MODEL: 'q' })).toThrow(/HUYING_LLM_URL/);
    expect(() =>
      loadEnv({ HUYING_LLM_URL: 'http://x/v1', HUYING_LLM_MODEL: 'q', HUYING_LLM_TIMEOUT_MS: '60000' }),
    ).toThrow(/HUYING_LLM_TIMEOUT_MS/);
  });
});
