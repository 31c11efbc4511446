import type { Cohort, Volume, VolumeAttempt } from '@slicewise/db';
import { GENERATED_VOLUME_STATUSES, OPEN_VOLUME_STATUSES, type CohortStatus, type VolumeCounts, type VolumeStatus } from '@slicewise/lifecycle';
import type { QcSettings, SamplerSettings } from '@slicewise/models';
import { numberKeyset, type Keyset, type TimeCursor } from '../common/keyset.ts';
import { pagePerParent } from '../common/window.repository.ts';
import { clientOf, sqlFor, type Db, type Tx } from '../common/transaction.repository.ts';
import type { SqlExecutor } from '@slicewise/queue';

/**
 * A cohort row. JSON settings are narrowed: the API stores them complete at request time (resolveSamplerSettings,
 * resolveQcSettings); qcSettings is null for cohorts requested before quality control existed.
 */
export type CohortRow = Omit<Cohort, 'samplerSettings' | 'qcSettings'> & { samplerSettings: SamplerSettings; qcSettings: QcSettings | null };
export type VolumeRow = Volume;
export type AttemptRow = VolumeAttempt;
export type { CohortStatus, VolumeStatus };

// The database enums and the lifecycle module name the same states.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameStates: [Same<Cohort['status'], CohortStatus>, Same<Volume['status'], VolumeStatus>] = [true, true];
void sameStates;

/** The one place a stored cohort becomes a CohortRow. */
const asCohortRow = (c: Cohort): CohortRow => c as Omit<Cohort, 'samplerSettings' | 'qcSettings'> as CohortRow;
const asCohortRows = (cs: Cohort[]): CohortRow[] => cs.map(asCohortRow);

const PROGRESS_KEY = { PENDING: 'pending', RUNNING: 'running', SUCCEEDED: 'succeeded', FAILED: 'failed', CANCELLED: 'cancelled', QC_FAILED: 'qcFailed' } as const satisfies Record<VolumeStatus, string>;

/** The cohort's volumes by state (lifecycle's VolumeCounts; qcFailed: generated, but every try failed QC) and their total. */
export interface Progress extends VolumeCounts {
  total: number;
}

export class CohortRepository {
  constructor(private readonly db: Db) {}

  /** A queue executor bound to the transaction: pg-boss statements commit or roll back with it. */
  queueSql(tx: Tx): SqlExecutor {
    const c = clientOf(this.db, tx);
    return async (text, values) => {
      try {
        return { rows: await c.$queryRawUnsafe<any[]>(text, ...values) };
      } catch (err) {
        // pg-boss calls functions returning `void` (e.g. create_queue). The statement has run; only
        // Prisma's decoding of the void column fails afterwards, so there are no rows to return.
        if (/column of type 'void'/.test(String(err))) return { rows: [] };
        throw err;
      }
    };
  }

  async create(tx: Tx, data: Omit<CohortRow, 'id' | 'createdAt' | 'startedAt' | 'finishedAt' | 'cancelledAt' | 'decidedById' | 'decidedAt' | 'decisionComment' | 'qcSettings'> & { qcSettings: QcSettings }): Promise<CohortRow> {
    return asCohortRow(await clientOf(this.db, tx).cohort.create({ data: { ...data, samplerSettings: { ...data.samplerSettings }, qcSettings: { ...data.qcSettings } } }));
  }

  async createVolumes(tx: Tx, cohortId: string, size: number, seed: bigint): Promise<{ id: string; subjectIndex: number }[]> {
    const c = clientOf(this.db, tx);
    await c.volume.createMany({ data: Array.from({ length: size }, (_, i) => ({ cohortId, subjectIndex: i, seed })) });
    return c.volume.findMany({ where: { cohortId }, select: { id: true, subjectIndex: true }, orderBy: { subjectIndex: 'asc' } });
  }

  async find(id: string, tx?: Tx): Promise<CohortRow | null> {
    const c = await clientOf(this.db, tx).cohort.findUnique({ where: { id } });
    return c && asCohortRow(c);
  }
  async findByIds(ids: readonly string[]): Promise<CohortRow[]> {
    return asCohortRows(await clientOf(this.db).cohort.findMany({ where: { id: { in: [...ids] } } }));
  }
  async lockForUpdate(tx: Tx, id: string): Promise<CohortRow | null> {
    await clientOf(this.db, tx).$queryRaw`SELECT id FROM "Cohort" WHERE id = ${id}::uuid FOR UPDATE`;
    return this.find(id, tx);
  }
  async update(tx: Tx, id: string, data: Partial<Pick<CohortRow, 'status' | 'decidedById' | 'decidedAt' | 'decisionComment' | 'cancelledAt' | 'finishedAt'>>): Promise<CohortRow> {
    return asCohortRow(await clientOf(this.db, tx).cohort.update({ where: { id }, data }));
  }
  async cancelOpenVolumes(tx: Tx, cohortId: string): Promise<number> {
    const r = await clientOf(this.db, tx).volume.updateMany({ where: { cohortId, status: 'PENDING' }, data: { status: 'CANCELLED' } });
    return r.count;
  }
  volumes(cohortId: string, where: { status?: VolumeStatus }, tx?: Tx): Promise<VolumeRow[]> {
    return clientOf(this.db, tx).volume.findMany({ where: { cohortId, ...where }, orderBy: { subjectIndex: 'asc' } });
  }
  async resetVolume(tx: Tx, id: string): Promise<void> {
    // a new retry round: the attempt history is kept, the retry budgets count this round's attempts only
    await clientOf(this.db, tx).volume.update({ where: { id }, data: { status: 'PENDING', error: null, retryRound: { increment: 1 }, currentAttemptId: null } });
  }
  async findVolume(id: string): Promise<(VolumeRow & { cohort: CohortRow }) | null> {
    const v = await clientOf(this.db).volume.findUnique({ where: { id }, include: { cohort: true } });
    return v && { ...v, cohort: asCohortRow(v.cohort) };
  }
  review(tx: Tx, id: string, data: { reviewState: VolumeRow['reviewState']; reviewedById: string | null; reviewComment: string | null }): Promise<VolumeRow> {
    return clientOf(this.db, tx).volume.update({ where: { id }, data: { ...data, reviewedAt: new Date() } });
  }

