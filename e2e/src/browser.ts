// Debian's Chromium driven by playwright-core (never `playwright install`: no downloads here).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './stack.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // WebGL2 for the NiiVue viewer without a GPU: Chromium's software renderer.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export async function newUserContext(browser: Browser, baseURL: string, viewport = LAPTOP): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport, reducedMotion: 'reduce', colorScheme: 'light' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  return { context, page };
}

// A plain run keeps its screenshots out of the work tree (test-results/ is ignored);
// `E2E_SCREENSHOTS_DIR=docs/screenshots npm test -w @slicewise/e2e` refreshes the README's.
const screenshotDir = path.resolve(repoRoot, process.env.E2E_SCREENSHOTS_DIR ?? 'test-results/screenshots');

/** Small PNGs of the main pages (viewport only, not the full page). */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), animations: 'disabled' });
}
