// The office's console in a real browser (Debian chromium, headless) on the real server, after a
// month of the mechanism played in the simulator: log in through the simulator, the overview's
// numbers against the database, overdue calls, a reassignment announced in the chats, and a
// department kept to its own calls. Writes the README's screenshots.
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/connect.ts';
import { OPEN_CALL_STATES } from '../../handlers/calls.ts';
import { browserTitle, launchChromium, skipBrowser } from '../browser.ts';
import { loginLink, persona, type SimPersona } from '../console.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

describe.skipIf(skipBrowser)(browserTitle('the console in a browser'), () => {
  let app: SimServer;
  let db: Db;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    app = await startSimServer({ redis: true });
    db = app.server.runtime.database.db;
    const demo = await app.api('POST', '/sim/api/demo');
    expect(demo.status).toBe(200);
    browser = await launchChromium();
  }, 240_000);
  afterAll(async () => {
    for (const c of contexts) await c.close(); // before the server: open pages hold live streams
    await browser?.close();
    await app?.close();
  });

  async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'zh-CN' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  }
  /** Logs the persona in with a link the bot sent it, in a page of its own. */
  async function loggedIn(who: SimPersona, viewport?: { width: number; height: number }) {
    const page = await newPage(viewport);
    await page.goto(`${app.url}${await loginLink(app, who)}`);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('viewer').filter({ hasText: who.name }).waitFor();
    return page;
  }
  /** The README's pictures, once the shipped Chinese font has loaded (the test machine has none). */
  async function screenshot(page: Page, path: string) {
    mkdirSync('docs', { recursive: true });
    await page.evaluate('document.fonts.ready.then(() => true)');
    await page.screenshot({ path, fullPage: true });
  }
  const num = async (page: Page, testid: string) =>
    Number(await page.getByTestId(testid).locator('.n').textContent());
  /** Calls open now with an assignment past a deadline, as the database has them. */
  async function overdueOpen(): Promise<string[]> {
    const now = app.server.runtime.clock.now();
    const rows = await db
      .selectFrom('calls as c')
      .innerJoin('assignments as a', 'a.call_id', 'c.id')
      .select('c.no')
      .distinct()
      .where('c.state', 'in', OPEN_CALL_STATES)
      .where('a.state', 'in', ['dispatched', 'acknowledged', 'in_progress'])
      .where((e) =>
        e.or([
          e.and([e('a.acknowledged_at', 'is', null), e('a.ack_due_at', '<', now)]),
          e('a.resolve_due_at', '<', now),
        ]),
      )
      .execute();
    return rows.map((r) => r.no).sort();
  }

  it('logs in through the simulator and shows the overview as the database has it, live', {
    timeout: 180_000,
  }, async () => {
    const office = await persona(app, (p) => p.roleCode === 'office_staff');
    const page = await newPage();
    // in the simulator: the office says 登录后台 in its chat and alone sees the link
    await page.goto(`${app.url}/sim`);
    const select = page.getByTestId('persona-select');
    await select.selectOption(office.id);
    await page.getByTestId('chat-item').filter({ hasText: '呼应办工作群' }).click();
    await page.getByTestId('composer').fill('登录后台');
    await page.getByTestId('send-button').click();
    const card = page.getByTestId('message').filter({ hasText: '呼应后台 · 登录链接' }).last();
    await card.getByTestId('only-you').waitFor(); // 仅你可见: the others in the group do not see it
    const href = await card.getByTestId('card-link').getAttribute('href');
    expect(href).toMatch(/^\/console\/login\/[A-Za-z0-9_-]{43}$/);
    await page.goto(`${app.url}${href}`);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('overview').waitFor();
    expect(new URL(page.url()).pathname).toBe('/console');

    const open = await db
      .selectFrom('calls')
      .select(['state', 'tier'])
      .where('state', 'in', OPEN_CALL_STATES)
      .execute();
    expect(open.length).toBeGreaterThan(0);
    expect(await num(page, 'overview-open')).toBe(open.length);
    for (const s of OPEN_CALL_STATES)
      expect(await num(page, `state-${s}`)).toBe(open.filter((c) => c.state === s).length);
    for (const t of ['simple', 'general', 'complex', 'key', 'emergency'])
      expect(await num(page, `tier-${t}`)).toBe(open.filter((c) => c.tier === t).length);
    expect(await num(page, 'overview-overdue')).toBe((await overdueOpen()).length);
    await page.getByTestId('live').filter({ hasText: '实时' }).waitFor();

    // a resident reports: the overview counts it without a reload
    const before = await num(page, 'overview-open');
    const resident = await persona(app, (p) => p.roleCode === 'resident');
    const said = await app.api('POST', `/sim/api/chats/${resident.chats[0]}/messages`, {
      from: resident.id,
      text: '@呼应 晨辉路8号门口垃圾堆了三天没人清运',
    });
    expect(said.body.result.status).toBe('handled');
    await expect.poll(() => num(page, 'overview-open'), { timeout: 15_000 }).toBe(before + 1);
    await screenshot(page, 'docs/console-overview.png');
  });

  it('filters the calls to the overdue ones, in a URL that can be shared', { timeout: 120_000 }, async () => {
    const office = await persona(app, (p) => p.roleCode === 'office_staff');
    const page = await loggedIn(office);
    await page.getByRole('link', { name: '呼叫单', exact: true }).click();
    await page.getByTestId('filter-overdue').selectOption('1');
    await page.getByTestId('filter-submit').click();
    await page.waitForURL(/overdue=1/);
    const expected = await overdueOpen();
    const all = await db.selectFrom('calls').select('no').execute();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    const shown = (await page.getByTestId('call-link').allTextContents()).sort();
    expect(shown).toEqual(expected);
    expect(await page.getByTestId('calls-total').textContent()).toBe(`共 ${expected.length} 件`);
    // the same URL in another browser shows the same list
    const url = page.url();
    const other = await loggedIn(await persona(app, (p) => p.roleCode === 'leader'));
    await other.goto(url);
    expect((await other.getByTestId('call-link').allTextContents()).sort()).toEqual(shown);
  });

  it('reassigns an assignment from the call page; the chats hear it as from a typed command', {
    timeout: 120_000,
  }, async () => {
    const [no] = await overdueOpen();
    const call = await db.selectFrom('calls').selectAll().where('no', '=', no).executeTakeFirstOrThrow();
    const from = (
      await db
        .selectFrom('assignments')
        .select('unit_code')
        .where('call_id', '=', call.id)
        .where('state', 'in', ['dispatched', 'acknowledged', 'in_progress'])
        .executeTakeFirstOrThrow()
    ).unit_code;
    const to = from === 'cgw' ? 'swj' : 'cgw';
    const office = await persona(app, (p) => p.roleCode === 'office_staff');
    const page = await loggedIn(office);
    await page.goto(`${app.url}/console/calls/${no}`);
    await page.getByTestId('assignments').waitFor();
    await screenshot(page, 'docs/console-call.png');
    const form = page.getByTestId('action-reassign');
    await form.getByTestId('action-reassign-from').selectOption(from);
    await form.getByTestId('action-reassign-to').selectOption(to);
    await form.getByTestId('action-reassign-reason').fill('职责不符，改由对口部门办理');
    await form.getByTestId('action-reassign-submit').click();
    await page.getByTestId('notice').filter({ hasText: '已改派' }).waitFor();
    expect(await page.getByTestId('assignments').textContent()).toContain('已改派');
    expect(await page.getByTestId('timeline').textContent()).toContain('改派 · 呼应办值班');
    // recorded like a typed 改派, and announced in the new department's chat
    const events = await db
      .selectFrom('call_events')
      .select(['kind', 'actor_person_id'])
      .where('call_id', '=', call.id)
      .execute();
    expect(events.map((e) => e.kind)).toContain('reassigned');
    const chat = `sim-${to}`;
    await expect
      .poll(
        async () => {
          const { messages } = (await app.api('GET', `/sim/api/chats/${chat}/messages`)).body;
          return messages.some((m: any) => m.message?.callNo === no || (m.message?.title ?? '').includes(no));
        },
        { timeout: 15_000 },
      )
      .toBe(true);
  });

  it('keeps a department to its own calls: another department’s call is refused, also by its URL', {
    timeout: 120_000,
  }, async () => {
    const liaison = await persona(app, (p) => p.roleCode === 'liaison' && p.unit === 'cgw');
    const page = await loggedIn(liaison, { width: 390, height: 844 });
    // on a phone: nothing wider than the screen, and the first Tab reaches the skip link
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('跳到正文');
    await page.goto(`${app.url}/console/calls`);
    const shown = await page.getByTestId('call-link').allTextContents();
    const theirs = await db
      .selectFrom('calls as c')
      .innerJoin('assignments as a', 'a.call_id', 'c.id')
      .select('c.no')
      .distinct()
      .where('a.unit_code', '=', 'cgw')
      .execute();
    expect(shown.length).toBeGreaterThan(0);
    for (const no of shown) expect(theirs.map((t) => t.no)).toContain(no);
    const other = await db
      .selectFrom('calls')
      .select('no')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('assignments as a')
              .select('a.id')
              .whereRef('a.call_id', '=', 'calls.id')
              .where('a.unit_code', '=', 'cgw'),
          ),
        ),
      )
      .executeTakeFirstOrThrow();
    const res = await page.goto(`${app.url}/console/calls/${other.no}`);
    expect(res?.status()).toBe(403);
    expect(await page.getByTestId('notice').textContent()).toContain('无权查看');
    expect(await page.content()).not.toContain('可办理的操作');
    // nor act on it
    const act = await page.request.post(`${app.url}/console/calls/${other.no}/actions`, {
      form: { action: 'cancel', reason: '试图越权撤销' },
    });
    expect(act.status()).toBe(403);
    const after = await db
      .selectFrom('calls')
      .select('state')
      .where('no', '=', other.no)
      .executeTakeFirstOrThrow();
    expect(after.state).not.toBe('cancelled');
    // and people and chats are the office's
    expect((await page.goto(`${app.url}/console/people`))?.status()).toBe(403);
  });
});
