// What this deployment's workers measured: the inputs of estimate.ts. Read-only SQL over Volume and Cohort.
import { clientOf, sqlFor, type Db } from '../common/transaction.repository.ts';

export interface MeasuredVolumeRow {
  /** finishedAt - startedAt, seconds. */
  wallSeconds: number;
  /** The same worker's pause between its previous volume and this one (claiming, bookkeeping), 0..5 s; 0 after idling. */
  gapSeconds: number;
  /** The cohort's stored sampler settings (complete, @slicewise/models SamplerSettings). */
  samplerSettings: unknown;
  /** The worker's first volume in this window: it may include loading the model (a one-time cost per worker). */
  firstOfWorker: boolean;
}

export interface CohortFinishes {
  cohortId: string;
  /** Epoch seconds of finishes (succeeded, failed or failed quality control) in the last 30 minutes. */
  finishedAtS: number[];
  /** Distinct workers that ran or finished one of its volumes in the last 5 minutes. */
  workers: number;
}

/** A pause longer than this between two volumes of one worker is idle time, not per-volume overhead. */
const MAX_GAP_S = 5;

export class ThroughputRepository {
  constructor(private readonly db: Db) {}

  /**
   * The model's most recent generated volumes (newest first; those that failed quality control too: their
   * time, regenerations included, was spent all the same), with the worker's pause before each.
   */
  async recentVolumesOfModel(modelId: string, limit = 50): Promise<MeasuredVolumeRow[]> {
    const rows = await clientOf(this.db).$queryRaw<{ wall: number; gap: number | null; settings: unknown }[]>`
      WITH recent AS (
        SELECT v."workerId", v."startedAt", v."finishedAt", c."samplerSettings" AS settings
        FROM "Volume" v JOIN "Cohort" c ON c.id = v."cohortId"
        WHERE c."modelId" = ${modelId}::uuid AND v.status IN ('SUCCEEDED', 'QC_FAILED') AND v."startedAt" IS NOT NULL AND v."finishedAt" IS NOT NULL
        ORDER BY v."finishedAt" DESC LIMIT ${limit * 2}
      ), seq AS (
        SELECT *, lag("finishedAt") OVER (PARTITION BY "workerId" ORDER BY "startedAt") AS prev FROM recent
      )
      SELECT EXTRACT(EPOCH FROM ("finishedAt" - "startedAt"))::float8 AS wall,
             EXTRACT(EPOCH FROM ("startedAt" - prev))::float8 AS gap,
             settings
      FROM seq ORDER BY "finishedAt" DESC LIMIT ${limit}`;
    return rows
      .filter((r) => Number.isFinite(r.wall) && r.wall > 0)
      .map((r) => ({ wallSeconds: r.wall, gapSeconds: r.gap !== null && r.gap >= 0 && r.gap <= MAX_GAP_S ? r.gap : 0, samplerSettings: r.settings, firstOfWorker: r.gap === null }));
  }

  /**
   * Worker slots: distinct workers busy now or finishing in the last 10 minutes, volumes running now, and
   * the average number of volumes in flight over the last 10 minutes' work (a worker with
   * WORKER_CONCURRENCY 2 runs two at a time); the estimate takes the largest.
   */
  async activeWorkerSlots(): Promise<{ workers: number; runningNow: number; averageInFlight: number }> {
    const rows = await clientOf(this.db).$queryRaw<{ workers: number; running: number; busy: number | null; span: number | null }[]>`
      SELECT count(DISTINCT "workerId")::int AS workers,
             count(*) FILTER (WHERE status = 'RUNNING')::int AS running,
             sum(EXTRACT(EPOCH FROM ("finishedAt" - "startedAt"))) FILTER (WHERE "finishedAt" IS NOT NULL AND "startedAt" IS NOT NULL)::float8 AS busy,
             EXTRACT(EPOCH FROM (max("finishedAt") - min("startedAt") FILTER (WHERE "finishedAt" IS NOT NULL)))::float8 AS span
      FROM "Volume" WHERE status = 'RUNNING' OR "finishedAt" > now() - interval '10 minutes'`;
    const r = rows[0];
    const averageInFlight = r?.busy && r.span && r.span > 0 ? r.busy / r.span : 0;
    return { workers: r?.workers ?? 0, runningNow: r?.running ?? 0, averageInFlight };
  }

  /** Volumes queued or running in cohorts that are already queued (what a new request waits behind). */
  async queuedVolumes(): Promise<number> {
    const rows = await clientOf(this.db).$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "Volume" v JOIN "Cohort" c ON c.id = v."cohortId"
      WHERE v.status IN ('PENDING', 'RUNNING') AND c.status IN ('QUEUED', 'RUNNING')`;
    return rows[0]?.n ?? 0;
  }

  /** Recent finishes and active workers of many cohorts, in one query. */
  async finishesOf(cohortIds: readonly string[]): Promise<{ nowS: number; byCohort: Map<string, CohortFinishes> }> {
    // Plain SQL (sqlFor): read with every cohort's progress (lists and polling pages).
    const rows = await sqlFor(this.db).query<{ cohortId: string; finished: number[] | null; workers: number; now: number }>(
      'volume.finishesOf',
      `SELECT "cohortId",
             array_agg(EXTRACT(EPOCH FROM "finishedAt")::float8) FILTER (WHERE status IN ('SUCCEEDED', 'FAILED', 'QC_FAILED') AND "finishedAt" > now() - interval '30 minutes') AS finished,
             count(DISTINCT "workerId") FILTER (WHERE status = 'RUNNING' OR "finishedAt" > now() - interval '5 minutes')::int AS workers,
             EXTRACT(EPOCH FROM now())::float8 AS now
      FROM "Volume" WHERE "cohortId" = ANY($1::uuid[]) GROUP BY "cohortId"`,
      [[...cohortIds]],
    );
    const nowRow = rows[0]?.now ?? (await clientOf(this.db).$queryRaw<{ now: number }[]>`SELECT EXTRACT(EPOCH FROM now())::float8 AS now`)[0]!.now;
    const byCohort = new Map<string, CohortFinishes>();
    for (const id of cohortIds) byCohort.set(id, { cohortId: id, finishedAtS: [], workers: 0 });
    for (const r of rows) byCohort.set(r.cohortId, { cohortId: r.cohortId, finishedAtS: r.finished ?? [], workers: r.workers });
    return { nowS: nowRow, byCohort };
  }
}
