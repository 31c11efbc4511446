// Sized for a 2-core CI machine with the random-weight model: 3 workers, 3 of them SIGKILLed at random and
// replaced, PostgreSQL restarted once, mid-cohort. Every volume must end SUCCEEDED with no manual retry,
// recorded once, with exactly its own files on disk, and replay byte-identically. (`npm run chaos` runs the
// same driver bigger, with the real model.)
import { describe, expect, it } from 'vitest';
import { runChaos } from './chaos.ts';

describe('chaos', () => {
  it('3 workers killed at random and a PostgreSQL restart: every volume SUCCEEDED, 0 duplicates, 0 orphans, replay identical', async () => {
    const r = await runChaos({
      modelName: 'tiny-random',
      volumes: 10,
      steps: 12,
      workers: 3,
      kills: 3,
      restartPostgresAfterKill: 1,
      // ~1.2 s of sampling per volume, so kills land mid-volume; a short lease for a quick takeover
      workerEnv: { STEP_DELAY_MS: '100', LEASE_SECONDS: '3', REAP_INTERVAL_MS: '300', JOB_EXPIRE_SECONDS: '60', POLL_INTERVAL_MS: '200' },
      baseline: false,
      replays: 3,
      timeoutMs: 150_000,
      log: (m) => console.log(`[chaos] ${m}`),
    });
    console.log(JSON.stringify(r));
    expect(r.kills).toBe(3);
    expect(r.postgresRestarts).toBe(1);
    expect(r).toMatchObject({ succeeded: 10, notSucceeded: 0, duplicates: 0, orphanFiles: 0, missingFiles: 0, failedAttempts: 0 });
    expect(r.interruptedAttempts).toBeGreaterThanOrEqual(3); // every kill hit a volume mid-generation
    expect(r.takeoverSeconds.n).toBeGreaterThanOrEqual(3);
    expect(r.replays).toEqual({ checked: 3, identical: 3 });
    expect(r.takeoverSeconds.max ?? 0).toBeLessThan(30);
  }, 240_000);
});
