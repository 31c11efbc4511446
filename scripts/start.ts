// `npm start`: the whole platform on one machine, supervised.
//   1. configuration, then every port it will use is tried: a taken port stops here, naming its variable
//   2. PostgreSQL: DATABASE_URL, or an embedded PostgreSQL 17 with its data in .data/postgres, supervised
//      (started again when it dies, adopted when restarted from outside, stopped last)
//   3. migrations (skipped when up to date)
//   4. api, workers, web: each a supervised child in its own process group; one that exits on its own is
//      restarted with backoff while the others keep running, and given up on when it keeps crashing
//   5. a demo team, user and project on the first run only
// "Slicewise is running" is printed only once every process answers its readiness URL.
// Ctrl-C, SIGTERM or SIGHUP: web, then api and workers, then PostgreSQL. A second one kills at once.
// If npm start itself is killed outright, its children notice their parent is gone and stop themselves.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { connectionFields, livePostmaster, migrateDatabase, onParentExit, redact, stopPostgresServer, waitForServer } from '@slicewise/db/server';
import { DEMO_ACCOUNT } from '../apps/api/src/instance/demo.ts';
import { loadStartConfig, StartConfigError, type StartConfig } from './start/config.ts';
import { checkPorts, connectHost, freePort, type PortClaim } from './start/ports.ts';
import { SupervisedPostgres } from './start/postgres.ts';
import { runTask, StartupError, SupervisedProcess, type ChildSpec, type StopResult } from './start/supervisor.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The API offers these credentials on the sign-in page while the account keeps them (apps/api instance/).
const DEMO = DEMO_ACCOUNT;
/** Signals this close to the first one are the same Ctrl-C (the terminal's and npm's forwarded copy). */
const SAME_SIGNAL_MS = 1000;

const t0 = Date.now();
const log = (msg: string) => process.stdout.write(`[start] ${msg}\n`);

const children: SupervisedProcess[] = [];
let postgres: SupervisedPostgres | null = null;
let postgresStarting: Promise<unknown> | null = null;
let buildTask: ReturnType<typeof runTask> | null = null;
let lock: DataDirLock | null = null;
let stopping: { at: number; code: number } | null = null;

/** What runs and what does not, e.g. "running: PostgreSQL, api, web; NOT running: worker (gave-up)". */
function status(): string {
  const up: string[] = [];
  const down: string[] = [];
  if (!postgres) up.push('PostgreSQL (external)');
  else (postgres.state === 'running' ? up : down).push(postgres.state === 'running' ? 'PostgreSQL' : `PostgreSQL (${postgres.state})`);
  for (const c of children) (c.state === 'running' ? up : down).push(c.state === 'running' ? c.name : `${c.name} (${c.state})`);
  return `running: ${up.join(', ') || 'nothing'}${down.length ? `; NOT running: ${down.join(', ')}` : ''}`;
}

async function shutdown(code: number, reason: string): Promise<void> {
  if (stopping) {
    if (Date.now() - stopping.at < SAME_SIGNAL_MS) return;
    log('stopping now: killing every process');
    for (const c of children) c.kill();
    buildTask?.kill();
    if (postgres) await postgres.kill().catch(() => {});
    process.exit(stopping.code || 1);
  }
  stopping = { at: Date.now(), code };
  log(`stopping (${reason})…`);
  const t = Date.now();
  const took: StopResult[] = [];
  buildTask?.kill();
  // The web app first: its proxy's connections to the api close, so the api's HTTP drain has nothing to wait for.
  for (const c of children.filter((c) => c.name === 'web')) took.push(await c.stop());
  took.push(...(await Promise.all(children.filter((c) => c.name !== 'web').map((c) => c.stop()))));
  let pgMs: number | null = null;
  if (postgresStarting) await postgresStarting.catch(() => {});
  if (postgres) {
    const tp = Date.now();
    await postgres.stop();
    pgMs = Date.now() - tp;
  }
  lock?.release();
  const parts = [...took.map((r) => `${r.name} ${(r.ms / 1000).toFixed(1)} s${r.killed ? ' (killed)' : ''}`), ...(pgMs === null ? [] : [`PostgreSQL ${(pgMs / 1000).toFixed(1)} s`])];
  log(`stopped in ${((Date.now() - t) / 1000).toFixed(1)} s${parts.length ? ` (${parts.join(', ')})` : ''}`);
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0, signal));
onParentExit(() => void shutdown(1, 'the process that started npm start exited'));

