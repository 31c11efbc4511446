// One supervised child process of `npm start` (the api, a worker, the web app): started and waited for
// until it answers its readiness URL; restarted with backoff when it exits on its own; given up on when it
// keeps crashing; stopped with SIGTERM, then SIGKILL of its whole process group after a timeout.
//
// Each child runs in its own process group (`detached`): a terminal's Ctrl-C reaches only the
// orchestrator, which stops the children in order (web, then api and workers, then PostgreSQL), and a
// group kill also ends what the child started (tsx's esbuild service, Next's helpers).
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { restartDelayMs, type RestartPolicy } from './config.ts';
import { checkPorts, type PortClaim } from './ports.ts';

export interface ChildSpec {
  /** Shown in every message: "api", "worker 2", "web". */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Answers 2xx once the child serves (its /readyz, or the web app's front page). */
  readyUrl: string;
  readyTimeoutMs: number;
  /** After SIGTERM, how long the child may take before its process group is SIGKILLed. */
  stopTimeoutMs: number;
  /** Ports it listens on: when it fails to start, a port taken meanwhile is named with its variable. */
  ports?: PortClaim[];
}

export type ChildState = 'idle' | 'starting' | 'running' | 'waiting-to-restart' | 'gave-up' | 'stopping' | 'stopped';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopResult {
  name: string;
  ms: number;
  /** It did not stop within stopTimeoutMs and was SIGKILLed. */
  killed: boolean;
}

export class StartupError extends Error {
  constructor(
    message: string,
    readonly exit: Exit | null,
  ) {
    super(message);
  }
}

export function describeExit(e: Exit): string {
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

export class SupervisedProcess {
  state: ChildState = 'idle';
  /** Restarts done so far (all time). */
  restarts = 0;
  private proc: ChildProcess | null = null;
  private exited: Promise<Exit> | null = null;
  /** Times (ms) of the exits nobody asked for, inside the policy's window. */
  private crashes: number[] = [];
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly spec: ChildSpec,
    private readonly policy: RestartPolicy,
    private readonly log: (msg: string) => void,
    /** Called once when the child is given up on (it will not be restarted again). */
    private readonly onGiveUp: (child: SupervisedProcess, reason: string) => void = () => {},
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Start and wait until ready. On failure nothing of it is left running and a StartupError says why. */
  async start(): Promise<void> {
    await this.launch();
  }

  private async launch(): Promise<void> {
    this.state = 'starting';
    const proc = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    this.proc = proc;
    const exited = new Promise<Exit>((resolve) => {
      proc.once('exit', (code, signal) => resolve({ code, signal }));
      // spawn failed (no such binary): there will be no 'exit'
      proc.once('error', () => {
        if (proc.pid === undefined) resolve({ code: null, signal: null });
      });
    });
    this.exited = exited;
    const t0 = Date.now();
    const outcome = await Promise.race([
      waitReady(this.spec.readyUrl, this.spec.readyTimeoutMs, exited).then((ok) => (ok ? ('ready' as const) : ('timeout' as const))),
      exited,
    ]);
    if (outcome === 'timeout') {
      killGroup(proc, 'SIGKILL');
      const e = await exited;
      killGroup(proc, 'SIGKILL');
      throw new StartupError(`${this.name} did not answer ${this.spec.readyUrl} within ${this.spec.readyTimeoutMs / 1000} s (stopped it: ${describeExit(e)})`, e);
    }
    if (outcome !== 'ready') {
      killGroup(proc, 'SIGKILL'); // whatever it started
      // it may have lost its port to another program since the check at start: say which variable moves it
      const taken = this.state === 'starting' ? await checkPorts(this.spec.ports ?? []) : [];
      throw new StartupError(`${this.name} exited during start-up (${describeExit(outcome)}); its log is above${taken.map((t) => `\n  - ${t}`).join('')}`, outcome);
    }
    if (this.state !== 'starting') return; // stop() was called meanwhile
    this.state = 'running';
    void exited.then((e) => this.onExit(proc, e, Date.now() - t0));
  }

  private onExit(proc: ChildProcess, e: Exit, ranMs: number): void {
    if (proc !== this.proc || this.state !== 'running') return; // asked to stop, or an older process
    killGroup(proc, 'SIGKILL'); // what it started dies with it
    this.crashed(`${this.name} exited on its own (${describeExit(e)}) after ${(ranMs / 1000).toFixed(1)} s`);
  }

  /** Record an exit nobody asked for, then restart with backoff or give up. */
  private crashed(what: string): void {
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < this.policy.windowMs), now];
    const n = this.crashes.length;
    if (n > this.policy.limit) {
      this.state = 'gave-up';
      const reason = `${what}; it exited ${n} times within ${this.policy.windowMs / 1000} s (SLICEWISE_RESTART_LIMIT=${this.policy.limit}, SLICEWISE_RESTART_WINDOW_SECONDS=${this.policy.windowMs / 1000})`;
      this.log(`${reason}. Giving up on ${this.name}: it stays stopped until npm start is restarted.`);
      this.onGiveUp(this, reason);
      return;
    }
    const delayMs = restartDelayMs(this.policy, n);
    this.state = 'waiting-to-restart';
    this.log(`${what}; restarting it in ${delayMs / 1000} s (restart ${n} of at most ${this.policy.limit} within ${this.policy.windowMs / 1000} s)`);
    this.restartTimer = setTimeout(() => void this.restart(), delayMs);
  }

