// A database restart during a cohort: workers reconnect and the cohort completes.
// Uses its own embedded PostgreSQL (the shared test server must not be restarted under other suites).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDatabase, freePort, migrateDatabase, startEmbeddedPostgres, type EmbeddedDatabase } from '@slicewise/db/server';
import { ensureQueueSchema } from '@slicewise/queue';
import { seedCohort, startWorker, waitFor, type Harness, type WorkerProcess } from './helpers.ts';

let tmp: string;
let port: number;
let server: EmbeddedDatabase;
let h: Harness;
let w: WorkerProcess | undefined;

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, statement_timeout: 5000, query_timeout: 6000 });
  await c.connect();
  return c;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-dbrestart-'));
  fs.chmodSync(tmp, 0o755);
  port = await freePort();
  server = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'data'), port });
  const url = server.urlFor('slicewise');
  await ensureDatabase(server.adminUrl, 'slicewise');
  await migrateDatabase(url);
  await ensureQueueSchema(url);
  const client = await connect(url);
  const storageDir = path.join(tmp, 'storage');
  fs.mkdirSync(storageDir);
  h = {
    db: { url, appUrl: url, name: 'slicewise', drop: async () => {} },
    client,
    storageDir,
    q: async (text, values = []) => (await h.client.query(text, values)).rows,
    close: async () => {},
  };
}, 120_000);

afterAll(async () => {
  if (w && w.child.exitCode === null) w.child.kill('SIGKILL');
  await h?.client.end().catch(() => {});
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('database restart', () => {
  it('workers reconnect after PostgreSQL restarts mid-cohort and the cohort completes', async () => {
    w = startWorker(h, { STEP_DELAY_MS: '40', POLL_INTERVAL_MS: '300', LOG_LEVEL: 'debug' });
    await w.waitForLine((l) => l.msg === 'worker ready', 45_000);
    const c = await seedCohort(h, { size: 4, samplerSettings: { numInferenceSteps: 15 } }); // ~0.6 s per volume
    await waitFor('first volume done', async () => (await h.q(`SELECT 1 FROM "Volume" WHERE "cohortId" = $1 AND status = 'SUCCEEDED'`, [c.cohortId])).length > 0, 30_000);
    await h.client.end().catch(() => {});
    await server.stop();
    await new Promise((r) => setTimeout(r, 1500));
    server = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'data'), port });
    h.client = await connect(h.db.url);
    try {
      await waitFor('cohort completed', async () => {
        try {
          const st = (await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0]?.status;
          return st === 'COMPLETED';
        } catch (e) {
          void e; // the test's own connection may still be reconnecting
          return false;
        }
      }, 40_000, 1000);
    } catch (e) {
      console.log(JSON.stringify(w.lines.slice(-25).map((l) => ({ msg: l.msg, err: l.err?.message, raw: l.raw, why: l.why }))), JSON.stringify(await h.q(`SELECT status, error, attempts FROM "Volume" WHERE "cohortId" = $1`, [c.cohortId])), JSON.stringify(await h.q(`SELECT state, retry_count, started_on, expire_in FROM pgboss.job`)));
      throw e;
    }
    const vols = await h.q(`SELECT status FROM "Volume" WHERE "cohortId" = $1`, [c.cohortId]);
    expect(vols.every((v) => v.status === 'SUCCEEDED')).toBe(true);
    w.child.kill('SIGTERM');
    // the worker logged the outage and recovered by itself
    expect(w.lines.some((l) => l.msg === 'claiming failed; retrying after the poll interval')).toBe(true);
    // every resource is closed with a 5 s bound (a pool can hang after a restart): exit well within 30 s
    const code = await Promise.race([w.exited, new Promise((r) => setTimeout(() => r('hung'), 30_000))]);
    if (code !== 0) console.log(JSON.stringify(w.lines.slice(-15).map((l) => ({ t: l.time, msg: l.msg, err: l.err?.message, raw: l.raw }))));
    expect(code).toBe(0);
  }, 150_000);
});
