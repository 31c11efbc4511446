/**
 * The worker loop: `concurrency` slots, each claiming a volume job (fair share across team queues),
 * keeping its lease alive with a heartbeat, running the pipeline, then completing, failing (retry with
 * backoff, FAILED after the last attempt) or releasing the job. Dead-lettered jobs (e.g. a worker
 * SIGKILLed on the last attempt) mark their volume FAILED.
 */
import { VolumeQueueConsumer, type ClaimedJob } from '@slicewise/queue';
import type { WorkerConfig } from './config.ts';
import type { Logger } from './log.ts';
import { JobAborted, PermanentError, type VolumeProcessor } from './pipeline/run-volume.ts';
import type { VolumeRepository } from './pipeline/volume.repository.ts';

// The listener is removed when the timer fires: the claim loop sleeps on one long-lived signal, and
// leaving a listener per sleep leaked them (MaxListenersExceededWarning after ten polls).
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface WorkerStats {
  claimed: number;
  succeeded: number;
  failedAttempts: number;
  skipped: number;
  released: number;
  busy: number;
}

export class Worker {
  readonly stats: WorkerStats = { claimed: 0, succeeded: 0, failedAttempts: 0, skipped: 0, released: 0, busy: 0 };
  private readonly stopClaiming = new AbortController();
  private readonly running = new Map<string, AbortController>();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly consumer: VolumeQueueConsumer,
    private readonly processor: VolumeProcessor,
    private readonly repo: VolumeRepository,
    private readonly config: WorkerConfig,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (let i = 0; i < this.config.concurrency; i++) this.loops.push(this.loop(i));
  }

  get accepting(): boolean {
    return !this.stopClaiming.signal.aborted;
  }

  private async loop(slot: number): Promise<void> {
    while (!this.stopClaiming.signal.aborted) {
      let job: ClaimedJob | null = null;
      try {
        job = await this.consumer.claim();
        if (!job) {
          await this.handleDeadLetters();
          await sleep(this.config.pollIntervalMs, this.stopClaiming.signal);
          continue;
        }
      } catch (e) {
        this.log.error({ err: e, slot }, 'claiming failed; retrying after the poll interval');
        await sleep(this.config.pollIntervalMs, this.stopClaiming.signal);
        continue;
      }
      await this.run(job);
    }
  }

  private async run(job: ClaimedJob): Promise<void> {
    this.stats.claimed++;
    this.stats.busy++;
    const abort = new AbortController();
    this.running.set(job.id, abort);
    const log = this.log.child({ jobId: job.id, volumeId: job.data.volumeId, cohortId: job.data.cohortId, subjectIndex: job.data.subjectIndex, attempt: job.retryCount + 1 });
    const beat = setInterval(() => {
      this.consumer
        .extend(job.queue, job.id)
        .then((ok) => {
          if (!ok && !abort.signal.aborted) {
            log.warn('lease lost (job expired or cancelled): stopping this attempt');
            abort.abort(new JobAborted('lease-lost'));
          }
        })
        .catch((e) => log.warn({ err: e }, 'heartbeat failed'));
    }, Math.max(500, (this.config.jobExpireSeconds * 1000) / 3));
    try {
      log.info('volume job claimed');
      const out = await this.processor.process(
        { jobId: job.id, volumeId: job.data.volumeId, cohortId: job.data.cohortId, subjectIndex: job.data.subjectIndex },
        abort,
        { retryCount: job.retryCount },
      );
      if (out.kind === 'skipped') {
        this.stats.skipped++;
        log.info({ why: out.why }, 'volume job completed as a no-op');
      } else {
        this.stats.succeeded++;
      }
      await this.consumer.complete(job, out.kind === 'skipped' ? { skipped: out.why } : { recorded: out.recorded });
    } catch (e) {
      await this.handleError(job, e, log);
    } finally {
      clearInterval(beat);
      this.running.delete(job.id);
      this.stats.busy--;
    }
  }

  private async handleError(job: ClaimedJob, e: unknown, log: Logger): Promise<void> {
    try {
      if (e instanceof JobAborted) {
        if (e.reason === 'cancelled') {
          await this.repo.markCancelled(job.data.volumeId, job.data.cohortId);
          await this.consumer.complete(job, { skipped: 'cohort cancelled while running' });
          this.stats.skipped++;
          log.info('volume stopped: cohort cancelled');
        } else if (e.reason === 'shutdown') {
          await this.repo.recordFailure(job.data.volumeId, job.data.cohortId, 'worker shut down during generation; job released', false);
          await this.consumer.release(job);
          this.stats.released++;
          log.info('volume job released for another worker (shutdown)');
        } else {
          log.warn('attempt abandoned: another worker owns the job now');
        }
        return;
      }
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      const final = e instanceof PermanentError || job.lastAttempt;
      this.stats.failedAttempts++;
      log.error({ err: e, final }, final ? 'volume failed (no retry left)' : 'volume attempt failed; will retry with backoff');
      await this.repo.recordFailure(job.data.volumeId, job.data.cohortId, message.slice(0, 4000), final);
      if (e instanceof PermanentError) await this.consumer.complete(job, { failed: message.slice(0, 1000) });
      else await this.consumer.fail(job, message.slice(0, 1000));
    } catch (inner) {
      log.error({ err: inner }, 'could not record the failure (the lease will expire and the job be retried)');
    }
  }

  /** Volumes whose job was dead-lettered (retries exhausted by expiry) become FAILED. */
  private async handleDeadLetters(): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const dl = await this.consumer.claimDeadLetter();
      if (!dl) return;
      const out = dl.output as { message?: string; value?: { message?: string } } | null;
      const why = out?.value?.message ?? out?.message ?? 'retries exhausted';
      await this.repo.recordFailure(dl.data.volumeId, dl.data.cohortId, `job dead-lettered: ${why}`, true);
      await this.consumer.completeDeadLetter(dl.id);
      this.log.warn({ volumeId: dl.data.volumeId, why }, 'dead-lettered job: volume marked FAILED');
    }
  }

  /** Stop claiming; wait up to graceMs for running volumes, then abort them (their jobs are released). */
  async stop(graceMs: number): Promise<void> {
    this.stopClaiming.abort();
    const all = Promise.all(this.loops);
    const timedOut = await Promise.race([all.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      this.log.warn({ running: this.running.size }, 'grace period over: aborting running volumes');
      for (const a of this.running.values()) a.abort(new JobAborted('shutdown'));
      await all;
    }
  }
}
