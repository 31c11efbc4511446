// Cancel wins: a cohort cancelled while its volume's files are being written is never recorded SUCCEEDED,
// and the files it wrote are removed (the record step reads the cohort in its own transaction).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, listFiles, seedCohort, startWorker, stopWorker, waitFor, type Harness, type WorkerProcess } from './helpers.ts';

let h: Harness;
let w: WorkerProcess;

beforeAll(async () => {
  h = await createHarness(inject('pgAdminUrl'), inject('pgTemplate'));
  w = startWorker(h, { RECORD_DELAY_MS: '2000' });
  await w.waitForLine((l) => l.msg === 'worker ready');
});
afterAll(async () => {
  if (w) expect(await stopWorker(w)).toBe(0);
  await h?.close();
});

describe('cancel while writing', () => {
  it('a volume whose files are written when the cohort is cancelled ends CANCELLED with no file left', async () => {
    const c = await seedCohort(h, { size: 1, samplerSettings: { numInferenceSteps: 4 } });
    const vid = c.volumeIds[0]!;
    // the files exist (declared on the attempt, then written) and the worker waits before recording
    await waitFor('files written', async () => listFiles(h.storageDir).filter((f) => f.includes(c.cohortId)).length === 2, 30_000, 50);
    // what the API's cancel does to the cohort row
    await h.q(`UPDATE "Cohort" SET status = 'CANCELLED', "cancelledAt" = now() WHERE id = $1`, [c.cohortId]);
    await w.waitForLine((l) => l.volumeId === vid && l.msg?.startsWith('cohort cancelled while the volume was written'), 20_000);
    const [v] = await h.q(`SELECT status, "imageSha256", "finishedAt" FROM "Volume" WHERE id = $1`, [vid]);
    expect(v).toMatchObject({ status: 'CANCELLED', imageSha256: null });
    expect(listFiles(h.storageDir).filter((f) => f.includes(c.cohortId))).toEqual([]);
    const [a] = await h.q(`SELECT outcome, reason FROM "VolumeAttempt" WHERE "volumeId" = $1`, [vid]);
    expect(a.outcome).toBe('CANCELLED');
    const [job] = await h.q(`SELECT state, output FROM pgboss.job WHERE data->>'volumeId' = $1`, [vid]);
    expect(job.state).toBe('completed');
    expect(w.lines.some((l) => l.volumeId === vid && l.msg === 'volume generated')).toBe(false);
  });
});
