// Once per e2e run: database, API, web app. Tests get the URLs through vitest's provide/inject.
import type { TestProject } from 'vitest/node';
import { createTestDatabase, startTestServer } from '@slicewise/db/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureWebBuild, hasWorker, startApi, startWeb, startWorker } from './stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    webUrl: string;
    apiUrl: string;
    hasWorker: boolean;
  }
}

export default async function setup(project: TestProject) {
  // Against an already running stack (while developing): E2E_WEB_URL and E2E_API_URL.
  if (process.env.E2E_WEB_URL && process.env.E2E_API_URL) {
    project.provide('webUrl', process.env.E2E_WEB_URL);
    project.provide('apiUrl', process.env.E2E_API_URL);
    project.provide('hasWorker', process.env.E2E_HAS_WORKER === '1');
    return;
  }
  const t0 = Date.now();
  const stops: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    // The build (tens of seconds) overlaps with starting PostgreSQL and the API.
    const build = ensureWebBuild();
    build.catch(() => {});
    const server = await startTestServer(process.env.DATABASE_URL || undefined);
    stops.push(() => server.teardown());
    const db = await createTestDatabase(server.adminUrl, server.template);
    stops.push(() => db.drop());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slicewise-e2e-data-'));
    stops.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const storageDir = path.join(dataDir, 'storage');
    const api = await startApi(db.url, storageDir);
    stops.push(() => api.child.stop());
    if (hasWorker()) {
      const worker = await startWorker(db.url, storageDir);
      stops.push(() => worker.stop());
    }
    const b = await build;
    const web = await startWeb(api.url);
    stops.push(() => web.child.stop());
    project.provide('webUrl', web.url);
    project.provide('apiUrl', api.url);
    project.provide('hasWorker', hasWorker());
    process.stdout.write(`[e2e] stack ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (web build: ${b.built ? `${b.seconds.toFixed(1)} s` : 'up to date'})\n`);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
