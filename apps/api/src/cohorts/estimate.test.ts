import { describe, expect, it } from 'vitest';
import { cohortRate, correctionOf, estimateCohort, TAU_S, weightedRate } from './estimate.ts';

describe('correctionOf', () => {
  it('is the median measured / predicted ratio, and nothing with fewer than two samples', () => {
    expect(correctionOf([{ effectiveSeconds: 5, predictedSeconds: 4 }])).toBeNull();
    expect(correctionOf([
      { effectiveSeconds: 5, predictedSeconds: 4 },
      { effectiveSeconds: 8, predictedSeconds: 4 },
      { effectiveSeconds: 100, predictedSeconds: 4 }, // one slow outlier does not move a median
    ])).toEqual({ factor: 2, samples: 3 });
    // implausible corrections (a test model measured against a 64^3 declaration, say 1000x) are not used
    expect(correctionOf([{ effectiveSeconds: 0.001, predictedSeconds: 5 }, { effectiveSeconds: 0.001, predictedSeconds: 5 }])).toBeNull();
  });
});

describe('estimateCohort', () => {
  it('scales the declared time by the correction and divides among the workers, with the basis in words', () => {
    const e = estimateCohort({ size: 60, declaredSeconds: 4.4, declaredBasis: 'declared by the model: 4.4 s per volume at 50 steps', correction: { factor: 2, samples: 12 }, workers: 3, workersSeen: true, queuedAhead: 0 });
    expect(e.perVolumeSeconds).toBeCloseTo(8.8, 10);
    expect(e.seconds).toBeCloseTo((60 * 8.8) / 3, 10);
    expect(e.volumesPerMinute).toBeCloseTo((60 * 3) / 8.8, 10);
    expect(e.basis).toBe('~3 min at 20 volumes/min, 3 workers: declared by the model: 4.4 s per volume at 50 steps, corrected x2.00 by the last 12 volumes measured on this deployment');
  });
  it('assumes one worker when none was seen, and adds the queue ahead', () => {
    const e = estimateCohort({ size: 2, declaredSeconds: 5, declaredBasis: 'no throughput declared', correction: null, workers: 0, workersSeen: false, queuedAhead: 12 });
    expect(e.workers).toBe(1);
    expect(e.seconds).toBe(10);
    expect(e.waitSeconds).toBe(60);
    expect(e.basis).toMatch(/1 worker assumed \(none seen in the last 10 min\): no throughput declared, not yet measured on this deployment; starts after 12 queued volumes \(~60 s\)$/);
  });
});

describe('weightedRate', () => {
  it('gives 1/T from the first finish on, not a rate diluted by a fixed window', () => {
    // One worker, 6 s per volume, started at t0 = 1000: after the first volume the rate is 1/6 per second.
    expect(weightedRate([1006], 1000, 1006)).toBeCloseTo(1 / 6, 2);
    // a steady 10 volumes/min for 30 minutes: 1/6 per second
    const f = Array.from({ length: 300 }, (_, i) => 1000 + 6 * (i + 1));
    expect(weightedRate(f, 1000, 1000 + 6 * 300)).toBeCloseTo(1 / 6, 2);
  });
  it('follows a change of pace within a few time constants', () => {
    // 10 volumes/min for 20 min, then 30/min (two more workers) for 5 min
    const slow = Array.from({ length: 200 }, (_, i) => 6 * (i + 1));
    const fast = Array.from({ length: 150 }, (_, i) => 1200 + 2 * (i + 1));
    const r = weightedRate([...slow, ...fast], 0, 1500) * 60;
    expect(r).toBeGreaterThan(27);
    expect(r).toBeLessThan(30.5);
  });
  it('decays when the cohort stalls, instead of showing the last good rate forever', () => {
    const f = Array.from({ length: 50 }, (_, i) => 6 * (i + 1));
    const atLast = weightedRate(f, 0, 300);
    expect(weightedRate(f, 0, 305)).toBe(atLast); // between two finishes: unchanged
    expect(weightedRate(f, 0, 300 + 2 * TAU_S)).toBeLessThan(atLast / 5);
  });
});

describe('cohortRate', () => {
  const base = { startedAtS: 1000, nowS: 1030, workers: 2, estimatedSeconds: 100, size: 10 };
  it('is the weighted rate with its basis once something finished', () => {
    const r = cohortRate({ ...base, finishedAtS: [1010, 1010, 1020, 1020, 1030, 1030], remaining: 4 });
    // 6 volumes in 30 s is 12/min; the weighting leans towards the latest finishes (within 5%)
    expect(r.volumesPerMinute).toBeGreaterThan(11.4);
    expect(r.volumesPerMinute).toBeLessThan(12.6);
    expect(r.etaSeconds).toBeCloseTo((4 / r.volumesPerMinute) * 60, 6);
    expect(r.basis).toMatch(/^at 1[23] volumes\/min \(this cohort, weighted towards the last 2 min\), 2 workers$/);
  });
  it('before the first finish: the request-time estimate of what is left, less the time running', () => {
    expect(cohortRate({ ...base, finishedAtS: [], remaining: 10 })).toMatchObject({ etaSeconds: 70, volumesPerMinute: 0, basis: 'estimate when requested (no volume finished yet, 2 workers)' });
    expect(cohortRate({ ...base, nowS: 1200, finishedAtS: [], remaining: 10 })).toMatchObject({ etaSeconds: null, basis: expect.stringMatching(/take longer than the 2 min estimated when requested/) });
    expect(cohortRate({ ...base, finishedAtS: [1010], remaining: 0 })).toMatchObject({ etaSeconds: 0 });
  });
});
