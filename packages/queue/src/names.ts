/**
 * Queue names, payloads and policies for volume generation jobs (pg-boss 10).
 *
 * Fair share: every team has its own pg-boss queue `volume.<teamId>`; workers pick the queue to claim
 * from (see fairshare.ts), so a team's 10,000-volume cohort is one queue among others, never a wall in
 * front of them. Previews are enqueued with a higher priority: pg-boss fetches by priority inside a queue,
 * and the queue picker serves queues holding previews first.
 */

export const DEFAULT_SCHEMA = 'pgboss';
export const VOLUME_QUEUE_PREFIX = 'volume.';
/** Jobs whose retries are exhausted (or that expired on their last attempt) land here. */
export const DEAD_LETTER_QUEUE = 'volume-dead';
export const PREVIEW_PRIORITY = 100;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface VolumeJobPayload {
  volumeId: string;
  cohortId: string;
  teamId: string;
  subjectIndex: number;
}

/** Expiry (visibility timeout), retries and dead letter; all configurable. */
export interface QueuePolicy {
  /** A claimed job not completed, failed or heart-beaten for this long is retried (worker presumed dead). */
  expireInSeconds: number;
  /** Attempts after the first. */
  retryLimit: number;
  /** Base delay before a retry. */
  retryDelaySeconds: number;
  /** Exponential backoff with jitter (pg-boss: delay * 2^n / 2 * (1 + random)). */
  retryBackoff: boolean;
  deadLetter: string;
}

export const DEFAULT_POLICY: QueuePolicy = {
  expireInSeconds: 120,
  retryLimit: 3,
  retryDelaySeconds: 5,
  retryBackoff: true,
  deadLetter: DEAD_LETTER_QUEUE,
};

export class QueueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
  }
}

export function teamQueueName(teamId: string): string {
  if (!UUID_RE.test(teamId)) throw new QueueError(`teamId must be a UUID, got ${JSON.stringify(teamId)}`);
  return `${VOLUME_QUEUE_PREFIX}${teamId.toLowerCase()}`;
}

export function validatePayload(p: unknown): VolumeJobPayload {
  const o = p as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) throw new QueueError(`job payload must be an object, got ${JSON.stringify(p)}`);
  for (const k of ['volumeId', 'cohortId', 'teamId'] as const) {
    if (typeof o[k] !== 'string' || !UUID_RE.test(o[k] as string)) {
      throw new QueueError(`job payload ${k} must be a UUID, got ${JSON.stringify(o[k])}`);
    }
  }
  if (!Number.isInteger(o.subjectIndex) || (o.subjectIndex as number) < 0) {
    throw new QueueError(`job payload subjectIndex must be an integer >= 0, got ${JSON.stringify(o.subjectIndex)}`);
  }
  return { volumeId: o.volumeId as string, cohortId: o.cohortId as string, teamId: o.teamId as string, subjectIndex: o.subjectIndex as number };
}

export function validatePolicy(p: QueuePolicy): QueuePolicy {
  const intAtLeast = (k: keyof QueuePolicy, min: number) => {
    const v = p[k];
    if (!Number.isInteger(v) || (v as number) < min) throw new QueueError(`queue policy ${k} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  };
  intAtLeast('expireInSeconds', 1);
  intAtLeast('retryLimit', 0);
  intAtLeast('retryDelaySeconds', 0);
  if (typeof p.retryBackoff !== 'boolean') throw new QueueError(`queue policy retryBackoff must be a boolean, got ${JSON.stringify(p.retryBackoff)}`);
  if (typeof p.deadLetter !== 'string' || !/^[\w.-]+$/.test(p.deadLetter)) {
    throw new QueueError(`queue policy deadLetter must be a queue name [\\w.-]+, got ${JSON.stringify(p.deadLetter)}`);
  }
  return p;
}
