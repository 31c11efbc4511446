/**
 * Worker side: claim volume jobs fairly across team queues, keep the claim alive (heartbeat), and
 * complete / fail / release them. One pg-boss instance per worker process; its maintenance
 * (`maintenanceIntervalSeconds`, serialised across processes by pg-boss) expires jobs whose claim lapsed:
 * they go back to `retry` (or to the dead-letter queue after retryLimit) and another worker takes them.
 *
 * Claim lease: a job's `expire_in` counts from `started_on`. The claiming worker sets it to its own
 * `leaseSeconds` and extends it on every heartbeat, so a live worker never loses a long volume while a
 * SIGKILLed one frees its job at most `leaseSeconds + maintenanceIntervalSeconds` later.
 */
import PgBoss from 'pg-boss';
import { orderQueues, queueStatsSql, type QueueStats } from './fairshare.ts';
import { DEAD_LETTER_QUEUE, DEFAULT_SCHEMA, VOLUME_QUEUE_PREFIX, validatePayload, type VolumeJobPayload } from './names.ts';
import type { SqlExecutor } from './enqueue.ts';

export interface ClaimedJob {
  id: string;
  queue: string;
  data: VolumeJobPayload;
  /** 0 on the first attempt. */
  retryCount: number;
  retryLimit: number;
  /** true when this is the last attempt pg-boss will make. */
  lastAttempt: boolean;
}

export interface ConsumerOptions {
  databaseUrl: string;
  schema?: string;
  leaseSeconds: number;
  maintenanceIntervalSeconds: number;
  /** Pool size of pg-boss's own connections. */
  maxConnections?: number;
  onError?: (err: Error) => void;
}

export class VolumeQueueConsumer {
  readonly schema: string;
  private lastServed: string | null = null;
  private constructor(
    private readonly boss: PgBoss,
    private readonly opts: ConsumerOptions,
  ) {
    this.schema = opts.schema ?? DEFAULT_SCHEMA;
  }

  static async start(opts: ConsumerOptions): Promise<VolumeQueueConsumer> {
    const boss = new PgBoss({
      connectionString: opts.databaseUrl,
      schema: opts.schema ?? DEFAULT_SCHEMA,
      migrate: true,
      supervise: true,
      schedule: false,
      maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds,
      max: opts.maxConnections ?? 4,
      application_name: 'slicewise-worker',
    });
    boss.on('error', (e: Error) => opts.onError?.(e));
    await boss.start();
    const c = new VolumeQueueConsumer(boss, opts);
    const { rows } = await c.sql(`SELECT 1 FROM ${c.schema}.queue WHERE name = $1`, [DEAD_LETTER_QUEUE]);
    if (!rows.length) await boss.createQueue(DEAD_LETTER_QUEUE, { name: DEAD_LETTER_QUEUE, retryLimit: 0 });
    return c;
  }

  /** pg-boss's own pool as an executor (health checks, ad-hoc reads). */
  readonly sql: SqlExecutor = (text, values) => this.boss.getDb().executeSql(text, values as any[]);

  async stats(): Promise<QueueStats[]> {
    const { rows } = await this.sql(queueStatsSql(this.schema), [`${VOLUME_QUEUE_PREFIX}%`]);
    return rows as QueueStats[];
  }

  /** Claim the next job by the fair-share order; null when nothing is ready. */
  async claim(): Promise<ClaimedJob | null> {
    const order = orderQueues(await this.stats(), this.lastServed);
    for (const queue of order) {
      const jobs = await this.boss.fetch<VolumeJobPayload>(queue, { includeMetadata: true, batchSize: 1 });
      const job = jobs[0];
      if (!job) continue; // another worker took the last one
      this.lastServed = queue;
      await this.extend(queue, job.id, this.opts.leaseSeconds);
      return {
        id: job.id,
        queue,
        data: validatePayload(job.data),
        retryCount: job.retryCount,
        retryLimit: job.retryLimit,
        lastAttempt: job.retryCount >= job.retryLimit,
      };
    }
    return null;
  }

  /** Extend the claim; false when the job is no longer ours (expired and handed to someone else, or cancelled). */
  async extend(queue: string, id: string, leaseSeconds = this.opts.leaseSeconds): Promise<boolean> {
    const { rows } = await this.sql(
      `UPDATE ${this.schema}.job SET expire_in = (now() - started_on) + make_interval(secs => $3)
       WHERE name = $1 AND id = $2 AND state = 'active' RETURNING 1`,
      [queue, id, leaseSeconds],
    );
    return rows.length === 1;
  }

  async complete(job: ClaimedJob, output: object = {}): Promise<void> {
    await this.boss.complete(job.queue, job.id, output);
  }

  /** Fail this attempt: pg-boss retries with backoff, or dead-letters after retryLimit. */
  async fail(job: ClaimedJob, error: string): Promise<void> {
    await this.boss.fail(job.queue, job.id, { message: error });
  }

  /** Give the job back untouched (shutdown): claimable again at once, not counted as an attempt. */
  async release(job: ClaimedJob): Promise<void> {
    await this.sql(
      `UPDATE ${this.schema}.job SET state = 'created', started_on = NULL, start_after = now()
       WHERE name = $1 AND id = $2 AND state = 'active'`,
      [job.queue, job.id],
    );
  }

  /** A dead-lettered job (retries exhausted, including by expiry), to mark its volume FAILED. */
  async claimDeadLetter(): Promise<{ id: string; data: VolumeJobPayload; output: unknown } | null> {
    const jobs = await this.boss.fetch<VolumeJobPayload>(DEAD_LETTER_QUEUE, { includeMetadata: true, batchSize: 1 });
    const job = jobs[0];
    if (!job) return null;
    return { id: job.id, data: validatePayload(job.data), output: job.output };
  }

  async completeDeadLetter(id: string): Promise<void> {
    await this.boss.complete(DEAD_LETTER_QUEUE, id);
  }

  /** Run pg-boss maintenance now (expire lapsed claims); tests and shutdown. */
  async maintainNow(): Promise<void> {
    await (this.boss as unknown as { maintain(): Promise<unknown> }).maintain();
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, close: true });
  }
}
