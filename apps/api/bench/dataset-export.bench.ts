// `npm run bench:datasets`: a 200-volume dataset version (64^3 float32 image + uint8 mask per volume,
// real .nii.gz files) exported through the API as a tar, and pulled with both clients: the Node CLI
// (`slicewise pull`) and the Python client (`python -m slicewise pull`, /usr/bin/python3 or
// $SLICEWISE_PYTHON). Baselines in the same run: reading the same files straight from disk, and the
// export stream itself (one request, no client work: the ceiling a pull is compared against).
// Each measurement runs `--rounds` times (default 3) interleaved, and the median is reported.
// Reports MB/s, the API process's peak RSS growth during the export, and pull times (fresh and
// idempotent re-run). Progress on stderr; ONE JSON object on the last line.
//
//   npm run bench:datasets [-- <volumes> [--rounds 3] [--workers 8]]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNifti } from '@slicewise/nifti';
import { exampleVolumeProvenance } from '@slicewise/provenance/testing';
import { LocalStorage } from '@slicewise/storage';
import { createTestDatabase, startTestServer } from '@slicewise/db/testing';
import { withDatabase } from '@slicewise/db/server';
import { ensureQueueSchema } from '@slicewise/queue';
import pg from 'pg';
import { loadApiConfig } from '../src/config.ts';
import { openDb } from '../src/common/database.repository.ts';
import { createLogger } from '../src/common/logger.ts';
import { createApiServer } from '../src/server.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const N = Number(args.find((a, i) => /^\d+$/.test(a) && !args[i - 1]?.startsWith('--')) ?? 200);
const ROUNDS = flag('rounds', 3);
const WORKERS = flag('workers', 8);
const python = process.env.SLICEWISE_PYTHON ?? '/usr/bin/python3';
const hasPython = fs.existsSync(python);
const root = path.resolve(import.meta.dirname, '../../..');
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const mb = (b: number) => b / 1024 / 1024;

log('starting PostgreSQL and the API…');
const pgServer = await startTestServer(process.env.DATABASE_URL || undefined);
await ensureQueueSchema(withDatabase(pgServer.adminUrl, pgServer.template));
const database = await createTestDatabase(pgServer.adminUrl, pgServer.template);
const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-bench-storage-'));
const { db, close } = openDb(database.url);
const server = await createApiServer(db, loadApiConfig({ LOG_LEVEL: 'silent', STORAGE_DIR: storageDir, WEBHOOK_POLL_MS: '60000' }), createLogger('silent'));
await server.services.models.registerAll(createLogger('silent'));
const port = await server.listen(0, '127.0.0.1');
const url = `http://127.0.0.1:${port}`;

async function gql(query: string, variables: Record<string, unknown>, cookie?: string) {
  const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ query, variables }) });
  return { body: (await r.json()) as any, cookie: /sw_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0] };
}
const cookie = (await gql('mutation { signUp(input: { email: "bench@example.org", password: "bench-password-1", name: "B" }) { user { id } } }', {})).cookie!;
const teamId = (await gql('mutation { createTeam(input: { name: "Bench" }) { team { id } } }', {}, cookie)).body.data.createTeam.team.id;
const projectId = (await gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "bench" }) { project { id } } }', { t: teamId }, cookie)).body.data.createProject.project.id;
const modelId = (await gql('{ models { id name } }', {}, cookie)).body.data.models.find((m: any) => m.name === 'tiny-random').id;
const dv = (await gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId, modelId, name: 'd', spec: { version: 1, kind: 'parametric' } } }, cookie)).body.data.createDistribution.version.id;
const cohortId = (await gql('mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id } userErrors { message } } }', { i: { projectId, distributionVersionId: dv, modelId, size: N, seed: 1 } }, cookie)).body.data.requestCohort.cohort.id;
const rawCohort = Buffer.from(cohortId, 'base64url').toString().split(':')[1]!;