/** `<dataDir>/npm-start.json`: one npm start per data folder, and the postmaster it started (for a later cleanup). */
interface DataDirLock {
  /** Postmaster recorded by an earlier npm start that is no longer running. */
  leftoverPostgresPid: number | null;
  setPostgresPid(pid: number): void;
  release(): void;
}

function lockDataDir(dataDir: string): DataDirLock {
  const file = path.join(dataDir, 'npm-start.json');
  let prev: { pid?: number; postgresPid?: number | null } = {};
  try {
    prev = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof prev;
  } catch {
    /* first run, or unreadable: nothing recorded */
  }
  if (prev.pid && prev.pid !== process.pid && isNpmStart(prev.pid)) {
    throw new StartupError(`another npm start (pid ${prev.pid}) is running on SLICEWISE_DATA_DIR=${dataDir}. Stop it first, or set SLICEWISE_DATA_DIR to another folder.`, null);
  }
  const write = (postgresPid: number | null) => fs.writeFileSync(file, `${JSON.stringify({ pid: process.pid, postgresPid })}\n`);
  write(null);
  return {
    leftoverPostgresPid: prev.postgresPid ?? null,
    setPostgresPid: write,
    release: () => fs.rmSync(file, { force: true }),
  };
}

function isNpmStart(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start.ts');
  } catch {
    return true; // no /proc: a live pid is taken at its word
  }
}

async function gql(apiUrl: string, query: string, variables: Record<string, unknown>, cookie?: string) {
  const r = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { body: (await r.json()) as { data?: any; errors?: unknown[] }, cookie: /sw_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0] };
}

/** First run only: no user exists yet. Goes through the API like any client would. */
async function seedDemo(databaseUrl: string, apiUrl: string): Promise<boolean> {
  const client = new pg.Client(connectionFields(databaseUrl));
  await client.connect();
  const users = Number((await client.query('SELECT count(*) AS n FROM "User"')).rows[0].n);
  await client.end();
  if (users > 0) return false;
  const up = await gql(apiUrl, 'mutation($i: SignUpInput!) { signUp(input: $i) { user { id } userErrors { message } } }', {
    i: { email: DEMO.email, password: DEMO.password, name: DEMO.name },
  });
  if (!up.cookie) throw new Error(`demo sign-up failed: ${JSON.stringify(up.body)}`);
  const team = await gql(apiUrl, 'mutation($n: String!) { createTeam(input: { name: $n }) { team { id } } }', { n: DEMO.team }, up.cookie);
  const teamId = team.body.data.createTeam.team.id;
  await gql(apiUrl, 'mutation($t: ID!, $n: String!) { createProject(input: { teamId: $t, name: $n, description: "Seeded demo project" }) { project { id } } }', { t: teamId, n: DEMO.project }, up.cookie);
  return true;
}

/** Ports of the processes to start; HEALTH_PORT=0 gets free ports now. */
async function portClaims(c: StartConfig, web: boolean): Promise<{ claims: PortClaim[]; healthPorts: number[] }> {
  const claims: PortClaim[] = [];
  if (!c.databaseUrl) claims.push({ variable: 'SLICEWISE_PG_PORT', value: c.pgPort, host: '127.0.0.1', port: c.pgPort, what: 'the embedded PostgreSQL' });
  claims.push({ variable: 'API_PORT', hostVariable: 'API_HOST', value: c.apiPort, host: c.apiHost, port: c.apiPort, what: 'the api' });
  if (web) claims.push({ variable: 'WEB_PORT', value: c.webPort, host: '127.0.0.1', port: c.webPort, what: 'the web app' });
  const healthPorts: number[] = [];
  for (let i = 0; i < c.workers; i++) {
    if (c.healthPort === null) {
      healthPorts.push(await freePort(c.healthHost));
      continue;
    }
    const port = c.healthPort + i;
    healthPorts.push(port);
    const who = c.workers === 1 ? "the worker's health endpoint" : `worker ${i + 1}'s health endpoint${i ? ` (HEALTH_PORT + ${i})` : ''}`;
    claims.push({ variable: 'HEALTH_PORT', hostVariable: 'HEALTH_HOST', value: c.healthPort, host: c.healthHost, port, what: who });
  }
  return { claims, healthPorts };
}

