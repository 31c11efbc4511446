/**
 * Database access of the worker (the only file importing @slicewise/db besides replay.repository.ts).
 * Every state change that must be consistent is one transaction; cohort finalisation locks the cohort
 * row first, so two workers finishing the last two volumes cannot both miss the cohort's completion.
 */
import { createPrismaClient, Prisma, type PrismaClient } from '@slicewise/db';
import {
  ACTIVE_COHORT_STATUSES,
  finishedCohortStatus,
  OPEN_VOLUME_STATUSES,
  REOPENABLE_COHORT_STATUSES,
  isRunnableCohort,
  isStartableVolume,
  type CohortStatus,
  type VolumeStatus,
} from '@slicewise/lifecycle';

export interface VolumeContext {
  volume: { id: string; cohortId: string; subjectIndex: number; status: VolumeStatus; attempts: number; seed: bigint };
  cohort: {
    id: string;
    teamId: string;
    projectId: string;
    name: string;
    status: CohortStatus;
    seed: bigint;
    size: number;
    samplerSettings: unknown;
    qcSettings: unknown;
    isPreview: boolean;
  };
  distributionVersion: { id: string; distributionId: string; version: number; spec: unknown; specHash: string };
  model: { id: string; name: string; version: string; fileHashes: unknown };
}

export interface SuccessRecord {
  volumeId: string;
  /** SUCCEEDED, or QC_FAILED when every try failed quality control (files and reasons are still recorded). */
  status: 'SUCCEEDED' | 'QC_FAILED';
  /** For QC_FAILED: the reasons of the last try, shown in the cohort table and the viewer. */
  error: string | null;
  cohortId: string;
  workerId: string;
  requestedCondition: unknown;
  measuredCondition: unknown;
  imageKey: string;
  imageSha256: string;
  imageBytes: number;
  maskKey: string;
  maskSha256: string;
  maskBytes: number;
  provenance: unknown;
}

export interface Claim {
  /** The fencing token: VolumeAttempt.id. */
  attemptId: string;
  number: number;
  round: number;
}

export type StartResult = { kind: 'started'; claim: Claim } | { kind: 'not-runnable' } | { kind: 'exhausted'; interruptions: number };

export interface CohortCounts {
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  pending: number;
  running: number;
  qcFailed: number;
}

export class VolumeRepository {
  private readonly prisma: PrismaClient;

