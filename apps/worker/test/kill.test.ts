// A worker killed with SIGKILL mid-volume, and one stopped with SIGTERM: the job is taken up again and
// completes exactly once; SIGTERM exits 0 and gives the job back.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, listFiles, seedCohort, startWorker, stopWorker, waitFor, type Harness, type WorkerProcess } from './helpers.ts';

let h: Harness;
const started: WorkerProcess[] = [];
const slow = () => {
  const w = startWorker(h, { STEP_DELAY_MS: '100', SHUTDOWN_GRACE_MS: '300', JOB_EXPIRE_SECONDS: '3', WORKER_ID: `slow-${started.length}` });
  started.push(w);
  return w;
};

beforeAll(async () => {
  h = await createHarness(inject('pgAdminUrl'), inject('pgTemplate'));
});
afterAll(async () => {
  for (const w of started) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  await h?.close();
});

const volume = async (id: string) => (await h.q(`SELECT * FROM "Volume" WHERE id = $1`, [id]))[0];

describe('worker processes under signals', () => {
  it('SIGKILL mid-volume: the job is taken up again within the expiry and recorded once, no partial file', async () => {
    const a = slow();
    await a.waitForLine((l) => l.msg === 'worker ready');
    const c = await seedCohort(h, { size: 1, samplerSettings: { numInferenceSteps: 30 } }); // ~3 s with 100 ms per step
    const vid = c.volumeIds[0]!;
    await waitFor('volume running', async () => (await volume(vid)).status === 'RUNNING', 20_000, 50);
    await new Promise((r) => setTimeout(r, 500));
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await a.exited).toBeNull();
    expect(listFiles(h.storageDir)).toEqual([]); // killed while sampling: nothing visible
    const b = startWorker(h, { WORKER_ID: 'rescuer' });
    started.push(b);
    const done = await waitFor('volume succeeded', async () => ((await volume(vid)).status === 'SUCCEEDED' ? await volume(vid) : null), 30_000);
    // lease 3 s + maintenance 1 s + B's start-up and one fast volume (generous: CI machines are loaded)
    expect(Date.now() - killedAt).toBeLessThan(40_000);
    expect(done.attempts).toBe(2);
    expect(done.workerId).toBe('rescuer');
    expect(done.provenance.worker.queueRetryCount).toBe(1);
    const jobs = await h.q(`SELECT state, retry_count, output FROM pgboss.job WHERE data->>'volumeId' = $1`, [vid]);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: 'completed', retry_count: 1, output: { recorded: 'recorded' } });
    const files = listFiles(h.storageDir);
    expect(files).toHaveLength(2);
    expect(files.some((f) => f.includes('.tmp-'))).toBe(false);
    expect((await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0].status).toBe('COMPLETED');
    expect(await stopWorker(b)).toBe(0);
  });

  it('SIGTERM mid-volume: exits 0 within the grace period, releases the job; another worker completes it', async () => {
    const a = slow();
    await a.waitForLine((l) => l.msg === 'worker ready');
    const c = await seedCohort(h, { size: 1, samplerSettings: { numInferenceSteps: 60 } });
    const vid = c.volumeIds[0]!;
    await waitFor('volume running', async () => (await volume(vid)).status === 'RUNNING', 20_000, 50);
    const t0 = Date.now();
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000); // grace 300 ms; the volume alone needs 6 s + start-up
    expect(a.lines.some((l) => l.msg === 'volume job released for another worker (shutdown)')).toBe(true);
    const v = await volume(vid);
    expect(v.status).toBe('PENDING');
    expect(v.error).toMatch(/shut down/);
    const [job] = await h.q(`SELECT state, retry_count FROM pgboss.job WHERE data->>'volumeId' = $1`, [vid]);
    expect(job).toMatchObject({ state: 'created', retry_count: 0 });
    const b = startWorker(h, { WORKER_ID: 'next' });
    started.push(b);
    await waitFor('volume succeeded', async () => (await volume(vid)).status === 'SUCCEEDED', 30_000);
    expect((await volume(vid)).error).toBeNull();
    expect(await stopWorker(b)).toBe(0); // idle SIGTERM: clean exit too
  });

  it('SIGKILL on the last attempt: the expired job is dead-lettered and its volume marked FAILED', async () => {
    const a = slow();
    await a.waitForLine((l) => l.msg === 'worker ready');
    const c = await seedCohort(h, { size: 1, samplerSettings: { numInferenceSteps: 40 }, policy: { retryLimit: 0 } });
    const vid = c.volumeIds[0]!;
    await waitFor('volume running', async () => (await volume(vid)).status === 'RUNNING', 20_000, 50);
    a.child.kill('SIGKILL');
    await a.exited;
    const b = startWorker(h, { WORKER_ID: 'undertaker' });
    started.push(b);
    const v = await waitFor('volume failed', async () => ((await volume(vid)).status === 'FAILED' ? await volume(vid) : null), 30_000);
    expect(v.error).toMatch(/job dead-lettered: job failed by timeout in active state/);
    expect(v.attempts).toBe(1);
    expect((await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0].status).toBe('FAILED');
    expect(await stopWorker(b)).toBe(0);
  });
});
