import { describe, expect, it } from 'vitest';
import { COHORT_STATUSES, finishedCohortStatus, isFinalCohort, isOpenVolume, isRetryableCohort, isRunnableCohort, VOLUME_STATUSES } from './lifecycle.ts';

const counts = (o: Partial<Record<'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'qcFailed', number>>) => ({ pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, qcFailed: 0, ...o });

describe('cohort lifecycle', () => {
  it('a cohort finishes only when no volume is open, FAILED if any failed', () => {
    expect(finishedCohortStatus(counts({ succeeded: 3, pending: 1 }))).toBeNull();
    expect(finishedCohortStatus(counts({ succeeded: 3, running: 1 }))).toBeNull();
    expect(finishedCohortStatus(counts({ succeeded: 3, cancelled: 1 }))).toBe('COMPLETED');
    expect(finishedCohortStatus(counts({ succeeded: 3, failed: 1 }))).toBe('FAILED');
    expect(finishedCohortStatus(counts({ succeeded: 3, qcFailed: 2 }))).toBe('COMPLETED'); // generated, reported, not a failed job
    expect(finishedCohortStatus(counts({}))).toBe('COMPLETED');
  });

  it('classifies every state exactly as the API and the worker rely on', () => {
    expect(COHORT_STATUSES.filter(isFinalCohort)).toEqual(['COMPLETED', 'FAILED', 'CANCELLED', 'REJECTED']);
    expect(COHORT_STATUSES.filter(isRunnableCohort)).toEqual(['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED']);
    // a cancelled, rejected or not yet approved cohort is never retried
    expect(COHORT_STATUSES.filter((s) => !isRetryableCohort(s))).toEqual(['AWAITING_APPROVAL', 'CANCELLED', 'REJECTED']);
    expect(VOLUME_STATUSES.filter(isOpenVolume)).toEqual(['PENDING', 'RUNNING']);
  });
});
