// Workers killed (SIGKILL), stopped (SIGTERM) and frozen (SIGSTOP) mid-volume: the claim is taken over within
// the lease, the volume is recorded exactly once by the attempt that holds the claim, interruptions do not
// use the retry budget, and every attempt stays in the volume's history.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, listFiles, seedCohort, startWorker, stopWorker, waitFor, type Harness, type WorkerProcess } from './helpers.ts';

let h: Harness;
const started: WorkerProcess[] = [];
const LEASE = { LEASE_SECONDS: '3', REAP_INTERVAL_MS: '300', JOB_EXPIRE_SECONDS: '60' };
const slow = (extra: Record<string, string> = {}) => {
  const w = startWorker(h, { STEP_DELAY_MS: '100', SHUTDOWN_GRACE_MS: '300', ...LEASE, WORKER_ID: `slow-${started.length}`, ...extra });
  started.push(w);
  return w;
};
const rescuer = (id: string, extra: Record<string, string> = {}) => {
  const w = startWorker(h, { ...LEASE, WORKER_ID: id, ...extra });
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
const history = async (id: string) => h.q(`SELECT number, "workerId", outcome, reason, "imageKey" FROM "VolumeAttempt" WHERE "volumeId" = $1 ORDER BY number`, [id]);

describe('worker processes under signals', () => {
  it('SIGKILL mid-volume: taken over within the lease, recorded once, no retry used, the attempt history kept', async () => {
    const a = slow();
    await a.waitForLine((l) => l.msg === 'worker ready');
    const b = rescuer('rescuer');
    await b.waitForLine((l) => l.msg === 'worker ready');
    // B is idle and polling; the volume goes to A because B is stopped from claiming first
    b.child.kill('SIGSTOP');
    const c = await seedCohort(h, { size: 1, samplerSettings: { numInferenceSteps: 30 } }); // ~3 s with 100 ms per step
    const vid = c.volumeIds[0]!;
    await waitFor('volume running', async () => (await volume(vid)).status === 'RUNNING', 20_000, 50);
    b.child.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 500));
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await a.exited).toBeNull();
    expect(listFiles(h.storageDir)).toEqual([]); // killed while sampling: nothing visible
    const done = await waitFor('volume succeeded', async () => ((await volume(vid)).status === 'SUCCEEDED' ? await volume(vid) : null), 40_000);
    const takeoverS = (Date.parse(b.lines.find((l) => l.volumeId === vid && l.msg === 'volume job claimed')!.time) - killedAt) / 1000;
    expect(takeoverS).toBeLessThan(30); // lease 3 s + reap interval; generous for a loaded CI machine
    expect(done.attempts).toBe(2);
    expect(done.workerId).toBe('rescuer');
    expect(done.provenance.worker).toMatchObject({ attempt: 2, queueRetryCount: 0 });
    const [job] = await h.q(`SELECT state, retry_count, output FROM pgboss.job WHERE data->>'volumeId' = $1`, [vid]);
    expect(job).toMatchObject({ state: 'completed', retry_count: 0, output: { recorded: 'recorded' } }); // the interruption used no retry
    const hist = await history(vid);
    expect(hist.map((x) => [x.number, x.workerId, x.outcome])).toEqual([
      [1, 'slow-0', 'INTERRUPTED'],
      [2, 'rescuer', 'SUCCEEDED'],
    ]);
    expect(hist[0].reason).toMatch(/worker lost: no heartbeat for 3 s/);
    const files = listFiles(h.storageDir);
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.includes('-a02-'))).toBe(true);
    expect((await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0].status).toBe('COMPLETED');
    expect(await stopWorker(b)).toBe(0);
  });

  it('SIGTERM mid-volume: exits 0 within the grace period, hands the job back; another worker completes it', async () => {
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
    const b = rescuer('next');
    await waitFor('volume succeeded', async () => (await volume(vid)).status === 'SUCCEEDED', 30_000);
    expect((await volume(vid)).error).toBeNull();
    expect((await history(vid)).map((x) => x.outcome)).toEqual(['INTERRUPTED', 'SUCCEEDED']);
    expect(await stopWorker(b)).toBe(0); // idle SIGTERM: clean exit too
  });

  it('interruptions have their own bound: past MAX_INTERRUPTIONS the volume FAILS with the reason (retry budget untouched)', async () => {
    const a = slow({ MAX_INTERRUPTIONS: '1' });
    await a.waitForLine((l) => l.msg === 'worker ready');
    const c = await seedCohort(h, { size: 1, samplerSettings: { numInferenceSteps: 40 }, policy: { retryLimit: 3 } });
    const vid = c.volumeIds[0]!;
    await waitFor('volume running', async () => (await volume(vid)).status === 'RUNNING', 20_000, 50);
    a.child.kill('SIGKILL');
    await a.exited;
    const b = rescuer('undertaker', { MAX_INTERRUPTIONS: '1' });
    const v = await waitFor('volume failed', async () => ((await volume(vid)).status === 'FAILED' ? await volume(vid) : null), 40_000);
    expect(v.error).toMatch(/interrupted 1 times .*MAX_INTERRUPTIONS = 1/);
    expect((await history(vid)).map((x) => x.outcome)).toEqual(['INTERRUPTED']);
    expect((await h.q(`SELECT status FROM "Cohort" WHERE id = $1`, [c.cohortId]))[0].status).toBe('FAILED');
    expect(await stopWorker(b)).toBe(0);
  });

  it('SIGSTOP past the lease: the claim is taken over; after SIGCONT the frozen worker stops within one step and records nothing', async () => {
    const a = slow({ STEP_DELAY_MS: '150' });
    await a.waitForLine((l) => l.msg === 'worker ready');
    const c = await seedCohort(h, { size: 1, samplerSettings: { numInferenceSteps: 40 } }); // ~6 s with 150 ms per step
    const vid = c.volumeIds[0]!;
    await waitFor('volume running', async () => (await volume(vid)).status === 'RUNNING', 20_000, 50);
    await new Promise((r) => setTimeout(r, 400));
    a.child.kill('SIGSTOP');
    const b = rescuer('thawed-out');
    const done = await waitFor('volume succeeded by B', async () => ((await volume(vid)).status === 'SUCCEEDED' ? await volume(vid) : null), 40_000);
    expect(done.workerId).toBe('thawed-out');
    const recordedHash = done.imageSha256;
    a.child.kill('SIGCONT');
    const stopped = await a.waitForLine((l) => l.msg?.startsWith('claim taken over by another worker'), 20_000);
    expect(stopped.attempt).toBe(1);
    // A went no further than its next step: no file of its own, the record still B's, the file matches the hash
    await new Promise((r) => setTimeout(r, 1000));
    const after = await volume(vid);
    expect(after).toMatchObject({ workerId: 'thawed-out', imageSha256: recordedHash, attempts: 2 });
    expect(a.lines.some((l) => l.msg === 'volume generated')).toBe(false);
    const files = listFiles(h.storageDir).filter((f) => f.includes(c.cohortId));
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.includes('-a02-'))).toBe(true);
    expect((await history(vid)).map((x) => [x.workerId, x.outcome])).toEqual([
      [a.lines.find((l) => l.msg === 'volume job claimed')?.workerId ?? 'slow-3', 'INTERRUPTED'],
      ['thawed-out', 'SUCCEEDED'],
    ]);
    expect(await stopWorker(a)).toBe(0);
    expect(await stopWorker(b)).toBe(0);
  });
});
