// `npm run screenshots -w @slicewise/e2e`: regenerates the README's screenshots (docs/screenshots) with
// the real default model. Starts its own database, API, worker and web app on free ports, like the e2e
// suite, but with SCREENSHOT_MODEL (default sbldm-phantom-64-fast) instead of the random test model.
// SCREENSHOT_SIZE subjects (default 8) take about 5 s each on 2 CPU cores.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, startTestServer } from '@slicewise/db/testing';
import { launchBrowser } from './browser.ts';
import { takeScreenshots } from './screenshots.ts';
import { ensureWebBuild, repoRoot, startApi, startWeb, startWorker } from './stack.ts';

const model = process.env.SCREENSHOT_MODEL ?? 'sbldm-phantom-64-fast';
const size = Number(process.env.SCREENSHOT_SIZE ?? 8);
const outDir = path.resolve(repoRoot, process.env.SCREENSHOT_DIR ?? 'docs/screenshots');
if (!Number.isInteger(size) || size < 2 || size > 100) throw new Error(`SCREENSHOT_SIZE = ${process.env.SCREENSHOT_SIZE}: a whole number of subjects in 2..100`);
if (!fs.existsSync(path.join(repoRoot, 'models', model, 'metadata.json'))) throw new Error(`SCREENSHOT_MODEL = ${model}: no models/${model}/metadata.json`);

const log = (m: string) => process.stdout.write(`[screenshots] ${m}\n`);
const stops: (() => Promise<void>)[] = [];
try {
  const build = ensureWebBuild();
  const server = await startTestServer(process.env.DATABASE_URL || undefined);
  stops.push(() => server.teardown());
  const db = await createTestDatabase(server.adminUrl, server.template);
  stops.push(() => db.drop());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slicewise-screenshots-'));
  stops.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const storageDir = path.join(dataDir, 'storage');
  const api = await startApi(db.url, storageDir, [model]);
  stops.push(() => api.child.stop());
  const worker = await startWorker(db.url, storageDir, [model]);
  stops.push(() => worker.stop());
  await build;
  const web = await startWeb(api.url);
  stops.push(() => web.child.stop());
  const browser = await launchBrowser();
  stops.push(() => browser.close());
  log(`stack ready; model ${model}, ${size} subjects, writing ${path.relative(repoRoot, outDir)}/`);
  const files = await takeScreenshots({ browser, webUrl: web.url, apiUrl: api.url, outDir, model, size, cohortTimeoutMs: size * 60_000, log });
  log(`done: ${files.length} screenshots`);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}