  /** Newest first, for many projects in ONE query. */
  listForProjects(projectIds: readonly string[], k: Keyset<TimeCursor>) {
    return pagePerParent<CohortRow>(this.db, 'Cohort', projectIds, k, 'desc');
  }
  async listAwaitingApproval(teamId: string, take: number): Promise<CohortRow[]> {
    return asCohortRows(await clientOf(this.db).cohort.findMany({ where: { teamId, status: 'AWAITING_APPROVAL' }, orderBy: { createdAt: 'asc' }, take }));
  }

  /** Volumes of a cohort ordered by subject index (keyset), with an optional status and review filter. */
  listVolumes(cohortId: string, k: Keyset<number>, filter: { status?: VolumeStatus; reviewState?: VolumeRow['reviewState'] }): Promise<VolumeRow[]> {
    const q = numberKeyset('subjectIndex', k, 'asc');
    return clientOf(this.db).volume.findMany({ ...q, where: { cohortId, ...filter, ...q.where } });
  }

  /** Progress of many cohorts in one query. */
  async progressOf(cohortIds: readonly string[]): Promise<Map<string, Progress>> {
    // Plain SQL (sqlFor): read by every cohort list and page, and polled while cohorts run.
    const rows = await sqlFor(this.db).query<{ cohortId: string; status: VolumeStatus; n: number }>(
      'volume.progressOf',
      'SELECT "cohortId", status::text AS status, count(*)::int AS n FROM "Volume" WHERE "cohortId" = ANY($1::uuid[]) GROUP BY "cohortId", status',
      [[...cohortIds]],
    );
    const out = new Map<string, Progress>();
    for (const id of cohortIds) out.set(id, { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, qcFailed: 0 });
    for (const r of rows) {
      const p = out.get(r.cohortId)!;
      p.total += r.n;
      p[PROGRESS_KEY[r.status]] += r.n;
    }
    return out;
  }

  /**
   * Volumes of one team queued or running now (for the quota check). Inside a transaction it first
   * takes the team's quota lock (held until commit), so parallel requests are counted one by one.
   */
  async openVolumesOfTeam(teamId: string, tx?: Tx): Promise<number> {
    if (tx) await clientOf(this.db, tx).$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`quota:${teamId}`}, 0))`;
    const rows = await clientOf(this.db, tx).$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "Volume" v JOIN "Cohort" c ON c.id = v."cohortId"
      WHERE c."teamId" = ${teamId}::uuid AND v.status::text = ANY(${[...OPEN_VOLUME_STATUSES]})`;
    return rows[0]?.n ?? 0;
  }

  /**
   * What the adherence report needs of each generated volume, read from its provenance in SQL (a 10,000-volume
   * cohort must not load 10,000 full records): requested and measured vectors, QC status and tries (schema /1
   * records predate QC: not-run, one try).
   */
  async adherenceInputs(cohortId: string): Promise<{ id: string; requested: number[]; measured: number[] | null; qcStatus: 'passed' | 'failed' | 'not-run'; tries: number }[]> {
    return clientOf(this.db).$queryRaw`
      SELECT id::text,
             provenance->'condition'->'requested' AS requested,
             provenance->'condition'->'measured' AS measured,
             COALESCE(provenance->'qc'->>'status', 'not-run') AS "qcStatus",
             GREATEST(1, COALESCE(jsonb_array_length(provenance->'qc'->'tries'), 1))::int AS tries
      FROM "Volume"
      WHERE "cohortId" = ${cohortId}::uuid AND status::text = ANY(${[...GENERATED_VOLUME_STATUSES]}) AND provenance IS NOT NULL
      ORDER BY "subjectIndex"`;
  }

  /** Attempt histories of many volumes in one query, oldest attempt first. */
  attemptsOf(volumeIds: readonly string[]): Promise<AttemptRow[]> {
    return clientOf(this.db).volumeAttempt.findMany({ where: { volumeId: { in: [...volumeIds] } }, orderBy: [{ volumeId: 'asc' }, { number: 'asc' }] });
  }

  findVolumesBySha256(sha: string) {
    return clientOf(this.db).volume.findMany({ where: { OR: [{ imageSha256: sha }, { maskSha256: sha }] }, include: { cohort: true } });
  }
}
