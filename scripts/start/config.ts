// `npm start`'s own configuration: read once from the environment, every problem reported together with
// the variable, the value and what is allowed. The children read their own variables (apps/*/src/config.ts);
// this file reads only what the orchestrator decides: where things run, how many workers, how to restart.
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export interface StartConfig {
  /** An external server: not started, not supervised. Unset: embedded PostgreSQL in `<dataDir>/postgres`. */
  databaseUrl: string | undefined;
  dataDir: string;
  pgPort: number;
  apiHost: string;
  apiPort: number;
  webPort: number;
  web: boolean;
  workers: number;
  healthHost: string;
  /** Health port of worker i (0-based) is healthPort + i; null: each worker gets a free port chosen at start. */
  healthPort: number | null;
  restart: RestartPolicy;
  /**
   * The web app tells the api the browser's address with this secret (the api ignores the header from anyone
   * else): WEB_PROXY_SECRET, or one per run.
   */
  webProxySecret: string;
  /** The workers' SHUTDOWN_GRACE_MS (they validate it): their stop timeout is this plus 10 s. */
  workerShutdownGraceMs: number;
}

export interface RestartPolicy {
  /** Restarts allowed within `windowMs`; one more crash in that window and the process is given up on. */
  limit: number;
  windowMs: number;
  /** Delay before the first restart; doubles with each further crash in the window, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export class StartConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration of npm start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadStartConfig(env: NodeJS.ProcessEnv, root: string): StartConfig {
  const problems: string[] = [];
  const read = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const int = (name: string, fallback: number, min: number, max: number, allowed: string): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: must be ${allowed}`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (['true', '1'].includes(raw)) return true;
    if (['false', '0'].includes(raw)) return false;
    problems.push(`${name}=${JSON.stringify(raw)}: must be true or false`);
    return fallback;
  };
  const port = (name: string, fallback: number) => int(name, fallback, 1, 65_535, 'a port number from 1 to 65535');

  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL=(hidden): must be a postgresql:// connection string, or unset for the embedded PostgreSQL');
  }
  const workers = int('SLICEWISE_WORKERS', 1, 0, 32, 'a whole number of worker processes from 0 to 32');
  const healthPort = int('HEALTH_PORT', 8090, 0, 65_535, 'a port number from 1 to 65535, or 0 for free ports chosen at start');
  if (healthPort > 0 && healthPort + workers - 1 > 65_535) {
    problems.push(`HEALTH_PORT=${healthPort}: worker i listens on HEALTH_PORT + i, so ${workers} workers need ports up to ${healthPort + workers - 1}; choose a lower HEALTH_PORT`);
  }
  const config: StartConfig = {
    databaseUrl,
    dataDir: path.resolve(root, read('SLICEWISE_DATA_DIR') ?? '.data'),
    pgPort: int('SLICEWISE_PG_PORT', 54329, 1024, 65_535, 'a port number from 1024 to 65535'),
    apiHost: read('API_HOST') ?? '127.0.0.1',
    apiPort: port('API_PORT', 4000),
    webPort: port('WEB_PORT', 3000),
    web: bool('SLICEWISE_START_WEB', true),
    workers,
    healthHost: read('HEALTH_HOST') ?? '127.0.0.1',
    healthPort: healthPort === 0 ? null : healthPort,
    restart: {
      limit: int('SLICEWISE_RESTART_LIMIT', 5, 0, 1000, 'a whole number of restarts from 0 to 1000'),
      windowMs: 1000 * int('SLICEWISE_RESTART_WINDOW_SECONDS', 60, 1, 86_400, 'a whole number of seconds from 1 to 86400'),
      baseDelayMs: 1000,
      maxDelayMs: 30_000,
    },
    webProxySecret: read('WEB_PROXY_SECRET') ?? randomBytes(32).toString('hex'),
    workerShutdownGraceMs: int('SHUTDOWN_GRACE_MS', 20_000, 0, 600_000, 'a whole number of milliseconds from 0 to 600000'),
  };
  if (problems.length) throw new StartConfigError(problems);
  return config;
}

/** Delay before the restart that follows the n-th crash (1-based) inside the window. */
export function restartDelayMs(policy: RestartPolicy, crashesInWindow: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, crashesInWindow - 1));
}
