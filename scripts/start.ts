// `npm start`: the whole platform on one machine.
//   1. PostgreSQL: DATABASE_URL, or an embedded PostgreSQL 17 with its data in .data/postgres
//   2. migrations (skipped when up to date)
//   3. the processes that exist: api, worker, web (each a child process with its own logs)
//   4. a demo team, user and project on the first run only
// Ctrl-C (or SIGTERM) stops the children first, waits for them, then stops PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectionFields, migrateDatabase, redact, resolveDatabase } from '@slicewise/db/server';
import { DEMO_ACCOUNT } from '../apps/api/src/instance/demo.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const dataDir = path.resolve(root, env.SLICEWISE_DATA_DIR ?? '.data');
const apiPort = Number(env.API_PORT ?? 4000);
const webPort = Number(env.WEB_PORT ?? 3000);
// The API offers these credentials on the sign-in page while the account keeps them (apps/api instance/).
const DEMO = DEMO_ACCOUNT;

const t0 = Date.now();
const log = (msg: string) => process.stdout.write(`[start] ${msg}\n`);

const children: { name: string; proc: ChildProcess }[] = [];
let stopping = false;

function run(name: string, args: string[], extraEnv: Record<string, string>, cwd = root): ChildProcess {
  const proc = spawn(process.execPath, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push({ name, proc });
  proc.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping everything`);
      void shutdown(1);
    }
  });
  return proc;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s`);
}

async function gql(query: string, variables: Record<string, unknown>, cookie?: string) {
  const r = await fetch(`http://127.0.0.1:${apiPort}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { body: (await r.json()) as { data?: any; errors?: unknown[] }, cookie: /sw_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0] };
}

/** First run only: no user exists yet. Goes through the API like any client would. */
async function seedDemo(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client(connectionFields(databaseUrl));
  await client.connect();
  const users = Number((await client.query('SELECT count(*) AS n FROM "User"')).rows[0].n);
  await client.end();
  if (users > 0) return false;
  const up = await gql('mutation($i: SignUpInput!) { signUp(input: $i) { user { id } userErrors { message } } }', {
    i: { email: DEMO.email, password: DEMO.password, name: DEMO.name },
  });
  if (!up.cookie) throw new Error(`demo sign-up failed: ${JSON.stringify(up.body)}`);
  const team = await gql('mutation($n: String!) { createTeam(input: { name: $n }) { team { id } } }', { n: DEMO.team }, up.cookie);
  const teamId = team.body.data.createTeam.team.id;
  await gql('mutation($t: ID!, $n: String!) { createProject(input: { teamId: $t, name: $n, description: "Seeded demo project" }) { project { id } } }', { t: teamId, n: DEMO.project }, up.cookie);
  return true;
}

let database: Awaited<ReturnType<typeof resolveDatabase>> | null = null;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await Promise.all(
    children.map(
      ({ name, proc }) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          const kill = setTimeout(() => {
            log(`${name} did not stop in 15 s; killing it`);
            proc.kill('SIGKILL');
          }, 15_000);
          proc.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          proc.kill('SIGTERM');
        }),
    ),
  );
  if (database) await database.stop();
  log('stopped');
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

async function main() {
  fs.mkdirSync(dataDir, { recursive: true });
  database = await resolveDatabase({
    databaseUrl: env.DATABASE_URL,
    embeddedDataDir: path.join(dataDir, 'postgres'),
    embeddedPort: Number(env.SLICEWISE_PG_PORT ?? 54329),
  });
  log(`database: ${redact(database.url)}${database.embedded ? ` (embedded, data in ${path.relative(root, database.embedded.dataDir)})` : ''}`);
  const m = await migrateDatabase(database.url);
  log(m.skipped ? 'migrations: up to date' : `migrations applied: ${m.applied.join(', ')}`);
  // The web app tells the API the browser's address with this secret (the API ignores the header
  // from anyone else); one per run unless set.
  const webProxySecret = env.WEB_PROXY_SECRET ?? randomBytes(32).toString('hex');
  const childEnv = {
    DATABASE_URL: database.url,
    SLICEWISE_DATA_DIR: dataDir,
    STORAGE_DIR: env.STORAGE_DIR ?? path.join(dataDir, 'storage'),
    MODELS_DIR: env.MODELS_DIR ?? path.join(root, 'models'),
  };

  // Each app runs from its own folder so tsx applies that app's tsconfig (decorators for the API).
  run('api', ['--import', 'tsx', 'src/main.ts'], { ...childEnv, API_PORT: String(apiPort), WEB_PROXY_SECRET: webProxySecret }, path.join(root, 'apps/api'));
  await waitFor(`http://127.0.0.1:${apiPort}/readyz`, 60_000);
  const seeded = await seedDemo(database.url);

  const urls = [`API      http://127.0.0.1:${apiPort}/graphql  (health: /healthz, /readyz)`];
  if (fs.existsSync(path.join(root, 'apps/worker/src/main.ts'))) {
    run('worker', ['--import', 'tsx', 'src/main.ts'], childEnv, path.join(root, 'apps/worker'));
    urls.push('Worker   running (logs above)');
  }
  const nextBin = path.join(root, 'node_modules/next/dist/bin/next');
  if (fs.existsSync(path.join(root, 'apps/web/next.config.ts')) && fs.existsSync(nextBin)) {
    const built = fs.existsSync(path.join(root, 'apps/web/.next/BUILD_ID'));
    const webEnv = { ...childEnv, NEXT_TELEMETRY_DISABLED: '1', SLICEWISE_API_URL: `http://127.0.0.1:${apiPort}`, PORT: String(webPort), WEB_HOST: '127.0.0.1', WEB_PROXY_SECRET: webProxySecret };
    if (!built) {
      log('building the web app (first run)…');
      const b = spawn(process.execPath, [nextBin, 'build'], { cwd: path.join(root, 'apps/web'), env: { ...env, ...webEnv }, stdio: 'inherit' });
      const code = await new Promise<number | null>((r) => b.on('exit', r));
      if (code !== 0) throw new Error('next build failed');
    }
    // server.ts: Next behind a front that limits bodies and records the browser's address.
    run('web', ['--import', 'tsx', 'server.ts'], webEnv, path.join(root, 'apps/web'));
    await waitFor(`http://127.0.0.1:${webPort}/`, 60_000);
    urls.unshift(`Web app  http://127.0.0.1:${webPort}/`);
  }
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.stdout.write(
    [
      '',
      '  Slicewise is running.',
      ...urls.map((u) => `    ${u}`),
      `    Demo sign-in: ${DEMO.email} / ${DEMO.password}${seeded ? '  (seeded now)' : ''}`,
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n') + '\n',
  );
}

main().catch(async (err: unknown) => {
  process.stderr.write(`[start] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdown(1);
});
