// `npm run bench:api [seconds]`: local load on the API's read path and one heavy write, against /healthz
// measured in the same run. Starts its own embedded PostgreSQL and API in this process, seeds a team with
// 60 projects and 20 cohorts, then drives each case with autocannon at 10 and 50 connections:
//   healthz        GET /healthz (no database: the HTTP stack's ceiling, the baseline of every ratio)
//   projectsList   team.projects(first: 20) with a session cookie
//   cohortsNested  project.cohorts(first: 20) with each cohort's progress (counts, rate and ETA)
//   requestCohort  the requestCohort mutation for 1,000 subjects (1,000 volumes and their queue jobs in
//                  one transaction: far slower than a read, reported as it is)
// autocannon runs in a worker thread (a second core of the load generator's own, as a remote client
// would be), so its own CPU does not stall the API's event loop. The query budget is lifted for the run
// (GRAPHQL_BUDGET_POINTS, BENCH_OPEN_VOLUMES): the bench measures serving, not the rate limiter.
// Prints progress on stderr and ONE JSON line on stdout.
import os from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import { startTestServer, createTestDatabase } from '@slicewise/db/testing';
import { ensureQueueSchema } from '@slicewise/queue';
import { loadApiConfig } from '../src/config.ts';
import { openDb } from '../src/common/database.repository.ts';
import { createLogger } from '../src/common/logger.ts';
import { createApiServer } from '../src/server.ts';

const DURATION_S = Number(process.argv[2] ?? process.env.BENCH_SECONDS ?? 6);
if (!Number.isFinite(DURATION_S) || DURATION_S < 1) throw new Error(`duration (argv[2] or BENCH_SECONDS) = ${process.argv[2] ?? process.env.BENCH_SECONDS}: must be a number of seconds >= 1`);
const CONNECTIONS = [10, 50] as const;
/** Database pool of the API under test (the API's default). */
const POOL = Number(process.env.BENCH_POOL ?? 10);
const COHORT_SUBJECTS = 1000;

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
log('starting embedded PostgreSQL and the API…');
const pgServer = await startTestServer(process.env.DATABASE_URL || undefined);
const database = await createTestDatabase(pgServer.adminUrl, pgServer.template);
await ensureQueueSchema(database.url); // requestCohort enqueues its volumes' jobs (pg-boss)
/** SQL statements sent while `recording` (one request of each case, before timing). */
let recording: string[] | null = null;
const { db, close } = openDb(database.url, { maxConnections: POOL, onQuery: (sql) => recording?.push(sql) });
const config = loadApiConfig({
  LOG_LEVEL: 'silent',
  GRAPHQL_BUDGET_POINTS: '100000000',
  MAX_OPEN_VOLUMES_PER_TEAM: '10000000',
  WEBHOOK_POLL_MS: '60000',
});
const server = await createApiServer(db, config, createLogger(process.env.BENCH_LOG_LEVEL ?? 'silent'));
await server.services.models.registerAll(createLogger('silent'));
const port = await server.listen(0, '127.0.0.1');
const url = `http://127.0.0.1:${port}`;

async function gql(query: string, variables: Record<string, unknown>, cookie?: string) {
  const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ query, variables }) });
  const body = (await r.json()) as any;
  if (body.errors) throw new Error(`seeding failed: ${JSON.stringify(body.errors)}`);
  return { body, cookie: /sw_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0] };
}
const up = await gql('mutation { signUp(input: { email: "bench@example.org", password: "bench-password-1", name: "Bench" }) { user { id } } }', {});
const cookie = up.cookie!;
const teamId = (await gql('mutation { createTeam(input: { name: "Bench" }) { team { id } } }', {}, cookie)).body.data.createTeam.team.id;
let projectId = '';
for (let i = 0; i < 60; i++) {
  const p = await gql('mutation($t: ID!, $n: String!) { createProject(input: { teamId: $t, name: $n }) { project { id } } }', { t: teamId, n: `Project ${i}` }, cookie);
  projectId ||= p.body.data.createProject.project.id;
}
const models = (await gql('{ models { id name } }', {}, cookie)).body.data.models as { id: string; name: string }[];
const modelId = (models.find((m) => m.name === 'tiny-random') ?? models[0]!).id;
const dist = await gql(
  'mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } userErrors { message } } }',
  { i: { projectId, modelId, name: 'bench', spec: { version: 1, kind: 'parametric' } } },
  cookie,
);
const versionId = dist.body.data.createDistribution.version.id;
const REQUEST = 'mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id status size } userErrors { field message code } } }';
for (let i = 0; i < 20; i++) {
  const r = await gql(REQUEST, { i: { projectId, modelId, distributionVersionId: versionId, size: 10, name: `seed ${i}` } }, cookie);
  if (r.body.data.requestCohort.userErrors.length) throw new Error(`seeding a cohort failed: ${JSON.stringify(r.body.data.requestCohort.userErrors)}`);
}
log('seeded 60 projects and 20 cohorts of 10 subjects');

