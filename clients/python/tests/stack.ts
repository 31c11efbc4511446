// The platform the Python client's tests run against: a fresh migrated PostgreSQL (embedded unless
// DATABASE_URL), the API in this process, a real generation worker process (tiny-random model), and two
// published versions of a 4-volume cohort generated through the API:
//   brain-mri/main@v1           subjects 0..2
//   brain-mri/main@v2, @latest  subjects 0..3
// Prints ONE JSON line on stdout (URL, tokens, ids, hashes), then serves until stdin closes (the test run
// ends) or SIGTERM, and tears everything down.
//
//   node --import tsx clients/python/tests/stack.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, startTestServer } from '@slicewise/db/testing';
import { withDatabase } from '@slicewise/db/server';
import { ensureQueueSchema } from '@slicewise/queue';
import { startWorker } from '../../../e2e/src/stack.ts';
import { loadApiConfig } from '../../../apps/api/src/config.ts';
import { openDb } from '../../../apps/api/src/common/database.repository.ts';
import { createLogger } from '../../../apps/api/src/common/logger.ts';
import { createApiServer } from '../../../apps/api/src/server.ts';

const VOLUMES = 4;
const log = (m: string) => process.stderr.write(`[stack] ${m}\n`);
const t0 = Date.now();
const stops: (() => Promise<unknown>)[] = [];
const teardown = async () => {
  for (const stop of stops.reverse()) await stop().catch((e: unknown) => log(`teardown: ${String(e)}`));
};

try {
  const pgServer = await startTestServer(process.env.DATABASE_URL || undefined);
  stops.push(() => pgServer.teardown());
  await ensureQueueSchema(withDatabase(pgServer.adminUrl, pgServer.template));
  const database = await createTestDatabase(pgServer.adminUrl, pgServer.template);
  stops.push(() => database.drop());
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slicewise-pytest-'));
  stops.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const storageDir = path.join(dataDir, 'storage');
  fs.mkdirSync(storageDir);

  const worker = await startWorker(database.url, storageDir);
  stops.push(() => worker.stop());
  const { db, close } = openDb(database.url);
  stops.push(close);
  const config = loadApiConfig({ LOG_LEVEL: 'silent', STORAGE_DIR: storageDir, WEBHOOK_POLL_MS: '60000', MODELS_DIR: path.join(dataDir, 'models') });
  const server = await createApiServer(db, config, createLogger('silent'));
  await server.services.models.registerAll(createLogger('silent'));
  const port = await server.listen(0, '127.0.0.1');
  stops.push(() => server.stop());
  const url = `http://127.0.0.1:${port}`;

  const gql = async (query: string, variables: Record<string, unknown>, auth: { cookie?: string; token?: string } = {}) => {
    const r = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth.cookie ? { cookie: auth.cookie } : {}), ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await r.json()) as { data?: any; errors?: unknown };
    if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    return { data: body.data, cookie: /sw_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0] };
  };
  const signUp = async (email: string) =>
    (await gql('mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }', { i: { email, password: 'python-client-tests-1', name: email } })).cookie!;
  const teamOf = async (cookie: string, name: string) => (await gql('mutation($n: String!) { createTeam(input: { name: $n }) { team { id } } }', { n: name }, { cookie })).data.createTeam.team.id as string;
  const tokenFor = async (cookie: string, teamId: string, scope: string) =>
    (await gql('mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret } }', { i: { teamId, name: `pytest-${scope}`, scopes: [scope] } }, { cookie })).data.createApiToken.secret as string;

  const owner = await signUp('owner@python.test');
  const teamId = await teamOf(owner, 'Neuro');
  const project = (await gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "Brain MRI" }) { project { id slug } } }', { t: teamId }, { cookie: owner })).data.createProject.project;
  const modelId = (await gql('{ models { id name } }', {}, { cookie: owner })).data.models.find((m: any) => m.name === 'tiny-random').id;
  const dist = await gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId: project.id, modelId, name: 'anywhere', spec: { version: 1, kind: 'parametric' } } }, { cookie: owner });
  const cohortId = (
    await gql('mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id } userErrors { message } } }', {
      // quality control off: the random-weight model's masks would fail it, and QC is not what these tests check
      i: { projectId: project.id, distributionVersionId: dist.data.createDistribution.version.id, modelId, size: VOLUMES, seed: 1234, qc: { enabled: false } },
    }, { cookie: owner })
  ).data.requestCohort.cohort.id;
  log(`generating ${VOLUMES} volumes with the tiny-random model…`);
  let cohort: any;
  const deadline = Date.now() + 180_000;
  do {
    await new Promise((r) => setTimeout(r, 300));
    cohort = (await gql('query($c: ID!) { cohort(id: $c) { status volumes(first: 10) { edges { node { id subjectIndex } } } } }', { c: cohortId }, { cookie: owner })).data.cohort;
  } while (cohort.status !== 'COMPLETED' && cohort.status !== 'FAILED' && Date.now() < deadline);
  if (cohort.status !== 'COMPLETED') throw new Error(`the cohort ended ${cohort.status}\n${worker.logs()}`);
  const volumes = cohort.volumes.edges.map((e: any) => e.node).sort((a: any, b: any) => a.subjectIndex - b.subjectIndex);

  const publish = async (chosen: { id: string }[], tags: string[]) => {
    const r = (
      await gql('mutation($i: PublishDatasetVersionInput!) { publishDatasetVersion(input: $i) { datasetVersion { id manifestHash volumeCount } userErrors { message code } } }', {
        i: { projectId: project.id, cohortIds: [cohortId], volumeIds: chosen.map((v) => v.id), tags },
      }, { cookie: owner })
    ).data.publishDatasetVersion;
    if (!r.datasetVersion || r.datasetVersion.volumeCount !== chosen.length) throw new Error(`publishing ${chosen.length} volumes failed: ${JSON.stringify(r)}`);
    return { id: r.datasetVersion.id as string, manifestHash: r.datasetVersion.manifestHash as string };
  };
  const v1 = await publish(volumes.slice(0, 3), ['v1']);
  const v2 = await publish(volumes, ['v2', 'latest']);

  const otherOwner = await signUp('other@python.test');
  const otherTeam = await teamOf(otherOwner, 'Elsewhere');
  const info = {
    url,
    project: project.slug,
    projectId: project.id,
    dataset: 'main',
    versions: { v1, v2 },
    readToken: await tokenFor(owner, teamId, 'READ'),
    writeToken: await tokenFor(owner, teamId, 'GENERATE'),
    otherTeamToken: await tokenFor(otherOwner, otherTeam, 'READ'),
    storageDir,
  };
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${url}`);
  process.stdout.write(`${JSON.stringify(info)}\n`);
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
  await teardown();
  process.exit(1);
}

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await teardown();
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
