/**
 * The worker loop: `concurrency` slots, each claiming a volume job (fair share across team queues), running
 * the pipeline (which claims the volume with a fenced attempt and heart-beats it), then completing, failing
 * or handing back the job by what went wrong (pipeline/faults.ts): a generation failure retries with
 * backoff and FAILS after the last attempt; an interruption hands the job back without using the budget.
 * A reaper hands back the claims of workers that stopped heart-beating (takeover within the lease), and
 * dead-lettered jobs (pg-boss's backstop expiry) mark their volume FAILED.
 */
import { VolumeQueueConsumer, type ClaimedJob } from '@slicewise/queue';
import type { Storage } from '@slicewise/storage';
import type { WorkerConfig } from './config.ts';
import type { Logger } from './log.ts';
import { isInfrastructureError, JobAborted, PermanentError } from './pipeline/faults.ts';
import { removeFiles, type AttemptState, type VolumeProcessor } from './pipeline/run-volume.ts';
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
  /** Attempts handed back for reasons that are not the volume's (infrastructure). */
  interrupted: number;
  /** Attempts that finished after their claim had been taken over (recorded nothing). */
  superseded: number;
  skipped: number;
  released: number;
  /** Lapsed claims of (other) workers this worker handed back. */
  reaped: number;
  busy: number;
}

export class Worker {
  readonly stats: WorkerStats = { claimed: 0, succeeded: 0, failedAttempts: 0, interrupted: 0, superseded: 0, skipped: 0, released: 0, reaped: 0, busy: 0 };
  private readonly stopClaiming = new AbortController();
  private readonly running = new Map<string, AbortController>();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly consumer: VolumeQueueConsumer,
    private readonly processor: VolumeProcessor,
    private readonly repo: VolumeRepository,
    private readonly storage: Storage,
    private readonly config: WorkerConfig,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (let i = 0; i < this.config.concurrency; i++) this.loops.push(this.loop(i));
    this.loops.push(this.reapLoop());
  }

  /** Hands back claims whose worker stopped heart-beating (killed, frozen, cut off): takeover within the lease. */
  private async reapLoop(): Promise<void> {
    while (!this.stopClaiming.signal.aborted) {
      try {
        const volumes = await this.repo.reapLapsedClaims(this.config.leaseSeconds, this.consumer.schema);
        if (volumes.length) {
          this.stats.reaped += volumes.length;
          this.log.warn({ volumes, leaseSeconds: this.config.leaseSeconds }, 'lapsed claims handed back for takeover');
        }
      } catch (e) {
        this.log.warn({ err: e }, 'looking for lapsed claims failed; retrying');
      }
      await sleep(this.config.reapIntervalMs, this.stopClaiming.signal);
    }
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
    const state: AttemptState = { claim: null, keys: [] };
    this.running.set(job.id, abort);
    const log = this.log.child({ jobId: job.id, volumeId: job.data.volumeId, cohortId: job.data.cohortId, subjectIndex: job.data.subjectIndex, queueRetry: job.retryCount });
    // pg-boss's expiry is a backstop behind the attempt's own lease: keep it from firing while we run
    const backstop = setInterval(() => {
      this.consumer.extend(job.queue, job.id).catch((e) => log.warn({ err: e }, 'queue keep-alive failed'));
    }, Math.max(500, (this.config.jobExpireSeconds * 1000) / 3));
    try {
      log.info('volume job claimed');
      const out = await this.processor.process({ jobId: job.id, volumeId: job.data.volumeId, cohortId: job.data.cohortId, subjectIndex: job.data.subjectIndex }, abort, { retryCount: job.retryCount }, state);
      if (out.kind === 'superseded') {
        this.stats.superseded++; // the job belongs to the attempt that took the claim over: leave it alone
      } else if (out.kind === 'skipped' || out.kind === 'cancelled') {
        this.stats.skipped++;
        if (out.kind === 'skipped') log.info({ why: out.why }, 'volume job completed as a no-op');
        await this.consumer.complete(job, { skipped: out.kind === 'skipped' ? out.why : 'cohort cancelled while the volume was written' });
      } else {
        this.stats.succeeded++;
        await this.consumer.complete(job, { recorded: out.recorded });
      }
    } catch (e) {
      await this.handleError(job, e, state, log);
    } finally {
      clearInterval(backstop);
      this.running.delete(job.id);
      this.stats.busy--;
    }
  }

  private async handleError(job: ClaimedJob, e: unknown, state: AttemptState, log: Logger): Promise<void> {
    const vid = job.data.volumeId;
    const token = state.claim?.attemptId ?? null;
    try {
      // files this attempt wrote and nobody will record (a taken-over claim's winner, or a retry, writes its own)
      await removeFiles(this.storage, state.keys, log);
      if (e instanceof JobAborted && e.reason === 'lease-lost') {
        this.stats.superseded++;
        log.warn({ attempt: state.claim?.number }, 'claim taken over by another worker (this one stopped heart-beating): attempt stopped, nothing recorded');
        return; // the job is another attempt's now: no complete, fail or release
      }
      if (e instanceof JobAborted && e.reason === 'cancelled') {
        await this.repo.markCancelled(vid, job.data.cohortId, token);
        await this.consumer.complete(job, { skipped: 'cohort cancelled while running' });
        this.stats.skipped++;
        log.info('volume stopped: cohort cancelled');
        return;
      }
      if (e instanceof JobAborted || isInfrastructureError(e)) {
        // not the volume's fault: hand the job back without using its retry budget
        const reason = e instanceof JobAborted ? 'worker shut down during generation; job handed back' : `interrupted by an infrastructure fault: ${errorText(e).slice(0, 500)}`;
        if (token) await this.repo.recordInterruption(vid, token, reason);
        await this.consumer.release(job);
        if (e instanceof JobAborted) {
          this.stats.released++;
          log.info('volume job released for another worker (shutdown)');
        } else {
          this.stats.interrupted++;
          log.warn({ err: e }, 'attempt interrupted by an infrastructure fault; job handed back (retry budget untouched)');
        }
        return;
      }
      const message = errorText(e);
      const final = e instanceof PermanentError || job.lastAttempt;
      this.stats.failedAttempts++;
      log.error({ err: e, final }, final ? 'volume failed (no retry left)' : 'volume attempt failed; will retry with backoff');
      const held = await this.repo.recordFailure(vid, job.data.cohortId, token, message.slice(0, 4000), final);
      if (!held) return log.warn('the claim was taken over meanwhile: failure not recorded, job left to its new holder');
      if (e instanceof PermanentError) await this.consumer.complete(job, { failed: message.slice(0, 1000) });
      else await this.consumer.fail(job, message.slice(0, 1000));
    } catch (inner) {
      // typically the database is unreachable: the attempt stops heart-beating, and a reaper hands the job
      // back once the lease lapses (an interruption, not a failure)
      log.error({ err: inner }, 'could not settle the attempt; its lease will lapse and the job be handed back');
    }
  }

  /** Volumes whose job was dead-lettered (retries exhausted by expiry) become FAILED. */
  private async handleDeadLetters(): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const dl = await this.consumer.claimDeadLetter();
      if (!dl) return;
      const out = dl.output as { message?: string; value?: { message?: string } } | null;
      const why = out?.value?.message ?? out?.message ?? 'retries exhausted';
      await this.repo.recordFailure(dl.data.volumeId, dl.data.cohortId, null, `job dead-lettered: ${why}`, true);
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

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
