// The simulator in a real browser (Debian chromium, headless) on the real server: a general
// call from the resident's report to the street's score, by clicking and typing only.
import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../bot/server.ts';
import type { Db } from '../../db/connect.ts';
import { browserTitle, launchChromium, skipBrowser } from '../browser.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

const SCREENSHOT = 'test-results/sim-general-call.png';

describe.skipIf(skipBrowser)(browserTitle('the simulator in a browser'), () => {
  let app: SimServer;
  let db: Db;
  let server: Server;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await startSimServer({ redis: true });
    server = app.server;
    db = server.runtime.database.db;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 960 }, locale: 'zh-CN' });
    page.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await browser?.close(); // before the server: an open page holds its live-update stream
    await app?.close();
  });

  const byTitle = (text: string) =>
    page
      .getByTestId('card')
      .filter({ has: page.getByTestId('card-title').filter({ hasText: text }) })
      .last();
  /** Waits until the locator shows the text, then returns its text. */
  async function shows(locator: Locator, text: string) {
    await locator.filter({ hasText: text }).first().waitFor();
    return ((await locator.first().textContent()) ?? '').trim();
  }
  async function actAs(name: string) {
    const select = page.getByTestId('persona-select');
    const value = await select
      .locator('option', { hasText: `${name}（` })
      .first()
      .getAttribute('value');
    await select.selectOption(value!);
    await shows(page.getByTestId('persona-info'), name);
  }
  async function type(text: string) {
    await page.getByTestId('composer').fill(text);
    await page.getByTestId('send-button').click();
  }
  const chatTitle = () => page.getByTestId('chat-title');
  const toast = () => page.getByTestId('toast');

  it('plays a general call from the report to the score', { timeout: 180_000 }, async () => {
    await page.goto(`http://127.0.0.1:${server.port}/`);
    expect(new URL(page.url()).pathname).toBe('/sim');
    // a resident opens the page and reports in the community chat
    await shows(page.getByTestId('persona-info'), '晨辉社区居民·张阿姨');
    expect(await shows(chatTitle(), '晨辉社区居民群')).toBe('晨辉社区居民群');
    await shows(page.getByTestId('live'), '实时');
    await page.getByTestId('mention-bot').click();
    expect(await page.getByTestId('composer').inputValue()).toBe('@呼应 ');
    await page.getByTestId('composer').pressSequentially('晨辉路12号路灯不亮了，晚上很黑');
    await page.getByTestId('send-button').click();
    await shows(page.getByTestId('bubble'), '@呼应 晨辉路12号路灯不亮了，晚上很黑');
    const draft = byTitle('已收到反映');
    const no = /JJ-\d{8}-\d{4}/.exec(await shows(draft.getByTestId('card-title'), '已收到反映'))![0];
    expect(await draft.textContent()).toContain('区城管委');
    // the street chat lights up with an unread triage card
    const street = page.getByTestId('chat-item').filter({ hasText: '锦华路街道工作群' });
    expect(await shows(street.getByTestId('unread-badge'), '1')).toBe('1');

    // the street triages: 按建议呼叫
    await actAs('梁益莉');
    await street.click();
    await shows(chatTitle(), '锦华路街道工作群');
    await expect.poll(() => street.getByTestId('unread-badge').count()).toBe(0);
    const triage = byTitle(`新呼叫待研判 ${no}`);
    expect(await triage.textContent()).toContain('晨辉路12号路灯不亮了');
    await triage.getByTestId('card-button-按建议呼叫').click();
    await shows(toast(), `已办理 ${no}`);
    expect(await shows(triage.getByTestId('card-note'), '梁益莉')).toMatch(/^✓ 梁益莉 于 .+ 办理：呼叫$/);
    expect(await triage.getByTestId('card-button-按建议呼叫').count()).toBe(0);
    await shows(byTitle(`呼叫单 ${no}`).getByTestId('card-text'), '已呼叫区城管委');

    // the department's liaison reports in and resolves, typing the result inline
    await actAs('城管联络员');
    await shows(chatTitle(), '区城管委工作群');
    const dispatch = byTitle(`新呼叫请报到 ${no}`);
    expect(await dispatch.textContent()).toContain('@城管联络员');
    await dispatch.getByTestId('card-button-报到').click();
    await shows(toast(), `已办理 ${no}`);
    const work = byTitle(`已报到 ${no}，请处置`);
    await work.getByTestId('card-button-办结').click();
    const ask = work.getByTestId('needs-text');
    await shows(ask, '办结：办理结果');
    await ask.getByTestId('needs-text-input').fill('已更换灯泡，恢复照明');
    await ask.getByTestId('needs-text-submit').click();
    await shows(byTitle(`已办结 ${no}`), '已更换灯泡，恢复照明');
    expect(await shows(work.getByTestId('card-note'), '办理：办结')).toContain('城管联络员');

    // the street closes and scores with the form
    await actAs('梁益莉');
    await shows(chatTitle(), '锦华路街道工作群');
    const close = byTitle(`已办结，请确认结案 ${no}`);
    expect(await close.textContent()).toContain('已更换灯泡，恢复照明');
    await close.getByTestId('card-button-结案').click();
    const score = byTitle(`逆向评议：区城管委 ${no}`);
    await score.getByTestId('card-form').waitFor();
    await score.getByTestId('form-field-professional').selectOption('18');
    await score.getByTestId('form-field-cooperation').selectOption('19');
    await score.getByTestId('form-field-comment').fill('处置及时');
    await score.getByTestId('form-submit').click();
    await shows(byTitle(`已评分 ${no}`), '区城管委 97 分，已备案');
    expect(await shows(score.getByTestId('card-note'), '办理：评分')).toContain('梁益莉');
    expect(await score.getByTestId('card-form').count()).toBe(0);
    await type(`查询 ${no.slice(-4)}`);
    await shows(byTitle(`呼叫单 ${no}：已备案`).getByTestId('card-text'), '评分');

    // the resident rates the result in the community chat
    await actAs('晨辉社区居民·张阿姨');
    await shows(chatTitle(), '晨辉社区居民群');
    const rate = byTitle(`您反映的问题已办结 ${no}`);
    await rate.getByTestId('card-button-满意').click();
    await shows(rate.getByTestId('card-note'), '办理：满意');

    // the manual clock moves on request
    const before = await page.getByTestId('clock-now').textContent();
    await page.getByTestId('clock-1h').click();
    await shows(toast(), '已快进到');
    expect(await page.getByTestId('clock-now').textContent()).not.toBe(before);

    const call = await db.selectFrom('calls').select(['no', 'state']).executeTakeFirstOrThrow();
    expect(call).toEqual({ no, state: 'archived' });

    // the street's view of the whole walk
    await actAs('梁益莉');
    await page.getByTestId('chat-item').filter({ hasText: '锦华路街道工作群' }).click();
    await shows(chatTitle(), '锦华路街道工作群');
    await toast().waitFor({ state: 'hidden' });
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it('sends a photo with a report, keeps unread counts across a reload, and moves the clock by presets', {
    timeout: 120_000,
  }, async () => {
    await page.goto(`http://127.0.0.1:${server.port}/sim`);
    await actAs('金像社区居民·李大爷');
    await page.getByTestId('chat-item').filter({ hasText: '金像社区居民群' }).click();
    await page.getByTestId('attach-photo').setInputFiles({
      name: 'manhole.png',
      mimeType: 'image/png',
      buffer: Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
        'base64',
      ),
    });
    await page.getByTestId('attached').locator('img').waitFor();
    await type('@呼应 金像路7号井盖没了');
    await page.getByTestId('sent-photo').last().waitFor();
    // the street's chat has an unread card; a reload keeps it unread
    const street = page.getByTestId('chat-item').filter({ hasText: '锦华路街道工作群' });
    await street.getByTestId('unread-badge').waitFor();
    await page.reload();
    await shows(page.getByTestId('live'), '实时');
    await street.getByTestId('unread-badge').waitFor();
    // and the triage card shows the photo
    await actAs('梁益莉');
    await street.click();
    await byTitle('新呼叫待研判').locator('img').first().waitFor();
    // the clock's presets are in words
    await page.getByTestId('clock-next-working-morning').click();
    await shows(toast(), '已快进到');
    expect(await page.getByTestId('clock-now').textContent()).toContain('09:00');
  });
});
