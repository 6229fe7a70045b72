// The demo month from the simulator page in a real browser (Debian chromium): the office's duty
// officer presses 演示一个月 and then finds the month's bulletin in the office chat, its chart
// drawn inline.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../config/clock.ts';
import { browserTitle, launchChromium, skipBrowser } from '../browser.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

describe.skipIf(skipBrowser)(browserTitle('the demo month in a browser'), () => {
  let app: SimServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // Tuesday 20 October 2026: the demo plays November
    app = await startSimServer({ clock: new ManualClock('2026-10-20T02:00:00Z') });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 960 }, locale: 'zh-CN' });
    page.setDefaultTimeout(60_000);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('plays the month and shows its bulletin with the chart', { timeout: 180_000 }, async () => {
    await page.goto(`${app.url}/sim?as=${encodeURIComponent(await personaId('呼应办值班'))}`);
    await page.getByTestId('demo-month').click();
    await page.getByTestId('toast').filter({ hasText: '已演示 2026年11月：9 件呼叫' }).waitFor();
    expect(await page.getByTestId('clock-now').textContent()).toContain('2026');
    await page.getByTestId('chat-item').filter({ hasText: '呼应办' }).first().click();
    const bulletin = page
      .getByTestId('card')
      .filter({ has: page.getByTestId('card-title').filter({ hasText: '2026年11月' }) })
      .last();
    await bulletin.waitFor();
    expect(await bulletin.textContent()).toContain('1. 国网锦江供电中心');
    const chart = bulletin.getByTestId('card-image');
    await chart.scrollIntoViewIfNeeded();
    await expect
      .poll(() =>
        chart.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
      )
      .toBe(900);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/sim-demo-bulletin.png' });
  });

  async function personaId(name: string): Promise<string> {
    const { body } = await app.api('GET', '/sim/api/state');
    return body.personas.find((p: { name: string }) => p.name === name).id;
  }
});
