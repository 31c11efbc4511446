// A bounded pool of worker threads for CPU-heavy work (piscina): at most CPU_WORKERS tasks run at
// once and at most CPU_QUEUE_MAX wait; beyond that callers get SERVICE_BUSY (503, Retry-After)
// instead of an ever-longer queue. A request's AbortSignal (its time limit, or the client going
// away) removes its task from the queue, or stops the thread that runs it.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { DomainError, ErrorCode } from '../common/errors.ts';
import type { CpuTask, PreviewTask, ReferenceMaskResult, ReferenceMaskTask } from './cpu.tasks.ts';

export interface CpuPoolConfig {
  threads: number;
  maxQueue: number;
  onError?: (err: unknown) => void;
}

export class CpuPool {
  private readonly pool: Piscina;

  constructor(config: CpuPoolConfig) {
    this.pool = new Piscina({
      filename: fileURLToPath(new URL('./cpu.worker.mjs', import.meta.url)),
      minThreads: 0,
      maxThreads: config.threads,
      maxQueue: config.maxQueue,
      // A thread takes ~1 s to start (it compiles the TypeScript it runs): keep idle ones a while.
      idleTimeout: 5 * 60_000,
    });
    // A thread that dies (out of memory, a bug) fails its task; it must not take the process down.
    this.pool.on('error', (err: unknown) => config.onError?.(err));
  }

  private async run<T>(task: CpuTask, signal?: AbortSignal, transferList?: ArrayBuffer[]): Promise<T> {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : timeoutError();
    try {
      return (await this.pool.run(task, { ...(signal ? { signal } : {}), ...(transferList ? { transferList } : {}) })) as T;
    } catch (err) {
      if (signal?.aborted) throw signal.reason instanceof DomainError ? signal.reason : timeoutError();
      if (err instanceof Error && /queue is at limit/i.test(err.message)) {
        throw new DomainError(ErrorCode.BUSY, 'The server is busy with other CPU-heavy requests; retry in a few seconds', { retryAfterSeconds: 2 });
      }
      throw err;
    }
  }

  preview(task: Omit<PreviewTask, 'kind'>, signal?: AbortSignal) {
    return this.run<ReturnType<typeof import('./cpu.tasks.ts').preview>>({ kind: 'preview', ...task }, signal);
  }

  referenceMask(task: Omit<ReferenceMaskTask, 'kind'>, signal?: AbortSignal): Promise<ReferenceMaskResult> {
    const buf = task.bytes.buffer as ArrayBuffer;
    const whole = task.bytes.byteOffset === 0 && task.bytes.byteLength === buf.byteLength;
    return this.run<ReferenceMaskResult>({ kind: 'referenceMask', ...task }, signal, whole ? [buf] : undefined);
  }

  /** Starts the threads now (a thread takes ~1 s to start), so the first request does not wait. */
  async warm(): Promise<void> {
    await Promise.all(Array.from({ length: this.pool.options.maxThreads }, () => this.pool.run({ kind: 'warm' })));
  }

  /** Tasks waiting for a thread now, and tasks run to completion since start. */
  get stats(): { queued: number; completed: number } {
    return { queued: this.pool.queueSize, completed: this.pool.completed };
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

export const timeoutError = () => new DomainError(ErrorCode.TIMEOUT, 'The request ran past its time limit and was stopped; ask for less (smaller n or first) and retry');
