/**
 * The states of a cohort and of its volumes, and the rules between them, in one place: the API (requests,
 * cancel, retry, approval), the worker (start, record, finalise) and the GraphQL enums all read these.
 * The database enums (prisma/schema.prisma) hold the same names; repositories assert that at compile time.
 *
 *   cohort:  AWAITING_APPROVAL -> QUEUED | REJECTED;  QUEUED -> RUNNING -> COMPLETED | FAILED;
 *            any open state -> CANCELLED;  COMPLETED | FAILED -> RUNNING again when a failed volume is retried.
 *   volume:  PENDING -> RUNNING -> SUCCEEDED | FAILED (after its last retry) | PENDING (a retry follows, or
 *            the attempt was interrupted);
 *            RUNNING -> QC_FAILED (generated, but every try failed quality control: files and reasons kept);
 *            PENDING | RUNNING -> CANCELLED;  FAILED | QC_FAILED -> PENDING when retried.
 */

export const COHORT_STATUSES = ['AWAITING_APPROVAL', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'REJECTED'] as const;
export type CohortStatus = (typeof COHORT_STATUSES)[number];

export const VOLUME_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'QC_FAILED'] as const;
export type VolumeStatus = (typeof VOLUME_STATUSES)[number];

/** Nothing more happens to a cohort in these states unless one of its failed volumes is retried. */
export const FINAL_COHORT_STATUSES = ['COMPLETED', 'FAILED', 'CANCELLED', 'REJECTED'] as const satisfies readonly CohortStatus[];
/** Volumes of a cohort in these states may run (a retried volume re-opens a COMPLETED or FAILED cohort). */
export const RUNNABLE_COHORT_STATUSES = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED'] as const satisfies readonly CohortStatus[];
/** A finished cohort that a retried volume re-opens (back to RUNNING). */
export const REOPENABLE_COHORT_STATUSES = ['COMPLETED', 'FAILED'] as const satisfies readonly CohortStatus[];
/** Cohort states a worker's finalisation may close. */
export const ACTIVE_COHORT_STATUSES = ['QUEUED', 'RUNNING'] as const satisfies readonly CohortStatus[];
/** States in which only failed volumes are retried: the cohort was approved and is not cancelled. */
export const RETRYABLE_COHORT_STATUSES = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED'] as const satisfies readonly CohortStatus[];

/** Volumes still to be worked on (they count against a team's open-volume quota). */
export const OPEN_VOLUME_STATUSES = ['PENDING', 'RUNNING'] as const satisfies readonly VolumeStatus[];
/** Volumes a worker may start an attempt on (RUNNING: a lapsed claim; FAILED: retried). */
export const STARTABLE_VOLUME_STATUSES = ['PENDING', 'RUNNING', 'FAILED'] as const satisfies readonly VolumeStatus[];
/** Volumes that carry generated files (a QC_FAILED volume keeps its last try's files, for inspection). */
export const GENERATED_VOLUME_STATUSES = ['SUCCEEDED', 'QC_FAILED'] as const satisfies readonly VolumeStatus[];
/** Volumes a manual retry sends back to the queue (a new retry round, new derived seeds). */
export const RETRYABLE_VOLUME_STATUSES = ['FAILED', 'QC_FAILED'] as const satisfies readonly VolumeStatus[];

const has = <T extends string>(list: readonly T[], s: string): s is T => (list as readonly string[]).includes(s);

export const isFinalCohort = (s: CohortStatus) => has(FINAL_COHORT_STATUSES, s);
export const isRunnableCohort = (s: CohortStatus) => has(RUNNABLE_COHORT_STATUSES, s);
export const isRetryableCohort = (s: CohortStatus) => has(RETRYABLE_COHORT_STATUSES, s);
export const isOpenVolume = (s: VolumeStatus) => has(OPEN_VOLUME_STATUSES, s);
export const isStartableVolume = (s: VolumeStatus) => has(STARTABLE_VOLUME_STATUSES, s);
export const isGeneratedVolume = (s: VolumeStatus) => has(GENERATED_VOLUME_STATUSES, s);

export interface VolumeCounts {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  qcFailed: number;
}

/**
 * The finalisation rule: once no volume is open, a cohort is COMPLETED when no job failed and FAILED when
 * some did (failed volumes can be retried); null while volumes are still open. QC_FAILED volumes were
 * generated and are reported (adherence report, exports) but do not fail the cohort.
 */
export function finishedCohortStatus(c: VolumeCounts): 'COMPLETED' | 'FAILED' | null {
  if (c.pending + c.running > 0) return null;
  return c.failed > 0 ? 'FAILED' : 'COMPLETED';
}

/**
 * How one attempt (a worker's claim of a volume) ends. Only FAILED uses the volume's retry budget;
 * INTERRUPTED (worker lost or killed, database unavailable, shutdown give-back, claim taken over) has its
 * own, larger bound. SUPERSEDED: it finished after another attempt had taken its claim over, so it
 * recorded nothing (fencing).
 */
export const ATTEMPT_OUTCOMES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'INTERRUPTED', 'SUPERSEDED', 'CANCELLED'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];