async function main() {
  let config: StartConfig;
  try {
    config = loadStartConfig(process.env, root);
  } catch (err) {
    if (!(err instanceof StartConfigError)) throw err;
    process.stderr.write(`[start] ${err.message}\n`);
    process.exit(2);
  }
  const nextBin = path.join(root, 'node_modules/next/dist/bin/next');
  const web = config.web && fs.existsSync(path.join(root, 'apps/web/next.config.ts')) && fs.existsSync(nextBin);
  const worker = config.workers > 0 && fs.existsSync(path.join(root, 'apps/worker/src/main.ts'));

  // 1. this data folder: one npm start at a time; a PostgreSQL left running by a killed one is stopped
  fs.mkdirSync(config.dataDir, { recursive: true });
  lock = lockDataDir(config.dataDir);
  const pgDir = path.join(config.dataDir, 'postgres');
  if (!config.databaseUrl) {
    const running = livePostmaster(pgDir);
    if (running !== null && running === lock.leftoverPostgresPid) {
      log(`stopping the PostgreSQL (pid ${running}) left running by an earlier npm start that was killed`);
      await stopPostgresServer(pgDir);
    } else if (running !== null) {
      throw new StartupError(`a PostgreSQL server (pid ${running}) that this npm start did not start is running on ${pgDir}. Stop it, or set SLICEWISE_DATA_DIR to another folder.`, null);
    }
  }

  // 2. ports, before anything starts
  const { claims, healthPorts } = await portClaims(config, web);
  const taken = await checkPorts(worker ? claims : claims.filter((c) => c.variable !== 'HEALTH_PORT'));
  if (taken.length) {
    process.stderr.write(`[start] cannot start: ${taken.length === 1 ? 'a port is' : 'ports are'} not available\n${taken.map((p) => `  - ${p}`).join('\n')}\n`);
    lock.release();
    process.exit(2);
  }

  // 3. PostgreSQL
  let databaseUrl: string;
  if (config.databaseUrl) {
    await waitForServer(config.databaseUrl, 15_000);
    databaseUrl = config.databaseUrl;
    log(`database: ${redact(databaseUrl)} (external: not supervised by npm start)`);
  } else {
    postgres = new SupervisedPostgres({
      dataDir: pgDir,
      port: config.pgPort,
      database: 'slicewise',
      policy: config.restart,
      log,
      onPid: (pid) => lock?.setPostgresPid(pid),
      onGiveUp: (reason) => {
        log(`${reason}. Nothing works without it: stopping everything.`);
        void shutdown(1, 'PostgreSQL could not be kept running');
      },
    });
    postgresStarting = postgres.start();
    await postgresStarting;
    postgresStarting = null;
    databaseUrl = postgres.url;
    log(`database: ${redact(databaseUrl)} (embedded, supervised, data in ${path.relative(root, pgDir) || pgDir}, pid ${postgres.pid})`);
  }
  if (stopping) return;
  const m = await migrateDatabase(databaseUrl);
  log(m.skipped ? 'migrations: up to date' : `migrations applied: ${m.applied.join(', ')}`);

  // 4. the processes
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    SLICEWISE_DATA_DIR: config.dataDir,
    STORAGE_DIR: process.env.STORAGE_DIR ?? path.join(config.dataDir, 'storage'),
    MODELS_DIR: process.env.MODELS_DIR ?? path.join(root, 'models'),
  };
  const onGiveUp = () => log(`Slicewise is degraded: ${status()}.`);
  const supervise = (spec: Omit<ChildSpec, 'command'>) => {
    const child = new SupervisedProcess({ command: process.execPath, ...spec }, config.restart, log, onGiveUp);
    children.push(child);
    return child;
  };
  const apiUrl = `http://${connectHost(config.apiHost)}:${config.apiPort}`;
  // Each app runs from its own folder so tsx applies that app's tsconfig (decorators for the API).
  const api = supervise({
    name: 'api',
    args: ['--import', 'tsx', 'src/main.ts'],
    cwd: path.join(root, 'apps/api'),
    env: { ...childEnv, API_HOST: config.apiHost, API_PORT: String(config.apiPort), WEB_PROXY_SECRET: config.webProxySecret },
    readyUrl: `${apiUrl}/readyz`,
    readyTimeoutMs: 180_000,
    stopTimeoutMs: 15_000,
    ports: claims.filter((c) => c.variable === 'API_PORT'),
  });
  await api.start();
  if (stopping) return;
  const seeded = await seedDemo(databaseUrl, apiUrl);

  const lines = [`API      ${apiUrl}/graphql  (health: /healthz, /readyz)`];
  const starting: Promise<void>[] = [];
  if (worker) {
    for (let i = 0; i < config.workers; i++) {
      const name = config.workers === 1 ? 'worker' : `worker ${i + 1}`;
      const healthUrl = `http://${connectHost(config.healthHost)}:${healthPorts[i]}`;
      const w = supervise({
        name,
        args: ['--import', 'tsx', 'src/main.ts'],
        cwd: path.join(root, 'apps/worker'),
        env: { ...childEnv, HEALTH_HOST: config.healthHost, HEALTH_PORT: String(healthPorts[i]) },
        readyUrl: `${healthUrl}/readyz`,
        readyTimeoutMs: 180_000,
        stopTimeoutMs: config.workerShutdownGraceMs + 10_000,
        ports: claims.filter((c) => c.variable === 'HEALTH_PORT' && c.port === healthPorts[i]),
      });
      starting.push(w.start());
      lines.push(`${name.padEnd(8)} ${healthUrl}/healthz`);
    }
  }
  if (web) {
    const webDir = path.join(root, 'apps/web');
    const webEnv = { ...childEnv, NEXT_TELEMETRY_DISABLED: '1', SLICEWISE_API_URL: apiUrl, PORT: String(config.webPort), WEB_HOST: '127.0.0.1', WEB_PROXY_SECRET: config.webProxySecret };
    if (!fs.existsSync(path.join(webDir, '.next/BUILD_ID'))) {
      log('building the web app (first run)…');
      buildTask = runTask(process.execPath, [nextBin, 'build'], webDir, webEnv);
      const built = await buildTask.done;
      buildTask = null;
      if (stopping) return;
      if (built.code !== 0) throw new StartupError(`next build failed (${built.signal ?? `exit code ${built.code}`}); its log is above`, built);
    }
    const w = supervise({
      name: 'web',
      // server.ts: Next behind a front that limits bodies and records the browser's address
      args: ['--import', 'tsx', '--import', pathToFileURL(path.join(root, 'scripts/start/exit-with-parent.mjs')).href, 'server.ts'],
      cwd: webDir,
      env: webEnv,
      readyUrl: `http://127.0.0.1:${config.webPort}/`,
      readyTimeoutMs: 120_000,
      stopTimeoutMs: 5_000,
      ports: claims.filter((c) => c.variable === 'WEB_PORT'),
    });
    starting.push(w.start());
    lines.unshift(`Web app  http://127.0.0.1:${config.webPort}/`);
  }
  const failed = (await Promise.allSettled(starting)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (stopping) return;
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.stdout.write(
    [
      '',
      '  Slicewise is running.',
      ...lines.map((u) => `    ${u}`),
      `    Demo sign-in: ${DEMO.email} / ${DEMO.password}${seeded ? '  (seeded now)' : ''}`,
      `    A process that exits on its own is restarted (at most ${config.restart.limit} times within ${config.restart.windowMs / 1000} s).`,
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n') + '\n',
  );
}

main().catch(async (err: unknown) => {
  if (stopping) return;
  process.stderr.write(`[start] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdown(1, 'start-up failed');
});
