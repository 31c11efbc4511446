/**
 * Producer side, run INSIDE the caller's transaction: the API passes an executor bound to its
 * transaction (`sql(text, values) => Promise<{ rows }>`), and pg-boss runs every statement through it
 * (pg-boss 10 accepts `{ db: { executeSql } }` in its constructor, and `createQueue` / `insert` then use
 * that executor). The cohort row and its N jobs therefore commit or roll back together.
 */
import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import pg from 'pg';
import {
  DEAD_LETTER_QUEUE,
  DEFAULT_POLICY,
  DEFAULT_SCHEMA,
  PREVIEW_PRIORITY,
  QueueError,
  VOLUME_QUEUE_PREFIX,
  teamQueueName,
  validatePayload,
  validatePolicy,
  type QueuePolicy,
  type VolumeJobPayload,
} from './names.ts';

export type SqlExecutor = (text: string, values: unknown[]) => Promise<{ rows: any[] }>;

/** The part of a Prisma (interactive) transaction client the executor needs; no @slicewise/db import here. */
export interface PrismaRawClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/**
 * An executor bound to a Prisma transaction: `prisma.$transaction(async (tx) => enqueueVolumeJobs(prismaExecutor(tx), ...))`.
 * Plain objects are sent as JSON text (pg-boss passes queue options as a json parameter).
 */
export function prismaExecutor(tx: PrismaRawClient): SqlExecutor {
  return async (text, values) => {
    const params = (values ?? []).map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) ? JSON.stringify(v) : v));
    const rows = await tx.$queryRawUnsafe<any[]>(text, ...params);
    return { rows: Array.isArray(rows) ? rows : [] };
  };
}

export interface EnqueueOptions {
  /** Added to every job's priority (e.g. the cohort's priority); previews add PREVIEW_PRIORITY. */
  priority?: number;
  preview?: boolean;
  policy?: Partial<QueuePolicy>;
  schema?: string;
}

/** A pg-boss facade whose every statement goes through `sql` (never connects by itself). */
function bossOn(sql: SqlExecutor, schema: string): PgBoss {
  return new PgBoss({ db: { executeSql: (text: string, values: any[]) => sql(text, values ?? []) }, schema });
}

/**
 * Create the team queue (and the dead-letter queue) when missing; pg-boss queues are table partitions,
 * created by pg-boss's own `create_queue` SQL function (what `boss.createQueue` calls). Called through a
 * subquery so that no `void` column reaches the client (Prisma cannot deserialise one).
 */
async function ensureQueues(sql: SqlExecutor, schema: string, names: string[], policy: QueuePolicy): Promise<void> {
  const { rows } = await sql(`SELECT name FROM ${schema}.queue WHERE name = ANY($1::text[])`, [[...names, policy.deadLetter]]);
  const have = new Set(rows.map((r) => r.name as string));
  const create = (name: string, options: Record<string, unknown>) =>
    sql(`SELECT count(*)::int AS n FROM (SELECT ${schema}.create_queue($1::text, $2::json)) AS q`, [name, JSON.stringify({ policy: 'standard', ...options })]);
  if (!have.has(policy.deadLetter)) await create(policy.deadLetter, { retryLimit: 0 });
  for (const name of names) {
    if (have.has(name)) continue;
    await create(name, {
      expireInSeconds: policy.expireInSeconds,
      retryLimit: policy.retryLimit,
      retryDelay: policy.retryDelaySeconds,
      retryBackoff: policy.retryBackoff,
      deadLetter: policy.deadLetter,
    });
  }
}

