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
  RUNNABLE_COHORT_STATUSES,
  STARTABLE_VOLUME_STATUSES,
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
    isPreview: boolean;
  };
  distributionVersion: { id: string; distributionId: string; version: number; spec: unknown; specHash: string };
  model: { id: string; name: string; version: string; fileHashes: unknown };
}

export interface SuccessRecord {
  volumeId: string;
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

export interface CohortCounts {
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  pending: number;
  running: number;
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
   * Start an attempt (cohort QUEUED, RUNNING, or COMPLETED/FAILED when a volume was retried): volume RUNNING (attempts + 1), cohort QUEUED -> RUNNING. Returns null when the volume
   * must not run (already SUCCEEDED or CANCELLED, or its cohort is not runnable).
   */
  async startAttempt(volumeId: string, workerId: string): Promise<{ attempts: number } | null> {
    return this.prisma.$transaction(async (tx) => {
      const updated = await tx.volume.updateMany({
        where: { id: volumeId, status: { in: [...STARTABLE_VOLUME_STATUSES] }, cohort: { status: { in: [...RUNNABLE_COHORT_STATUSES] } } },
        data: { status: 'RUNNING', attempts: { increment: 1 }, startedAt: new Date(), workerId, finishedAt: null },
      });
      if (updated.count === 0) return null;
      const v = await tx.volume.findUniqueOrThrow({ where: { id: volumeId }, select: { attempts: true, cohortId: true } });
      await tx.cohort.updateMany({ where: { id: v.cohortId, status: 'QUEUED' }, data: { status: 'RUNNING' } });
      // a retried volume of a finished cohort re-opens it; finaliseCohort closes it again
      await tx.cohort.updateMany({ where: { id: v.cohortId, status: { in: [...REOPENABLE_COHORT_STATUSES] } }, data: { status: 'RUNNING', finishedAt: null } });
      await tx.cohort.updateMany({ where: { id: v.cohortId, startedAt: null }, data: { startedAt: new Date() } });
      return { attempts: v.attempts };
    });
  }

  /** Record a generated volume and finalise the cohort, in ONE transaction. 'already' if it was recorded before. */
  async recordSuccess(r: SuccessRecord): Promise<'recorded' | 'already'> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "Cohort" WHERE id = ${r.cohortId}::uuid FOR UPDATE`;
      // Raw SQL with JSON text: Prisma's Json serialisation rounds numbers to 16 significant digits, and
      // condition vectors / provenance must round-trip exactly (float64, 17 digits).
      const updated = await tx.$executeRaw`
        UPDATE "Volume" SET
          status = 'SUCCEEDED', error = NULL,
          "requestedCondition" = ${JSON.stringify(r.requestedCondition)}::jsonb,
          "measuredCondition" = ${JSON.stringify(r.measuredCondition)}::jsonb,
          "imageKey" = ${r.imageKey}, "imageSha256" = ${r.imageSha256}, "imageBytes" = ${BigInt(r.imageBytes)},
          "maskKey" = ${r.maskKey}, "maskSha256" = ${r.maskSha256}, "maskBytes" = ${BigInt(r.maskBytes)},
          provenance = ${JSON.stringify(r.provenance)}::jsonb,
          "workerId" = ${r.workerId}, "finishedAt" = now()
        WHERE id = ${r.volumeId}::uuid AND status <> 'SUCCEEDED'`;
      if (updated === 0) return 'already';
      await finaliseCohort(tx, r.cohortId);
      return 'recorded';
    });
  }

  /** An attempt failed: keep the error text; FAILED when no retry follows, else back to PENDING. */
  async recordFailure(volumeId: string, cohortId: string, error: string, final: boolean): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "Cohort" WHERE id = ${cohortId}::uuid FOR UPDATE`;
      await tx.volume.updateMany({
        where: { id: volumeId, status: { in: [...OPEN_VOLUME_STATUSES] } },
        data: final ? { status: 'FAILED', error, finishedAt: new Date() } : { status: 'PENDING', error },
      });
      if (final) await finaliseCohort(tx, cohortId);
    });
  }

  /** The volume's cohort was cancelled: the volume will not be generated. */
  async markCancelled(volumeId: string, cohortId: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM "Cohort" WHERE id = ${cohortId}::uuid FOR UPDATE`;
      await tx.volume.updateMany({
        where: { id: volumeId, status: { in: [...OPEN_VOLUME_STATUSES] } },
        data: { status: 'CANCELLED', finishedAt: new Date() },
      });
      await tx.cohort.updateMany({ where: { id: cohortId, status: 'CANCELLED', finishedAt: null }, data: { finishedAt: new Date() } });
    });
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
  const c = { succeeded: n('SUCCEEDED'), failed: n('FAILED'), cancelled: n('CANCELLED'), pending: n('PENDING'), running: n('RUNNING') };
  return { total: c.succeeded + c.failed + c.cancelled + c.pending + c.running, ...c };
}

/** Close the cohort once no volume is open (the lifecycle's finalisation rule). Caller holds the cohort row lock. */
async function finaliseCohort(tx: Tx, cohortId: string): Promise<void> {
  const status = finishedCohortStatus(await countVolumes(tx, cohortId));
  if (!status) return;
  await tx.cohort.updateMany({ where: { id: cohortId, status: { in: [...ACTIVE_COHORT_STATUSES] } }, data: { status, finishedAt: new Date() } });
}