log(`writing ${N} image + mask .nii.gz files (64^3)…`);
const storage = new LocalStorage(storageDir);
const client = new pg.Client({ connectionString: database.url });
await client.connect();
const vols = (await client.query(`SELECT id, "subjectIndex" FROM "Volume" WHERE "cohortId" = $1 ORDER BY "subjectIndex"`, [rawCohort])).rows;
const S = 64;
for (const v of vols) {
  const img = new Float32Array(S * S * S);
  let seed = v.subjectIndex * 7919 + 1;
  for (let i = 0; i < img.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const z = Math.floor(i / (S * S)), y = Math.floor(i / S) % S, x = i % S;
    img[i] = Math.sin(x / 7) * Math.cos(y / 9) * Math.sin(z / 5) + (seed / 2 ** 32 - 0.5) * 0.1;
  }
  const mask = new Uint8Array(S * S * S);
  for (let i = 0; i < mask.length; i++) {
    const z = Math.floor(i / (S * S)), y = Math.floor(i / S) % S, x = i % S;
    mask[i] = (x - 30) ** 2 + (y - 34) ** 2 + (z - 32) ** 2 < 36 + (v.subjectIndex % 20) ? 1 : 0;
  }
  const pi = await storage.putAtomic(`bench/${v.id}/image.nii.gz`, writeNifti({ data: img, shapeDHW: [S, S, S], spacingMm: [1, 1, 1] }));
  const pm = await storage.putAtomic(`bench/${v.id}/mask.nii.gz`, writeNifti({ data: mask, shapeDHW: [S, S, S], spacingMm: [1, 1, 1], intent: 'label' }));
  // a schema-valid provenance record: only those are published
  const provenance = exampleVolumeProvenance({ volumeId: v.id, cohortId: rawCohort, subjectIndex: v.subjectIndex, image: pi, mask: pm });
  await client.query(
    `UPDATE "Volume" SET status = 'SUCCEEDED', "imageKey" = $2, "imageSha256" = $3, "imageBytes" = $4, "maskKey" = $5, "maskSha256" = $6, "maskBytes" = $7, "requestedCondition" = $8, provenance = $9, "finishedAt" = now(), "startedAt" = now() WHERE id = $1`,
    [v.id, pi.key, pi.sha256, pi.bytes, pm.key, pm.sha256, pm.bytes, JSON.stringify({ vector: [0.1, 0.2, 0.7, 0.5, 0.5, 0.5, 0.2, 0.2, 0.2] }), JSON.stringify(provenance)],
  );
  if ((v.subjectIndex + 1) % 50 === 0) log(`  ${v.subjectIndex + 1}/${N}`);
}
await client.query(`UPDATE "Cohort" SET status = 'COMPLETED' WHERE id = $1`, [rawCohort]);
await client.end();
const published = (await gql('mutation($p: ID!, $c: [ID!]!) { publishDatasetVersion(input: { projectId: $p, cohortIds: $c, tags: ["v1"] }) { datasetVersion { id exportUrl } userErrors { message } } }', { p: projectId, c: [cohortId] }, cookie)).body.data.publishDatasetVersion;
if (!published.datasetVersion) throw new Error(`publishing the bench version failed: ${JSON.stringify(published.userErrors)}`);
const pub = published.datasetVersion;