/** Enqueue one job per volume; returns the job ids (same order). */
export async function enqueueVolumeJobs(sql: SqlExecutor, jobs: VolumeJobPayload[], opts: EnqueueOptions = {}): Promise<string[]> {
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  const policy = validatePolicy({ ...DEFAULT_POLICY, ...opts.policy });
  const base = opts.priority ?? 0;
  if (!Number.isInteger(base) || Math.abs(base) > 1000) throw new QueueError(`priority must be an integer in [-1000, 1000], got ${JSON.stringify(opts.priority)}`);
  if (jobs.length === 0) return [];
  const payloads = jobs.map(validatePayload);
  const priority = base + (opts.preview ? PREVIEW_PRIORITY : 0);
  const boss = bossOn(sql, schema);
  await ensureQueues(sql, schema, [...new Set(payloads.map((p) => teamQueueName(p.teamId)))], policy);
  const ids = payloads.map(() => randomUUID());
  const CHUNK = 1000; // one json_to_recordset statement per chunk
  for (let i = 0; i < payloads.length; i += CHUNK) {
    await boss.insert(
      payloads.slice(i, i + CHUNK).map((data, k) => ({
        id: ids[i + k]!,
        name: teamQueueName(data.teamId),
        data,
        priority,
        expireInSeconds: policy.expireInSeconds,
        retryLimit: policy.retryLimit,
        retryDelay: policy.retryDelaySeconds,
        retryBackoff: policy.retryBackoff,
        deadLetter: policy.deadLetter,
      })),
    );
  }
  return ids;
}

/**
 * Cancel the cohort's jobs that no worker holds (created / retry). A running job is stopped by its worker,
 * which sees the cohort's CANCELLED status at its next denoising step. Returns how many were cancelled.
 */
export async function cancelCohortJobs(sql: SqlExecutor, cohortId: string, opts: { teamId?: string; schema?: string } = {}): Promise<number> {
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  const nameFilter = opts.teamId ? 'name = $2' : 'name LIKE $2';
  const name = opts.teamId ? teamQueueName(opts.teamId) : `${VOLUME_QUEUE_PREFIX}%`;
  const { rows } = await sql(
    `WITH c AS (
       UPDATE ${schema}.job SET state = 'cancelled', completed_on = now()
       WHERE ${nameFilter} AND state < 'active' AND data->>'cohortId' = $1
       RETURNING 1)
     SELECT count(*)::int AS n FROM c`,
    [cohortId, name],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Queue a fresh attempt for one volume (after the API reset it to PENDING): any unclaimed job for the
 * same volume is cancelled first, so the volume has at most one waiting job.
 */
export async function retryVolumeJob(sql: SqlExecutor, job: VolumeJobPayload, opts: EnqueueOptions = {}): Promise<string> {
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  const p = validatePayload(job);
  const queue = teamQueueName(p.teamId);
  const { rows } = await sql(`SELECT 1 FROM ${schema}.queue WHERE name = $1`, [queue]);
  if (rows.length) {
    await sql(
      `UPDATE ${schema}.job SET state = 'cancelled', completed_on = now()
       WHERE name = $1 AND state < 'active' AND data->>'volumeId' = $2`,
      [queue, p.volumeId],
    );
  }
  const [id] = await enqueueVolumeJobs(sql, [p], opts);
  return id!;
}

/** Create or migrate pg-boss's schema and the dead-letter queue (idempotent; run at API and worker boot). */
export async function ensureQueueSchema(databaseUrl: string, opts: { schema?: string; deadLetter?: string } = {}): Promise<void> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: opts.schema ?? DEFAULT_SCHEMA, migrate: true, supervise: false, schedule: false, max: 2 });
  boss.on('error', () => {});
  await boss.start();
  try {
    const dl = opts.deadLetter ?? DEAD_LETTER_QUEUE;
    if (!(await boss.getQueue(dl))) await boss.createQueue(dl, { name: dl, retryLimit: 0 });
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

/**
 * Lets an application role (no DDL rights) use the queue: row access to pg-boss's tables, and
 * `create_queue` (which creates a partition table per queue) run with its owner's rights
 * (SECURITY DEFINER, fixed search_path). Run by the schema's owner after `ensureQueueSchema`.
 */
export async function grantQueueAccess(databaseUrl: string, role: string, opts: { schema?: string } = {}): Promise<void> {
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  if (!/^[a-z_][a-z0-9_]*$/.test(schema) || !/^[a-z_][a-z0-9_]*$/.test(role)) throw new QueueError(`invalid schema or role name: ${schema}, ${role}`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`
      GRANT USAGE ON SCHEMA ${schema} TO ${role};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role};
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role};
      ALTER FUNCTION ${schema}.create_queue(text, json) SECURITY DEFINER SET search_path = ${schema}, pg_temp;
      REVOKE ALL ON FUNCTION ${schema}.create_queue(text, json) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION ${schema}.create_queue(text, json) TO ${role};`);
  } finally {
    await client.end();
  }
}