const post = (query: string, variables: Record<string, unknown>): autocannon.Options => ({
  url: `${url}/graphql`,
  method: 'POST',
  headers: { 'content-type': 'application/json', cookie },
  body: JSON.stringify({ query, variables }),
});
const CASES: Record<string, autocannon.Options> = {
  healthz: { url: `${url}/healthz` },
  projectsList: post('query($t: ID!) { team(id: $t) { projects(first: 20) { edges { cursor node { id name createdAt } } pageInfo { hasNextPage endCursor } } } }', { t: teamId }),
  cohortsNested: post(
    'query($p: ID!) { project(id: $p) { cohorts(first: 20) { edges { node { id name status size createdAt progress { total pending done failed cancelled etaSeconds } } } pageInfo { hasNextPage } } } }',
    { p: projectId },
  ),
  requestCohort: post(REQUEST, { i: { projectId, modelId, distributionVersionId: versionId, size: COHORT_SUBJECTS, name: 'bench 1000' } }),
};

interface Summary {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors + non-2xx answers + requests past autocannon's 10 s timeout. */
  errors: number;
  /** Status codes other than 2xx, with their counts (requestCohort: 503 past REQUEST_TIMEOUT_MS). */
  statusCodes?: Record<string, number>;
  timeouts?: number;
}
function run(name: string, connections: number, opts: autocannon.Options): Promise<Summary> {
  log(`${name}: ${connections} connections for ${DURATION_S} s…`);
  return new Promise((resolve, reject) => {
    // workers: 1 -> the load generator has its own thread (see the header).
    autocannon({ ...opts, connections, duration: DURATION_S, workers: 1 } as autocannon.Options, (err, r) =>
      err
        ? reject(err)
        : resolve({
            requests: r.requests.total,
            requestsPerSecond: Math.round(r.requests.average),
            p50Ms: r.latency.p50,
            p99Ms: r.latency.p99,
            errors: r.errors + r.non2xx + r.timeouts,
            ...(r.non2xx ? { statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2')).map(([code, v]) => [code, v.count])) } : {}),
            ...(r.timeouts ? { timeouts: r.timeouts } : {}),
          }),
    );
  });
}

// Every case answers 200 without GraphQL errors before it is timed (a bench of error answers measures
// nothing); the SQL statements of that request are counted (BENCH_SHOW_SQL=1 prints them).
const sqlPerRequest: Record<string, number> = {};
for (const [name, opts] of Object.entries(CASES)) {
  if (name === 'healthz') continue;
  recording = [];
  const r = await fetch(opts.url as string, { method: 'POST', headers: opts.headers as Record<string, string>, body: opts.body as string });
  const body = (await r.json()) as { errors?: unknown; data?: Record<string, { userErrors?: unknown[] }> };
  const statements = recording as string[];
  recording = null;
  if (r.status !== 200 || body.errors || body.data?.requestCohort?.userErrors?.length) throw new Error(`${name}: status ${r.status}, ${JSON.stringify(body.errors ?? body.data)}`);
  sqlPerRequest[name] = statements.length;
  if (process.env.BENCH_SHOW_SQL) for (const q of statements) log(`${name} SQL: ${q.replace(/\s+/g, ' ').slice(0, 240)}`);
}
log(`SQL statements per request: ${JSON.stringify(sqlPerRequest)}`);

const check = new pg.Client({ connectionString: database.url });
await check.connect();
/**
 * Waits until the API's statements have finished: when autocannon stops, requests it gave up on (the
 * slow requestCohort) still run in the API, and would load the next case's measurement.
 */
async function settle() {
  for (let i = 0; i < 600; i++) {
    const { rows } = await check.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()`);
    if (rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the API still runs statements 60 s after the load stopped');
}

const results: Record<string, Record<string, Summary & { ratioToHealthz?: number }>> = {};
// Case by case (requestCohort last: the volumes it adds must not change what the reads measure).
for (const [name, opts] of Object.entries(CASES)) {
  for (const c of CONNECTIONS) {
    const s: Summary & { ratioToHealthz?: number } = await run(name, c, opts);
    await settle();
    if (name !== 'healthz') s.ratioToHealthz = Number((s.requestsPerSecond / results.healthz![`c${c}`]!.requestsPerSecond).toFixed(4));
    (results[name] ??= {})[`c${c}`] = s;
  }
}
// requestCohort answers 200 with userErrors when refused: count what it really created.
const created = (await check.query<{ cohorts: number; volumes: number }>(`SELECT count(*)::int AS cohorts, coalesce(sum(size), 0)::int AS volumes FROM "Cohort" WHERE name = 'bench 1000'`)).rows[0]!;
await check.end();
const requested = results.requestCohort!.c10!.requests + results.requestCohort!.c50!.requests;
if (created.cohorts < requested) log(`requestCohort: ${requested} answered, only ${created.cohorts} cohorts created: the rest were refused`);

await server.stop();
await close();
await database.drop();
await pgServer.teardown();

process.stdout.write(
  `${JSON.stringify({
    bench: 'api',
    durationSeconds: DURATION_S,
    connections: CONNECTIONS,
    pool: POOL,
    loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)),
    cpus: os.cpus().length,
    cohortSubjects: COHORT_SUBJECTS,
    sqlPerRequest,
    requestCohortCreated: created,
    ...results,
  })}\n`,
);
