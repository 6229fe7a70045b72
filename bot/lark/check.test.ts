// `huying lark check` against the fake Open API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLark, startFakeLark } from '../../test/fakes/lark-open-api.ts';
import { loadServiceEnv } from '../adapters.ts';
import { larkCheckCli } from './check.ts';

describe('larkCheckCli', () => {
  let fake: FakeLark;
  beforeAll(async () => {
    fake = await startFakeLark();
  });
  afterAll(() => fake.close());

  const run = async (vars: Record<string, string>) => {
    const lines: string[] = [];
    const code = await larkCheckCli(loadServiceEnv(vars), (l) => lines.push(l));
    return { code, text: lines.join('\n') };
  };
  const creds = () => ({ LARK_APP_ID: fake.appId, LARK_APP_SECRET: fake.appSecret, LARK_DOMAIN: fake.url });

  it('verifies the credentials, names the bot and lists what to configure', async () => {
    const { code, text } = await run({
      ...creds(),
      LARK_ENCRYPT_KEY: 'k',
      LARK_VERIFICATION_TOKEN: 't',
      HUYING_PUBLIC_URL: 'https://huying.example.gov.cn/',
    });
    expect(code).toBe(0);
    expect(text).toContain(`open_id ${fake.botOpenId}`);
    expect(text).toContain('Huying Test Bot');
    for (const s of [
      'im:message',
      'im:message.group_at_msg:readonly',
      'im:message:send_as_bot',
      'im:resource',
      'im:chat:readonly',
    ])
      expect(text).toContain(s);
    expect(text).toContain('im.message.receive_v1');
    expect(text).toContain('card.action.trigger');
    expect(text).toContain('https://huying.example.gov.cn/webhooks/lark');
    expect(text).toMatch(/lark check: ok$/);
  });

  it('fails on a wrong secret, saying where to look', async () => {
    const { code, text } = await run({ ...creds(), LARK_APP_SECRET: 'wrong' });
    expect(code).toBe(1);
    expect(text).toMatch(/token: +FAILED: .*10014/);
    expect(text).toContain('凭证与基础信息');
  });

  it('flags a production webhook without an encrypt key, and describes the long connection', async () => {
    const prod = await run({ ...creds(), NODE_ENV: 'production' });
    expect(prod.code).toBe(1);
    expect(prod.text).toContain('LARK_ENCRYPT_KEY is not set');
    const ws = await run({ ...creds(), LARK_MODE: 'ws', NODE_ENV: 'production' });
    expect(ws.code).toBe(0);
    expect(ws.text).toContain('long connection');
  });

  it('says what to set when Lark is not configured', async () => {
    expect((await run({})).code).toBe(2);
  });
});