  private async restart(): Promise<void> {
    this.restartTimer = null;
    if (this.state !== 'waiting-to-restart') return;
    const t0 = Date.now();
    try {
      await this.launch();
    } catch (err) {
      // (state changes during the await: stop() may have been called)
      if ((this.state as ChildState) === 'starting') this.crashed(err instanceof Error ? err.message : String(err));
      return;
    }
    if ((this.state as ChildState) !== 'running') return;
    this.restarts++;
    this.log(`${this.name} is back (pid ${this.proc?.pid}, ready ${((Date.now() - t0) / 1000).toFixed(1)} s after its restart)`);
  }

  /** SIGTERM, then SIGKILL of the process group after stopTimeoutMs; resolves once it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<StopResult> {
    const t0 = Date.now();
    const was = this.state;
    this.state = 'stopping';
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const proc = this.proc;
    const done = (killed: boolean): StopResult => {
      this.state = 'stopped';
      return { name: this.name, ms: Date.now() - t0, killed };
    };
    if (!proc || !this.exited || was === 'gave-up' || proc.exitCode !== null || proc.signalCode !== null) {
      if (proc) killGroup(proc, 'SIGKILL');
      return done(false);
    }
    try {
      proc.kill(signal);
    } catch {
      /* gone already */
    }
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), this.spec.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      this.log(`${this.name} did not stop within ${this.spec.stopTimeoutMs / 1000} s of ${signal}; killing it`);
      killGroup(proc, 'SIGKILL');
      await this.exited;
    }
    killGroup(proc, 'SIGKILL'); // children it left behind
    return done(!inTime);
  }

  /** Second Ctrl-C: no more waiting. */
  kill(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.state = 'stopping';
    if (this.proc) killGroup(this.proc, 'SIGKILL');
  }
}

/** A one-off child (the first `next build`), in its own process group so that a stop can end it. */
export function runTask(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): { done: Promise<Exit>; kill(): void } {
  const proc = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  const done = new Promise<Exit>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', () => {
      if (proc.pid === undefined) resolve({ code: null, signal: null });
    });
  });
  return { done, kill: () => killGroup(proc, 'SIGKILL') };
}

function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    // negative pid: the whole process group the child leads (it was spawned detached)
    process.kill(process.platform === 'win32' ? proc.pid : -proc.pid, signal);
  } catch {
    /* the group is empty */
  }
}

/** Polls `url` until it answers 2xx (true), `timeoutMs` passes (false) or `exited` settles (false). */
export async function waitReady(url: string, timeoutMs: number, exited?: Promise<unknown>): Promise<boolean> {
  let gone = false;
  void exited?.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    if (await probe(url)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/**
 * One GET without keep-alive: a pooled idle socket from the orchestrator would otherwise hold the api's
 * HTTP server open during its drain at shutdown.
 */
export function probe(url: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 300);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}
