// The server started with HUYING_LLM_URL and HUYING_LLM_MODEL asks the district's language model
// (here a local fake) about a report the parser is unsure of, and the street's triage card says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, fakeLlm } from '../fakes/llm.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

let llm: FakeLlm;
let sim: SimServer;
beforeAll(async () => {
  llm = await fakeLlm(() => ({ content: '{"category":"occupation","emergency":false}' }));
  sim = await startSimServer({
    env: { HUYING_LLM_URL: llm.url, HUYING_LLM_MODEL: 'district-qwen', HUYING_LLM_TIMEOUT_MS: '2000' },
  });
});
afterAll(async () => {
  await sim?.close();
  await llm?.close();
});

describe('a server configured with the district language model', () => {
  it('takes its advice on an unsure report from a chat, and leaves a clear one alone', async () => {
    const state = await sim.api('GET', '/sim/api/state');
    const resident = state.body.personas.find((p: { roleCode: string }) => p.roleCode === 'resident');
    const say = (text: string) =>
      sim.api('POST', `/sim/api/chats/${resident.chats[0]}/messages`, { from: resident.id, text });
    expect((await say('@呼应 楼下乱糟糟的，有堆东西，也有点味道')).status).toBe(200);
    expect((await say('@呼应 晨辉路12号路灯不亮了，晚上很黑')).status).toBe(200);
    expect(llm.requests.map((r) => r.body.messages.at(-1)!.content)).toEqual([
      '楼下乱糟糟的，有堆东西，也有点味道',
    ]);
    expect(llm.requests[0].body.model).toBe('district-qwen');

    // the triage card reaches the street's chat once the outbox is sent
    let cards: { text?: string; title?: string }[] = [];
    for (let i = 0; i < 100 && !cards.some((m) => m.text?.includes('区大模型建议')); i++) {
      const { body } = await sim.api('GET', '/sim/api/chats/sim-jinhualu/messages');
      cards = body.messages.map((m: { message: { text?: string; title?: string } }) => m.message);
      await new Promise((r) => setTimeout(r, 50));
    }
    const card = cards.find((m) => m.text?.includes('区大模型建议'));
    expect(card?.text).toContain('占道经营与堆物（区大模型建议）');
  });
});
