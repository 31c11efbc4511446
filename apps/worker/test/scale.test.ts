// Three worker processes share one queue: every volume is generated and recorded exactly once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, listFiles, seedCohort, startWorker, stopWorker, waitFor, type Harness, type WorkerProcess } from './helpers.ts';

let h: Harness;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  h = await createHarness(inject('pgAdminUrl'), inject('pgTemplate'));
  for (let i = 0; i < 3; i++) workers.push(startWorker(h, { WORKER_ID: `w${i}`, STEP_DELAY_MS: '20' }));
  await Promise.all(workers.map((w) => w.waitForLine((l) => l.msg === 'worker ready', 45_000)));
}, 60_000);
afterAll(async () => {
  for (const w of workers) expect(await stopWorker(w)).toBe(0);
  await h?.close();
});

describe('scale-out', () => {
  it('3 processes, 2 teams, 15 volumes: each done exactly once', async () => {
    const a = await seedCohort(h, { size: 12, samplerSettings: { numInferenceSteps: 5 } });
    const b = await seedCohort(h, { size: 3, samplerSettings: { numInferenceSteps: 5 }, preview: true });
    for (const c of [a, b]) {
      await waitFor('cohort completed', async () => (await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0].status === 'COMPLETED', 60_000, 200);
    }
    const vols = await h.q(`SELECT id, attempts, "workerId", "imageKey" FROM "Volume"`);
    expect(vols).toHaveLength(15);
    expect(vols.every((v) => v.attempts === 1)).toBe(true);
    // one job per volume, completed once, recorded (never 'already')
    const jobs = await h.q(`SELECT data->>'volumeId' AS vid, state, output FROM pgboss.job WHERE name LIKE 'volume.%'`);
    expect(jobs).toHaveLength(15);
    expect(jobs.every((j) => j.state === 'completed' && j.output.recorded === 'recorded')).toBe(true);
    const generated = workers.flatMap((w) => w.lines.filter((l) => l.msg === 'volume generated').map((l) => l.volumeId));
    expect(generated.sort()).toEqual(vols.map((v) => v.id).sort());
    expect(new Set(vols.map((v) => v.workerId)).size).toBeGreaterThanOrEqual(2);
    expect(listFiles(h.storageDir)).toHaveLength(30);
    // the preview cohort (3 volumes) was not queued behind the 12-volume cohort
    const order = workers.flatMap((w) => w.lines.filter((l) => l.msg === 'volume job claimed')).sort((x, y) => Date.parse(x.time) - Date.parse(y.time));
    const lastPreview = Math.max(...order.map((l, i) => (l.cohortId === b.cohortId ? i : -1)));
    expect(lastPreview).toBeLessThan(6);
  });
});
