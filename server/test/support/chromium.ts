import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ci } from './env.js';
import { repoRoot } from './server.js';

/** Debian's Chromium (never a downloaded browser), or CHROMIUM_BIN. */
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** True when Chromium is installed; false (skip, saying so) when not, except under CI=true: then it throws. */
export function chromiumPresent(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const help = 'install it with `apt-get install -y chromium` (Debian) or set CHROMIUM_BIN';
  if (ci) throw new Error(`Chromium is required under CI=true but ${CHROMIUM} is missing: ${help}`);
  console.warn(`[tests] ${CHROMIUM} is missing: skipping the browser test; ${help}`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/**
 * Takes a screenshot of `page` (so rendering it is part of the test), and writes it to docs/`name`
 * only when asked: `npm run screenshots` sets SCREENSHOTS=true. A plain `npm test` leaves the
 * committed pictures alone.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const picture = await page.screenshot();
  if (process.env.SCREENSHOTS !== 'true') return;
  mkdirSync(join(repoRoot, 'docs'), { recursive: true });
  writeFileSync(join(repoRoot, 'docs', name), picture);
}
