// Failures keep their error text, retry with backoff, then FAILED; cancelling a cohort stops the running
// volume at its next denoising steps and turns its queued jobs into no-ops.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { retryVolumeJob } from '@slicewise/queue';
import { createHarness, listFiles, seedCohort, startWorker, stopWorker, waitFor, type Harness, type WorkerProcess } from './helpers.ts';

let h: Harness;
let w: WorkerProcess;

beforeAll(async () => {
  h = await createHarness(inject('pgAdminUrl'), inject('pgTemplate'));
  w = startWorker(h, { STEP_DELAY_MS: '50', CLAIM_CHECK_EVERY_STEPS: '2' });
  await w.waitForLine((l) => l.msg === 'worker ready');
});
afterAll(async () => {
  if (w) expect(await stopWorker(w)).toBe(0);
  await h?.close();
});

describe('failures and cancellation', () => {
  it('a failing volume keeps its error, is retried with backoff up to the limit, then FAILED', async () => {
    const c = await seedCohort(h, { size: 1, modelName: 'no-such-model', policy: { retryLimit: 2, retryDelaySeconds: 1, retryBackoff: true } });
    const vid = c.volumeIds[0]!;
    const v = await waitFor('volume failed', async () => {
      const [row] = await h.q(`SELECT * FROM "Volume" WHERE id = $1`, [vid]);
      return row.status === 'FAILED' ? row : null;
    }, 30_000);
    expect(v.attempts).toBe(3);
    expect(v.error).toMatch(/no-such-model/);
    expect(v.finishedAt).toBeInstanceOf(Date);
    const [cohort] = await h.q(`SELECT status, "finishedAt" FROM "Cohort" WHERE id = $1`, [c.cohortId]);
    expect(cohort.status).toBe('FAILED');
    // attempts were spaced by the backoff (>= 1 s, then >= 2 s)
    const attempts = w.lines.filter((l) => l.volumeId === vid && l.msg === 'volume job claimed').map((l) => Date.parse(l.time));
    expect(attempts).toHaveLength(3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(900);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(1900);
    // the worker records the volume FAILED, then fails the job in pg-boss: wait for the second write too
    const job = await waitFor('job failed', async () => {
      const [row] = await h.q(`SELECT state, retry_count FROM pgboss.job WHERE data->>'volumeId' = $1 AND name LIKE 'volume.%'`, [vid]);
      return row?.state === 'active' ? null : row;
    }, 10_000);
    expect(job).toMatchObject({ state: 'failed', retry_count: 2 });
  });

  it('a FAILED volume retried by the API re-opens its cohort and completes it', async () => {
    const c = await seedCohort(h, { size: 1, policy: { retryLimit: 0 } });
    const vid = c.volumeIds[0]!;
    const good = (await h.q(`SELECT "fileHashes" FROM "Model" WHERE id = $1`, [c.modelId]))[0].fileHashes;
    await h.q(`UPDATE "Model" SET "fileHashes" = $2 WHERE id = $1`, [c.modelId, JSON.stringify({ ...good, 'denoiser.onnx': '0'.repeat(64) })]);
    await waitFor('volume failed', async () => (await h.q(`SELECT status FROM "Volume" WHERE id = $1`, [vid]))[0].status === 'FAILED', 20_000);
    expect((await h.q(`SELECT error FROM "Volume" WHERE id = $1`, [vid]))[0].error).toMatch(/denoiser.onnx has sha256 [0-9a-f]{64} in the models folder, the Model row records 0{64}/);
    expect((await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0].status).toBe('FAILED');
    // the operator fixes the registration; the API resets the volume and queues a retry
    await h.q(`UPDATE "Model" SET "fileHashes" = $2 WHERE id = $1`, [c.modelId, JSON.stringify(good)]);
    await h.q(`UPDATE "Volume" SET status = 'PENDING', error = NULL WHERE id = $1`, [vid]);
    await retryVolumeJob((text, values) => h.client.query(text, values), { volumeId: vid, cohortId: c.cohortId, teamId: c.teamId, subjectIndex: 0 });
    await waitFor('cohort completed', async () => (await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0].status === 'COMPLETED', 20_000);
    expect((await h.q(`SELECT status, attempts FROM "Volume" WHERE id = $1`, [vid]))[0]).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
  });

  it('an invalid distribution spec fails at once (no retry can fix it)', async () => {
    const c = await seedCohort(h, { size: 1, spec: { version: 1, kind: 'parametric', name: 'bad', features: { voxel_volume: { type: 'uniform', min: 2, max: 1 } } } });
    const v = await waitFor('volume failed', async () => {
      const [row] = await h.q(`SELECT * FROM "Volume" WHERE id = $1`, [c.volumeIds[0]]);
      return row.status === 'FAILED' ? row : null;
    }, 20_000);
    expect(v.attempts).toBe(1);
    expect(v.error).toMatch(/PermanentError: distribution version .* spec is invalid/);
  });

  it('sampler settings that are not complete and valid fail at once, naming each field (the API stores them resolved)', async () => {
    const c = await seedCohort(h, { size: 1, rawSamplerSettings: { steps: 5, eta: 3 } });
    const v = await waitFor('volume failed', async () => {
      const [row] = await h.q(`SELECT * FROM "Volume" WHERE id = $1`, [c.volumeIds[0]]);
      return row.status === 'FAILED' ? row : null;
    }, 20_000);
    expect(v.attempts).toBe(1);
    expect(v.error).toMatch(/PermanentError: stored sampler settings for model tiny-random: sampler = undefined: is missing/);
    expect(v.error).toMatch(/steps = 5: is not a sampler setting/);
  });

  it('cancelling a cohort stops the running volume at its next steps and its queued jobs do nothing', async () => {
    const c = await seedCohort(h, { size: 3, samplerSettings: { numInferenceSteps: 300 } }); // >= 15 s per volume
    await waitFor('a volume running', async () => (await h.q(`SELECT 1 FROM "Volume" WHERE "cohortId" = $1 AND status = 'RUNNING'`, [c.cohortId])).length > 0, 20_000, 50);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    // what the API's cancel does to the cohort row (the queued jobs are left in the queue on purpose here)
    await h.q(`UPDATE "Cohort" SET status = 'CANCELLED', "cancelledAt" = now() WHERE id = $1`, [c.cohortId]);
    await waitFor('all volumes cancelled', async () => {
      const rows = await h.q(`SELECT status FROM "Volume" WHERE "cohortId" = $1`, [c.cohortId]);
      return rows.every((r) => r.status === 'CANCELLED');
    }, 20_000, 50);
    expect(Date.now() - t0).toBeLessThan(8_000); // well before the >= 15 s the volume needed
    expect(listFiles(h.storageDir).filter((f) => f.includes(c.cohortId))).toEqual([]);
    expect(w.lines.some((l) => l.msg === 'volume stopped: cohort cancelled')).toBe(true);
    await waitFor('jobs completed', async () => {
      const jobs = await h.q(`SELECT state FROM pgboss.job WHERE data->>'cohortId' = $1`, [c.cohortId]);
      return jobs.every((j) => j.state === 'completed');
    }, 10_000);
    const [cohort] = await h.q(`SELECT status, "finishedAt" FROM "Cohort" WHERE id = $1`, [c.cohortId]);
    expect(cohort.status).toBe('CANCELLED');
    expect(cohort.finishedAt).toBeInstanceOf(Date);
  });
});
