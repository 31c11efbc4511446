// The README's screenshot script, run by the suite with the tiny-random model into test-results/ (the
// real default model takes minutes; `npm run screenshots -w @slicewise/e2e` uses it for docs/screenshots).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { SCREENSHOTS, takeScreenshots } from './screenshots.ts';
import { repoRoot } from './stack.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('the screenshot script', () => {
  it('makes every README screenshot from a generated cohort', async (ctx) => {
    if (!inject('hasWorker')) return ctx.skip();
    const outDir = path.join(repoRoot, 'test-results', 'screenshots-script');
    fs.rmSync(outDir, { recursive: true, force: true });
    const files = await takeScreenshots({ browser, webUrl: inject('webUrl'), apiUrl: inject('apiUrl'), outDir, model: 'tiny-random', size: 3, cohortTimeoutMs: 90_000 });
    expect(files.map((f) => path.basename(f, '.png')).sort()).toEqual([...SCREENSHOTS].sort());
    for (const f of files) {
      const png = fs.readFileSync(f);
      expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      expect(png.length, f).toBeGreaterThan(5_000);
    }
  }, 240_000);
});
