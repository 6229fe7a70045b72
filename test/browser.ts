// Test-only: Debian's chromium through playwright-core, the same way in every browser test. On a
// machine without it the browser tests are skipped, with the reason in their title; CI sets
// HUYING_REQUIRE_BROWSER=1, so there a missing browser fails them instead of skipping them.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const required = process.env.HUYING_REQUIRE_BROWSER === '1';

/** true when the browser tests cannot run here and need not */
export const skipBrowser = !present && !required;

/** a test title that says when and why it is skipped */
export const browserTitle = (title: string) =>
  skipBrowser ? `${title} — SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium)` : title;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