// Baseline: the same bytes read straight from disk.
const files = fs.readdirSync(path.join(storageDir, 'bench'), { recursive: true }).map(String).filter((f) => f.endsWith('.nii.gz')).map((f) => path.join(storageDir, 'bench', f));
const t = performance.now();
let diskBytes = 0;
for (const f of files) for await (const chunk of fs.createReadStream(f)) diskBytes += (chunk as Buffer).length;
const diskSeconds = (performance.now() - t) / 1000;
log(`baseline: read ${mb(diskBytes).toFixed(1)} MB from disk in ${diskSeconds.toFixed(2)} s`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Export through the API, watching this process's RSS: the stream a pull is measured against.
async function exportOnce(): Promise<{ seconds: number; bytes: number; rssGrowth: number }> {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let rssPeak = rss0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  const res = await fetch(`${url}${pub.exportUrl}`, { headers: { cookie } });
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  return { seconds, bytes, rssGrowth: rssPeak - rss0 };
}

const token = (await gql('mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret } }', { i: { teamId, name: 'bench', scopes: ['READ'] } }, cookie)).body.data.createApiToken.secret;
const env = { ...process.env, SLICEWISE_TOKEN: token, SLICEWISE_API_URL: url };
/** One client run as its own process (start-up included, as a pipeline would run it); seconds. */
const run = (cmd: string, argv: string[], cwd = root) =>
  new Promise<number>((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}`))));
  });
const nodePull = (out: string) => run(process.execPath, [path.join(root, 'apps/cli/bin/slicewise.js'), 'pull', 'bench/main@v1', '--out', out, '--quiet', '--concurrency', String(WORKERS)]);
const pythonPull = (out: string) => run(python, ['-m', 'slicewise', 'pull', 'bench/main@v1', '--out', out, '--quiet', '--workers', String(WORKERS)], path.join(root, 'clients/python'));

const rounds: { exportSeconds: number; tarBytes: number; rssGrowth: number; node: number; nodeRepull: number; python: number | null; pythonRepull: number | null }[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  const e = await exportOnce();
  const nodeOut = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-bench-pull-node-'));
  const node = await nodePull(nodeOut);
  const nodeRepull = await nodePull(nodeOut);
  fs.rmSync(nodeOut, { recursive: true, force: true });
  let py: number | null = null;
  let pyRepull: number | null = null;
  if (hasPython) {
    const pyOut = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-bench-pull-python-'));
    py = await pythonPull(pyOut);
    pyRepull = await pythonPull(pyOut);
    fs.rmSync(pyOut, { recursive: true, force: true });
  }
  rounds.push({ exportSeconds: e.seconds, tarBytes: e.bytes, rssGrowth: e.rssGrowth, node, nodeRepull, python: py, pythonRepull: pyRepull });
  log(
    `round ${r}/${ROUNDS}: export ${(mb(e.bytes) / e.seconds).toFixed(1)} MB/s; node pull ${node.toFixed(2)} s (${(mb(diskBytes) / node).toFixed(1)} MB/s), re-pull ${nodeRepull.toFixed(2)} s` +
      (py !== null ? `; python pull ${py.toFixed(2)} s (${(mb(diskBytes) / py).toFixed(1)} MB/s), re-pull ${pyRepull!.toFixed(2)} s` : '; python: not found'),
  );
}
const exportSeconds = median(rounds.map((r) => r.exportSeconds));
const tarBytes = rounds[0]!.tarBytes;
const pullSeconds = median(rounds.map((r) => r.node));
const repullSeconds = median(rounds.map((r) => r.nodeRepull));
const pySeconds = hasPython ? median(rounds.map((r) => r.python!)) : null;
const pyRepullSeconds = hasPython ? median(rounds.map((r) => r.pythonRepull!)) : null;
const exportMBps = mb(tarBytes) / exportSeconds;

await server.stop();
await close();
await database.drop();
await pgServer.teardown();
fs.rmSync(storageDir, { recursive: true, force: true });

const r1 = (x: number) => Number(x.toFixed(1));
const r2 = (x: number) => Number(x.toFixed(2));
const r3 = (x: number) => Number(x.toFixed(3));
process.stdout.write(
  `${JSON.stringify({
    bench: 'dataset-export',
    volumes: N,
    files: 2 * N,
    rounds: ROUNDS,
    workers: WORKERS,
    dataMB: r1(mb(diskBytes)),
    tarMB: r1(mb(tarBytes)),
    baselineDiskReadMBps: r1(mb(diskBytes) / diskSeconds),
    exportMBps: r1(exportMBps),
    exportRatioToDiskRead: r3(exportMBps / (mb(diskBytes) / diskSeconds)),
    exportPeakRssGrowthMB: r1(mb(rounds[0]!.rssGrowth)), // round 1: before any pull has left garbage in this process
    cliPullSeconds: r2(pullSeconds),
    cliPullMBps: r1(mb(diskBytes) / pullSeconds),
    cliPullRatioToExport: r3(mb(diskBytes) / pullSeconds / exportMBps),
    cliRepullSeconds: r2(repullSeconds),
    pythonPullSeconds: pySeconds === null ? null : r2(pySeconds),
    pythonPullMBps: pySeconds === null ? null : r1(mb(diskBytes) / pySeconds),
    pythonPullRatioToExport: pySeconds === null ? null : r3(mb(diskBytes) / pySeconds / exportMBps),
    pythonRepullSeconds: pyRepullSeconds === null ? null : r2(pyRepullSeconds),
  })}\n`,
);
