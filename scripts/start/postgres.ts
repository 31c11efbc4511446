// The embedded PostgreSQL under `npm start`: started in its own process group, watched, started again
// with backoff when it dies (kill -9, crash, OOM killer), adopted when someone restarted it from outside
// (pg_ctl restart: a new postmaster then holds the data directory), and stopped last, whichever
// postmaster holds the directory by then. The api and workers reconnect by themselves: their pools drop
// dead connections and open new ones.
import {
  ensureDatabase,
  livePostmaster,
  startEmbeddedPostgres,
  stopPostgresServer,
  type EmbeddedDatabase,
} from '@slicewise/db/server';
import { restartDelayMs, type RestartPolicy } from './config.ts';
import { describeExit } from './supervisor.ts';

export interface PostgresOptions {
  dataDir: string;
  port: number;
  /** Database the platform uses (created on first start). */
  database: string;
  policy: RestartPolicy;
  log: (msg: string) => void;
  /** The postmaster now holding the data directory (started here, or adopted after an outside restart). */
  onPid: (pid: number) => void;
  /** PostgreSQL kept failing to start: nothing can run without it. */
  onGiveUp: (reason: string) => void;
}

/** A postmaster gone for this long without an outside restart bringing a new one up is started again. */
const OUTSIDE_RESTART_GRACE_MS = 1500;
const POLL_MS = 500;

export class SupervisedPostgres {
  state: 'idle' | 'running' | 'down' | 'gave-up' | 'stopping' | 'stopped' = 'idle';
  /** Times it came back after dying (for the test and the log). */
  restarts = 0;
  private server: EmbeddedDatabase | null = null;
  private knownPid: number | null = null;
  private downSince: number | null = null;
  private crashes: number[] = [];
  private poll: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;
  private logTail: string[] = [];

  constructor(private readonly opts: PostgresOptions) {}

  get url(): string {
    return this.server!.urlFor(this.opts.database);
  }

  get pid(): number | null {
    return this.knownPid;
  }

  async start(): Promise<void> {
    const server = await this.startServer();
    await ensureDatabase(server.adminUrl, this.opts.database);
    this.state = 'running';
    this.poll = setInterval(() => this.check(), POLL_MS);
  }

  private async startServer(): Promise<EmbeddedDatabase> {
    const server = await startEmbeddedPostgres({
      dataDir: this.opts.dataDir,
      port: this.opts.port,
      ownProcessGroup: true,
      onLog: (chunk) => {
        this.logTail = [...this.logTail, ...chunk.split('\n').filter((l) => l.trim())].slice(-5);
      },
    });
    this.server = server;
    this.track(server.pid);
    void server.exited.then((e) => {
      if (this.server !== server || this.state === 'stopping' || this.state === 'stopped') return;
      const tail = this.logTail.length ? `; its last log lines:\n    ${this.logTail.join('\n    ')}` : '';
      this.opts.log(`PostgreSQL (pid ${server.pid}) exited on its own (${describeExit(e)})${tail}`);
      this.check();
    });
    return server;
  }

  private track(pid: number): void {
    this.knownPid = pid;
    this.opts.onPid(pid);
  }

  /** Runs every POLL_MS and when the postmaster exits: adopt a new postmaster, or start one. */
  private check(): void {
    if (this.state !== 'running' && this.state !== 'down') return;
    if (this.inflight || this.restartTimer) return;
    const pid = livePostmaster(this.opts.dataDir);
    if (pid !== null) {
      if (pid !== this.knownPid) {
        this.opts.log(`PostgreSQL on this data directory is now pid ${pid} (started outside npm start); npm start watches it and stops it with the rest`);
        this.track(pid);
      }
      if (this.state === 'down') this.back();
      return;
    }
    const now = Date.now();
    if (this.state === 'running') {
      this.state = 'down';
      this.downSince = now;
      return;
    }
    if (now - this.downSince! < OUTSIDE_RESTART_GRACE_MS) return;
    this.crashes = [...this.crashes.filter((t) => now - t < this.opts.policy.windowMs), now];
    const n = this.crashes.length;
    const { limit, windowMs } = this.opts.policy;
    if (n > limit) {
      this.state = 'gave-up';
      this.opts.onGiveUp(`PostgreSQL stopped and could not be kept running: ${n} restarts needed within ${windowMs / 1000} s (SLICEWISE_RESTART_LIMIT=${limit})`);
      return;
    }
    const delayMs = restartDelayMs(this.opts.policy, n) - OUTSIDE_RESTART_GRACE_MS;
    this.opts.log(`PostgreSQL is not running; starting it again${delayMs > 0 ? ` in ${delayMs / 1000} s` : ''} (restart ${n} of at most ${limit} within ${windowMs / 1000} s)`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.inflight = this.restart().finally(() => {
        this.inflight = null;
      });
    }, Math.max(0, delayMs));
  }

  private async restart(): Promise<void> {
    if (this.state !== 'down') return;
    if (livePostmaster(this.opts.dataDir) !== null) return; // started from outside meanwhile: the next check adopts it
    try {
      const server = await this.startServer();
      if (this.state !== 'down') {
        await server.stop();
        return;
      }
      this.back();
    } catch (err) {
      // counted as another crash at the next check, which also schedules the next try
      this.opts.log(`PostgreSQL did not start: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
    }
  }

  private back(): void {
    this.restarts++;
    this.opts.log(`PostgreSQL is back (pid ${this.knownPid}, down for ${((Date.now() - this.downSince!) / 1000).toFixed(1)} s); the api and workers reconnect by themselves`);
    this.state = 'running';
    this.downSince = null;
  }

  /** Second Ctrl-C: immediate shutdown (SIGQUIT; crash recovery at the next start), not waiting for a fast one. */
  async kill(): Promise<void> {
    this.state = 'stopping';
    if (this.poll) clearInterval(this.poll);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await stopPostgresServer(this.opts.dataDir, { fastTimeoutMs: 0 });
  }

  /** Fast shutdown of whichever postmaster holds the data directory; immediate after `fastTimeoutMs`. */
  async stop(fastTimeoutMs = 10_000): Promise<void> {
    this.state = 'stopping';
    if (this.poll) clearInterval(this.poll);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.inflight;
    if (this.server) await this.server.stop({ fastTimeoutMs });
    else await stopPostgresServer(this.opts.dataDir, { fastTimeoutMs });
    this.state = 'stopped';
  }
}
