// `npm run bench:api`: a short local load baseline for a list query. Starts its own embedded
// PostgreSQL and API in this process, seeds a team with 60 projects, then drives with autocannon:
//   1. GET /healthz (no database: the HTTP stack's ceiling, the baseline)
//   2. POST /graphql team.projects(first: 20) with a session cookie (auth + 3 SQL queries)
// Prints progress and ONE JSON object on the last line (requests/s, p50/p99, ratio to baseline).
import autocannon from 'autocannon';
import { startTestServer, createTestDatabase } from '@slicewise/db/testing';
import { loadApiConfig } from '../src/config.ts';
import { openDb } from '../src/common/database.repository.ts';
import { createLogger } from '../src/common/logger.ts';
import { createApiServer } from '../src/server.ts';

const DURATION = Number(process.argv[2] ?? 8);
const CONNECTIONS = 10;

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
log('starting embedded PostgreSQL and the API…');
const pgServer = await startTestServer(process.env.DATABASE_URL || undefined);
const database = await createTestDatabase(pgServer.adminUrl, pgServer.template);
const { db, close } = openDb(database.url, { maxConnections: 10 });
const server = await createApiServer(db, loadApiConfig({ LOG_LEVEL: 'silent' }), createLogger('silent'));
const port = await server.listen(0, '127.0.0.1');
const url = `http://127.0.0.1:${port}`;

async function gql(query: string, variables: Record<string, unknown>, cookie?: string) {
  const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ query, variables }) });
  return { body: (await r.json()) as any, cookie: /sw_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0] };
}
const up = await gql('mutation { signUp(input: { email: "bench@example.org", password: "bench-password-1", name: "Bench" }) { user { id } } }', {});
const cookie = up.cookie!;
const teamId = (await gql('mutation { createTeam(input: { name: "Bench" }) { team { id } } }', {}, cookie)).body.data.createTeam.team.id;
for (let i = 0; i < 60; i++) await gql('mutation($t: ID!, $n: String!) { createProject(input: { teamId: $t, name: $n }) { project { id } } }', { t: teamId, n: `Project ${i}` }, cookie);
log('seeded 60 projects');

function run(name: string, opts: autocannon.Options): Promise<autocannon.Result> {
  log(`${name}: ${CONNECTIONS} connections for ${DURATION} s…`);
  return new Promise((resolve, reject) => {
    const inst = autocannon({ ...opts, connections: CONNECTIONS, duration: DURATION }, (err, res) => (err ? reject(err) : resolve(res)));
    let ticks = 0;
    inst.on('tick', () => {
      if (++ticks % 2 === 0) log(`${name}: ${ticks}/${DURATION} s`);
    });
  });
}

const health = await run('healthz', { url: `${url}/healthz` });
const list = await run('projects list', {
  url: `${url}/graphql`,
  method: 'POST',
  headers: { 'content-type': 'application/json', cookie },
  body: JSON.stringify({
    query: 'query($t: ID!) { team(id: $t) { projects(first: 20) { edges { cursor node { id name createdAt } } pageInfo { hasNextPage endCursor } } } }',
    variables: { t: teamId },
  }),
});

await server.stop();
await close();
await database.drop();
await pgServer.teardown();

const summary = (r: autocannon.Result) => ({ requestsPerSecond: Math.round(r.requests.average), p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors + r.non2xx });
const result = {
  bench: 'api-list-query',
  durationSeconds: DURATION,
  connections: CONNECTIONS,
  baselineHealthz: summary(health),
  projectsFirst20: summary(list),
  ratioToBaseline: Number((list.requests.average / health.requests.average).toFixed(3)),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
