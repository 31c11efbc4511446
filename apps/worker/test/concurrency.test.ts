// One worker process with WORKER_CONCURRENCY=2: two volumes generate at the same time over shared ORT
// sessions, and every volume is still generated and recorded exactly once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, listFiles, seedCohort, startWorker, stopWorker, waitFor, type Harness, type WorkerProcess } from './helpers.ts';

let h: Harness;
let w: WorkerProcess;

beforeAll(async () => {
  h = await createHarness(inject('pgAdminUrl'), inject('pgTemplate'));
  w = startWorker(h, { WORKER_ID: 'pair', WORKER_CONCURRENCY: '2', STEP_DELAY_MS: '60' });
  await w.waitForLine((l) => l.msg === 'worker ready', 45_000);
}, 60_000);
afterAll(async () => {
  expect(await stopWorker(w)).toBe(0);
  await h?.close();
});

describe('WORKER_CONCURRENCY=2', () => {
  it('runs two volumes at once in one process; each is recorded once', async () => {
    const c = await seedCohort(h, { size: 6, samplerSettings: { numInferenceSteps: 12 } }); // >= 0.7 s per volume
    await waitFor('cohort completed', async () => (await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0].status === 'COMPLETED', 90_000, 200);
    const vols = await h.q(`SELECT id, attempts, "workerId" FROM "Volume" WHERE "cohortId" = $1`, [c.cohortId]);
    expect(vols).toHaveLength(6);
    expect(vols.every((v) => v.attempts === 1 && v.workerId === 'pair')).toBe(true);
    expect(listFiles(h.storageDir)).toHaveLength(12);
    // [claimed, generated] intervals per volume: at least two of them overlap
    const at = (msg: string, id: string) => Date.parse(w.lines.find((l) => l.msg === msg && l.volumeId === id).time);
    const spans = vols.map((v) => [at('volume job claimed', v.id), at('volume generated', v.id)] as const);
    const overlapping = spans.some((a, i) => spans.some((b, j) => i !== j && a[0] < b[1] && b[0] < a[1]));
    expect(overlapping).toBe(true);
  });
});