  constructor(databaseUrl: string, opts: { maxConnections?: number } = {}) {
    this.prisma = createPrismaClient(databaseUrl, { maxConnections: opts.maxConnections ?? 4 });
  }

  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }

  async close(): Promise<void> {
    await this.prisma.$disconnect();
  }

  async loadContext(volumeId: string): Promise<VolumeContext | null> {
    const v = await this.prisma.volume.findUnique({
      where: { id: volumeId },
      select: {
        id: true,
        cohortId: true,
        subjectIndex: true,
        status: true,
        attempts: true,
        seed: true,
        cohort: {
          select: {
            id: true,
            teamId: true,
            projectId: true,
            name: true,
            status: true,
            seed: true,
            size: true,
            samplerSettings: true,
            qcSettings: true,
            isPreview: true,
            distributionVersion: { select: { id: true, distributionId: true, version: true, spec: true, specHash: true } },
            model: { select: { id: true, name: true, version: true, fileHashes: true } },
          },
        },
      },
    });
    if (!v) return null;
    const { cohort, ...volume } = v;
    const { distributionVersion, model, ...c } = cohort;
    return { volume, cohort: c, distributionVersion, model };
  }

  async cohortStatus(cohortId: string): Promise<CohortStatus | null> {
    const c = await this.prisma.cohort.findUnique({ where: { id: cohortId }, select: { status: true } });
    return c?.status ?? null;
  }

  /**
   * Claim a volume: a new attempt (its id is the fencing token) becomes the volume's current attempt; a
   * RUNNING attempt it replaces (a lapsed claim) ends INTERRUPTED. The volume goes RUNNING (attempts + 1),
   * its cohort QUEUED -> RUNNING (or re-opened after a retry). Not started when the volume is not startable
   * or its cohort not runnable; refused (`exhausted`) after `maxInterruptions` interruptions in this round.
   */
  async startAttempt(volumeId: string, who: { workerId: string; host: string; jobId: string }, maxInterruptions: number): Promise<StartResult> {
    return this.prisma.$transaction(async (tx) => {
      const [v] = await tx.$queryRaw<{ status: VolumeStatus; retryRound: number; cohortId: string; cohortStatus: CohortStatus }[]>`
        SELECT v.status, v."retryRound", v."cohortId", c.status AS "cohortStatus"
        FROM "Volume" v JOIN "Cohort" c ON c.id = v."cohortId" WHERE v.id = ${volumeId}::uuid FOR UPDATE OF v`;
      if (!v || !isStartableVolume(v.status) || !isRunnableCohort(v.cohortStatus)) return { kind: 'not-runnable' };
      const attempts = await tx.volumeAttempt.findMany({ where: { volumeId }, select: { number: true, round: true, outcome: true } });
      const interrupted = attempts.filter((a) => a.round === v.retryRound && a.outcome === 'INTERRUPTED').length;
      if (interrupted >= maxInterruptions) return { kind: 'exhausted', interruptions: interrupted };
      const number = attempts.reduce((m, a) => Math.max(m, a.number), 0) + 1;
      await tx.volumeAttempt.updateMany({
        where: { volumeId, outcome: 'RUNNING' },
        data: { outcome: 'INTERRUPTED', endedAt: new Date(), reason: `claim lapsed: taken over by attempt ${number} (${who.workerId})` },
      });
      const a = await tx.volumeAttempt.create({ data: { volumeId, number, round: v.retryRound, workerId: who.workerId, host: who.host, jobId: who.jobId } });
      await tx.volume.update({
        where: { id: volumeId },
        data: { status: 'RUNNING', attempts: { increment: 1 }, startedAt: new Date(), workerId: who.workerId, finishedAt: null, currentAttemptId: a.id },
      });
      await tx.cohort.updateMany({ where: { id: v.cohortId, status: 'QUEUED' }, data: { status: 'RUNNING' } });
      // a retried volume of a finished cohort re-opens it; finaliseCohort closes it again
      await tx.cohort.updateMany({ where: { id: v.cohortId, status: { in: [...REOPENABLE_COHORT_STATUSES] } }, data: { status: 'RUNNING', finishedAt: null } });
      await tx.cohort.updateMany({ where: { id: v.cohortId, startedAt: null }, data: { startedAt: new Date() } });
      return { kind: 'started', claim: { attemptId: a.id, number, round: v.retryRound } };
    });
  }

  /** The claim is still ours (and alive): false once another attempt took it over or a reaper ended it. */
  async heartbeat(attemptId: string): Promise<boolean> {
    return (await this.prisma.volumeAttempt.updateMany({ where: { id: attemptId, outcome: 'RUNNING' }, data: { heartbeatAt: new Date() } })).count === 1;
  }

  /** Checked between denoising steps: does this attempt still hold its claim, and is the cohort cancelled? */
  async claimState(attemptId: string, cohortId: string): Promise<{ held: boolean; cohortStatus: CohortStatus | null }> {
    const [r] = await this.prisma.$queryRaw<{ outcome: string | null; status: CohortStatus | null }[]>`
      SELECT (SELECT outcome::text FROM "VolumeAttempt" WHERE id = ${attemptId}::uuid) AS outcome,
             (SELECT status FROM "Cohort" WHERE id = ${cohortId}::uuid) AS status`;
    return { held: r?.outcome === 'RUNNING', cohortStatus: r?.status ?? null };
  }

  /** Before writing files: note their keys on the attempt (so a crashed or fenced attempt's files can be removed). */
  async declareOutputs(attemptId: string, keys: { imageKey: string; maskKey: string }): Promise<boolean> {
    return (await this.prisma.volumeAttempt.updateMany({ where: { id: attemptId, outcome: 'RUNNING' }, data: keys })).count === 1;
  }

  /**
   * Record a generated volume and finalise the cohort, in ONE transaction, fenced by the attempt token:
   * 'cancelled' when the cohort was cancelled meanwhile (cancel wins), 'superseded' when another attempt
   * took the claim over. `staleKeys` are files of this volume's other attempts (or, when not recorded, this
   * attempt's own) that no record points at: the caller removes them.
   */
  async recordSuccess(r: SuccessRecord, attemptId: string): Promise<{ result: 'recorded' | 'already' | 'cancelled' | 'superseded'; staleKeys: string[] }> {
    return this.prisma.$transaction(async (tx) => {
      const [cohort] = await tx.$queryRaw<{ status: CohortStatus }[]>`SELECT status FROM "Cohort" WHERE id = ${r.cohortId}::uuid FOR UPDATE`;
      const [attempt] = await tx.$queryRaw<{ outcome: string }[]>`SELECT outcome::text FROM "VolumeAttempt" WHERE id = ${attemptId}::uuid FOR UPDATE`;
      const own = [r.imageKey, r.maskKey];
      const end = (outcome: 'CANCELLED' | 'SUPERSEDED', reason: string) =>
        tx.volumeAttempt.update({ where: { id: attemptId }, data: { outcome, reason, endedAt: new Date() } });
      if (cohort?.status === 'CANCELLED') {
        await tx.volume.updateMany({ where: { id: r.volumeId, status: { in: [...OPEN_VOLUME_STATUSES] } }, data: { status: 'CANCELLED', finishedAt: new Date(), currentAttemptId: null } });
        await end('CANCELLED', 'the cohort was cancelled before the volume was recorded; its files were removed');
        return { result: 'cancelled', staleKeys: own };
      }
      if (attempt?.outcome !== 'RUNNING') {
        await end('SUPERSEDED', 'finished after its claim had been taken over: nothing recorded, its files were removed');
        return { result: 'superseded', staleKeys: own };
      }
      // Raw SQL with JSON text: Prisma's Json serialisation rounds numbers to 16 significant digits, and
      // condition vectors / provenance must round-trip exactly (float64, 17 digits).
      const updated = await tx.$executeRaw`
        UPDATE "Volume" SET
          status = ${r.status}::"VolumeStatus", error = ${r.error},
          "requestedCondition" = ${JSON.stringify(r.requestedCondition)}::jsonb,
          "measuredCondition" = ${JSON.stringify(r.measuredCondition)}::jsonb,
          "imageKey" = ${r.imageKey}, "imageSha256" = ${r.imageSha256}, "imageBytes" = ${BigInt(r.imageBytes)},
          "maskKey" = ${r.maskKey}, "maskSha256" = ${r.maskSha256}, "maskBytes" = ${BigInt(r.maskBytes)},
          provenance = ${JSON.stringify(r.provenance)}::jsonb,
          "workerId" = ${r.workerId}, "finishedAt" = now()
        WHERE id = ${r.volumeId}::uuid AND "currentAttemptId" = ${attemptId}::uuid AND status = 'RUNNING'`;
      if (updated === 0) return { result: 'already', staleKeys: own };
      await tx.volumeAttempt.update({ where: { id: attemptId }, data: { outcome: 'SUCCEEDED', endedAt: new Date() } });
      const others = await tx.volumeAttempt.findMany({ where: { volumeId: r.volumeId, id: { not: attemptId } }, select: { imageKey: true, maskKey: true } });
      await finaliseCohort(tx, r.cohortId);
      const staleKeys = others.flatMap((o) => [o.imageKey, o.maskKey]).filter((k): k is string => !!k && !own.includes(k));
      return { result: 'recorded', staleKeys };
    });
  }

  /**
   * A generation failure of the current attempt: the error is kept; the volume is FAILED when no retry
   * follows, else PENDING. Nothing happens when the attempt no longer holds the claim (fencing).
   */
  async recordFailure(volumeId: string, cohortId: string, attemptId: string | null, error: string, final: boolean): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "Cohort" WHERE id = ${cohortId}::uuid FOR UPDATE`;
      if (attemptId) {
        const ended = await tx.volumeAttempt.updateMany({ where: { id: attemptId, outcome: 'RUNNING' }, data: { outcome: 'FAILED', reason: error, endedAt: new Date() } });
        if (ended.count === 0) return false;
      }
      await tx.volume.updateMany({
        where: { id: volumeId, status: { in: [...OPEN_VOLUME_STATUSES] }, ...(attemptId ? { currentAttemptId: attemptId } : {}) },
        data: final ? { status: 'FAILED', error, finishedAt: new Date(), currentAttemptId: null } : { status: 'PENDING', error, currentAttemptId: null },
      });
      if (final) await finaliseCohort(tx, cohortId);
      return true;
    });
  }

  /** An interruption that is not the volume's fault (shutdown give-back, infrastructure): back to PENDING, budget untouched. */
  async recordInterruption(volumeId: string, attemptId: string, reason: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const ended = await tx.volumeAttempt.updateMany({ where: { id: attemptId, outcome: 'RUNNING' }, data: { outcome: 'INTERRUPTED', reason, endedAt: new Date() } });
      if (ended.count === 0) return;
      await tx.volume.updateMany({ where: { id: volumeId, currentAttemptId: attemptId, status: 'RUNNING' }, data: { status: 'PENDING', error: reason, currentAttemptId: null } });
    });
  }

  /** The volume's cohort was cancelled: the volume will not be generated. */
  async markCancelled(volumeId: string, cohortId: string, attemptId: string | null = null): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "Cohort" WHERE id = ${cohortId}::uuid FOR UPDATE`;
      if (attemptId) await tx.volumeAttempt.updateMany({ where: { id: attemptId, outcome: 'RUNNING' }, data: { outcome: 'CANCELLED', reason: 'cohort cancelled', endedAt: new Date() } });
      await tx.volume.updateMany({
        where: { id: volumeId, status: { in: [...OPEN_VOLUME_STATUSES] } },
        data: { status: 'CANCELLED', finishedAt: new Date(), currentAttemptId: null },
      });
      await tx.cohort.updateMany({ where: { id: cohortId, status: 'CANCELLED', finishedAt: null }, data: { finishedAt: new Date() } });
    });
  }

  /**
   * Takeover: claims whose worker stopped heart-beating for `leaseSeconds` (killed, frozen, cut off) end
   * INTERRUPTED and their jobs become claimable at once (no backoff, no retry counted): pg-boss's own expiry
   * is only a backstop. Also frees jobs claimed by a worker that died before it started an attempt. Safe to
   * run from every worker at once. Returns the volumes handed back.
   */
  async reapLapsedClaims(leaseSeconds: number, queueSchema: string): Promise<string[]> {
    const lapsed = await this.prisma.$queryRawUnsafe<{ volumeId: string; jobId: string }[]>(
      `WITH lapsed AS (
         SELECT id FROM "VolumeAttempt"
         WHERE outcome = 'RUNNING' AND "heartbeatAt" < now() - make_interval(secs => $1)
         FOR UPDATE SKIP LOCKED
       ), ended AS (
         UPDATE "VolumeAttempt" a SET outcome = 'INTERRUPTED', "endedAt" = now(),
           reason = 'worker lost: no heartbeat for ' || $1 || ' s (killed, frozen or cut off); claim handed to another worker'
         FROM lapsed WHERE a.id = lapsed.id
         RETURNING a.id, a."volumeId", a."jobId"
       ), volumes AS (
         UPDATE "Volume" v SET status = 'PENDING', "currentAttemptId" = NULL
         FROM ended WHERE v.id = ended."volumeId" AND v."currentAttemptId" = ended.id AND v.status = 'RUNNING'
         RETURNING v.id
       )
       SELECT ended."volumeId"::text AS "volumeId", ended."jobId" AS "jobId" FROM ended`,
      leaseSeconds,
    );
    const jobIds = lapsed.map((l) => l.jobId);
    // jobs of lapsed attempts, and active jobs older than the lease that no attempt holds
    await this.prisma.$executeRawUnsafe(
      `UPDATE ${queueSchema}.job j SET state = 'created', started_on = NULL, start_after = now()
       WHERE j.state = 'active' AND j.name LIKE 'volume.%'
         AND (j.id::text = ANY($1::text[])
              OR (j.started_on < now() - make_interval(secs => $2)
                  AND NOT EXISTS (SELECT 1 FROM "VolumeAttempt" a WHERE a."jobId" = j.id::text AND a.outcome = 'RUNNING')))`,
      jobIds,
      leaseSeconds,
    );
    return lapsed.map((l) => l.volumeId);
  }

  /** What replay needs: the recorded outputs and provenance, and the distribution spec for a re-draw. */
  async loadForReplay(volumeId: string) {
    const v = await this.prisma.volume.findUnique({
      where: { id: volumeId },
      select: {
        id: true,
        status: true,
        subjectIndex: true,
        seed: true,
        provenance: true,
        imageKey: true,
        imageSha256: true,
        maskKey: true,
        maskSha256: true,
        cohort: { select: { id: true, seed: true, size: true, distributionVersion: { select: { spec: true } } } },
      },
    });
    return v;
  }

  async counts(cohortId: string): Promise<CohortCounts> {
    return countVolumes(this.prisma, cohortId);
  }
}

type Tx = Prisma.TransactionClient;

async function countVolumes(db: Tx | PrismaClient, cohortId: string): Promise<CohortCounts> {
  const groups = await db.volume.groupBy({ by: ['status'], where: { cohortId }, _count: { _all: true } });
  const n = (s: VolumeStatus) => groups.find((g) => g.status === s)?._count._all ?? 0;
  const c = { succeeded: n('SUCCEEDED'), failed: n('FAILED'), cancelled: n('CANCELLED'), pending: n('PENDING'), running: n('RUNNING'), qcFailed: n('QC_FAILED') };
  return { total: c.succeeded + c.failed + c.cancelled + c.pending + c.running + c.qcFailed, ...c };
}

/** Close the cohort once no volume is open (the lifecycle's finalisation rule). Caller holds the cohort row lock. */
async function finaliseCohort(tx: Tx, cohortId: string): Promise<void> {
  const status = finishedCohortStatus(await countVolumes(tx, cohortId));
  if (!status) return;
  await tx.cohort.updateMany({ where: { id: cohortId, status: { in: [...ACTIVE_COHORT_STATUSES] } }, data: { status, finishedAt: new Date() } });
}
