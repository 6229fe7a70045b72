// The console's login on the real server: a link works once, for ten minutes; a session is an
// HttpOnly SameSite cookie, listed for its owner and ended when revoked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest } from '../../db/console-sessions.ts';
import { getPage, loginLink, persona, type SimPersona, useLink } from '../console.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

describe('logging in to the console', () => {
  let app: SimServer;
  let office: SimPersona;
  beforeAll(async () => {
    app = await startSimServer();
    office = await persona(app, (p) => p.roleCode === 'office_staff');
  }, 120_000);
  afterAll(() => app?.close());

  it('opens a session once per link, with an HttpOnly SameSite cookie; the link page itself uses nothing', async () => {
    const link = await loginLink(app, office);
    // a link preview fetching the page does not use the link
    expect((await getPage(app, link)).status).toBe(200);
    expect((await getPage(app, link)).text).toContain('进入呼应后台');
    const first = await useLink(app, link);
    expect(first.status).toBe(303);
    expect(first.setCookie).toMatch(/HttpOnly/);
    expect(first.setCookie).toMatch(/SameSite=Lax/);
    expect(first.setCookie).toMatch(/Path=\/console/);
    const home = await getPage(app, '/console', first.cookie);
    expect(home.status).toBe(200);
    expect(home.text).toContain('呼应办值班');
    // stored as digests only
    const db = app.server.runtime.database.db;
    const secret = first.cookie!.split('=')[1];
    const sessions = await db.selectFrom('console_sessions').select('token_hash').execute();
    expect(sessions.map((s) => s.token_hash)).toContain(digest(secret));
    expect(JSON.stringify(sessions)).not.toContain(secret);
    // a second press of the same link
    const again = await useLink(app, link);
    expect(again.status).toBe(410);
    expect(again.text).toContain('已使用过');
    expect(again.cookie).toBeUndefined();
  });

  it('refuses a link after ten minutes', async () => {
    const link = await loginLink(app, office);
    await app.api('POST', '/sim/api/clock', { advance: 'PT9M' });
    const early = await loginLink(app, office);
    await app.api('POST', '/sim/api/clock', { advance: 'PT1M30S' });
    const late = await useLink(app, link);
    expect(late.status).toBe(410);
    expect(late.text).toContain('已过期');
    // the one asked for 1.5 minutes ago still works
    expect((await useLink(app, early)).status).toBe(303);
    // a made-up link
    expect((await useLink(app, `/console/login/${'A'.repeat(43)}`)).status).toBe(400);
  });

  it('lists a person’s sessions and ends one when it is revoked', async () => {
    const a = await useLink(app, await loginLink(app, office));
    const b = await useLink(app, await loginLink(app, office));
    expect((await getPage(app, '/console', b.cookie)).status).toBe(200);
    const db = app.server.runtime.database.db;
    const bId = (
      await db
        .selectFrom('console_sessions')
        .select('id')
        .where('token_hash', '=', digest(b.cookie!.split('=')[1]))
        .executeTakeFirstOrThrow()
    ).id;
    const list = await getPage(app, '/console/sessions', a.cookie);
    expect(list.text).toContain(`/console/sessions/${bId}/revoke`);
    const revoke = await fetch(`${app.url}/console/sessions/${bId}/revoke`, {
      method: 'POST',
      headers: { cookie: a.cookie! },
      redirect: 'manual',
    });
    expect(revoke.status).toBe(303);
    const after = await getPage(app, '/console', b.cookie);
    expect(after.status).toBe(401);
    expect(after.text).toContain('已被撤销');
    expect((await getPage(app, '/console', a.cookie)).status).toBe(200);
    // a session ends by itself after 12 hours
    await app.api('POST', '/sim/api/clock', { advance: 'PT12H1M' });
    expect((await getPage(app, '/console', a.cookie)).status).toBe(401);
  });

  it('refuses a POST from another site, and residents get no link', async () => {
    const s = await useLink(app, await loginLink(app, office));
    const forged = await fetch(`${app.url}/console/sessions/revoke-all`, {
      method: 'POST',
      headers: { cookie: s.cookie!, origin: 'https://evil.example' },
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    expect((await getPage(app, '/console', s.cookie)).status).toBe(200);
    const resident = await persona(app, (p) => p.roleCode === 'resident');
    const said = await app.api('POST', `/sim/api/chats/${resident.chats[0]}/messages`, {
      from: resident.id,
      text: '登录后台',
    });
    expect(said.body.result.status).toBe('refused');
    expect(
      await app.server.runtime.database.db.selectFrom('console_links').selectAll().execute(),
    ).toHaveLength(6);
  });
});
