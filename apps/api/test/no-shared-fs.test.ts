// Beyond one machine: the API and two workers as separate processes, each in its own working folder
// with its own copy of the model and NO common storage folder, sharing only one PostgreSQL (DATABASE_URL)
// and one S3 endpoint (s3rver, started here). A cohort is generated with the tiny-random model; every
// file is then checked through the viewer's file routes (streamed and presigned redirect) and with
// `npx slicewise pull` of a published version; no process wrote a NIfTI file to its own disk.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '@slicewise/db/server';
import { createTestDatabase, type TestDatabase } from '@slicewise/db/testing';
import { startTestS3Server, type TestS3Server } from '@slicewise/storage/testing';
import { S3Storage } from '@slicewise/storage';

const root = path.resolve(import.meta.dirname, '../../..');
// absolute: the processes run in their own folders, where a bare `--import tsx` would not resolve
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const VOLUMES = 6;

interface Proc {
  name: string;
  dir: string;
  proc: ChildProcess;
  log: () => string;
}
const procs: Proc[] = [];
let db: TestDatabase;
let s3: TestS3Server;
let api = '';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function start(name: string, entry: string, env: Record<string, string>): Proc {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `slicewise-${name}-`));
  const models = path.join(dir, 'models');
  fs.cpSync(path.join(root, 'models', 'tiny-random'), path.join(models, 'tiny-random'), { recursive: true });
  // only what a container would get: no STORAGE_DIR, no repository paths except the code itself
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, NODE_ENV: 'test' };
  const proc = spawn(process.execPath, ['--import', tsxLoader, path.join(root, entry)], {
    cwd: dir,
    // tsx reads the app's tsconfig (decorators) from this variable, not from the working folder
    env: { ...base, ...s3.env, TSX_TSCONFIG_PATH: path.join(root, path.dirname(path.dirname(entry)), 'tsconfig.json'), DATABASE_URL: db.url, MODELS_DIR: models, SLICEWISE_DATA_DIR: path.join(dir, 'data'), CODE_REVISION: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buf = '';
  const keep = (d: Buffer) => void (buf = (buf + d.toString()).slice(-20_000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const p = { name, dir, proc, log: () => `--- ${name} ---\n${buf}` };
  procs.push(p);
  return p;
}

async function waitOk(url: string, p: Proc, ms = 90_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (p.proc.exitCode !== null) throw new Error(`${p.name} exited with ${p.proc.exitCode}\n${p.log()}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready\n${p.log()}`);
}

let cookie = '';
async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<{ data: T; headers: Headers; errors?: unknown }> {
  const res = await fetch(`${api}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data: T; errors?: unknown };
  return { ...body, headers: res.headers };
}

beforeAll(async () => {
  db = await createTestDatabase(inject('pgAdminUrl'), inject('pgTemplate'));
  s3 = await startTestS3Server({ bucket: 'slicewise-cluster' });
  const apiPort = await freePort();
  const a = start('api', 'apps/api/src/main.ts', { API_HOST: '127.0.0.1', API_PORT: String(apiPort), LOG_LEVEL: 'warn', S3_PRESIGN_SECONDS: '60' });
  api = `http://127.0.0.1:${apiPort}`;
  const workers = await Promise.all(
    ['w1', 'w2'].map(async (id) => {
      const port = await freePort();
      const w = start(`worker-${id}`, 'apps/worker/src/main.ts', { WORKER_ID: id, HEALTH_PORT: String(port), POLL_INTERVAL_MS: '200', ORT_INTRA_OP_THREADS: '1', LOG_LEVEL: 'warn' });
      return { w, port };
    }),
  );
  await waitOk(`${api}/readyz`, a);
  await Promise.all(workers.map(({ w, port }) => waitOk(`http://127.0.0.1:${port}/readyz`, w)));
}, 180_000);

afterAll(async () => {
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.proc.exitCode !== null || p.proc.signalCode !== null) return resolve();
          const kill = setTimeout(() => p.proc.kill('SIGKILL'), 15_000);
          p.proc.once('exit', () => (clearTimeout(kill), resolve()));
          p.proc.kill('SIGTERM');
        }),
    ),
  );
  for (const p of procs) fs.rmSync(p.dir, { recursive: true, force: true });
  await s3?.stop();
  await db?.drop();
}, 60_000);

describe('API + two workers, no shared filesystem, one PostgreSQL and one S3 endpoint', () => {
  it('generates a cohort across both workers; every file verifies through the file routes and `slicewise pull`', async () => {
    const logs = () => procs.map((p) => p.log()).join('\n').slice(-6000);
    const up = await gql(`mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }`, { i: { email: 'ops@example.org', password: 'correct-horse-battery-9', name: 'Ops' } });
    cookie = /sw_session=[^;]+/.exec(up.headers.get('set-cookie') ?? '')?.[0] ?? '';
    expect(cookie, JSON.stringify(up)).not.toBe('');
    const teamId = (await gql('mutation { createTeam(input: { name: "Cluster" }) { team { id } } }')).data.createTeam.team.id;
    const projectId = (await gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "Scale" }) { project { id } } }', { t: teamId })).data.createProject.project.id;
    const modelId = (await gql('{ models { id name } }')).data.models.find((m: { name: string }) => m.name === 'tiny-random')?.id;
    expect(modelId, logs()).toBeTruthy();
    const d = await gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId, modelId, name: 'd', spec: { version: 1, kind: 'parametric' } } });
    const r = await gql('mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id } userErrors { message } } }', {
      // the random-weight fixture fails quality control by design: this test is about storage
      i: { projectId, distributionVersionId: d.data.createDistribution.version.id, modelId, size: VOLUMES, seed: 7, qc: { enabled: false } },
    });
    const cohortId = r.data.requestCohort.cohort.id;
    const Q = `query($c: ID!) { cohort(id: $c) { status volumes(first: 20) { edges { node { id subjectIndex status imageSha256 maskSha256 imageUrl maskUrl provenance } } } } }`;
    let c: any;
    const deadline = Date.now() + 150_000;
    do {
      await new Promise((res) => setTimeout(res, 500));
      c = (await gql(Q, { c: cohortId })).data.cohort;
    } while (c.status !== 'COMPLETED' && c.status !== 'FAILED' && Date.now() < deadline);
    expect(c.status, logs()).toBe('COMPLETED');
    const vols = c.volumes.edges.map((e: any) => e.node);
    expect(vols).toHaveLength(VOLUMES);
    // both workers took part, and each recorded S3 as the storage of its outputs
    expect(new Set(vols.map((v: any) => v.provenance.worker.id))).toEqual(new Set(['w1', 'w2']));
    for (const v of vols) expect(v.provenance.outputs.storage).toBe('s3');

    // the viewer's file routes: streamed through the API, and as a presigned redirect to the bucket
    for (const v of vols) {
      for (const [rel, want] of [[v.imageUrl, v.imageSha256], [v.maskUrl, v.maskSha256]] as [string, string][]) {
        const streamed = await fetch(new URL(rel, api), { headers: { cookie } });
        expect(streamed.status).toBe(200);
        expect(sha(new Uint8Array(await streamed.arrayBuffer()))).toBe(want);
        const redirect = await fetch(new URL(rel, api), { headers: { cookie, 'x-slicewise-accept-redirect': 'presigned' }, redirect: 'manual' });
        expect(redirect.status).toBe(302);
        const location = redirect.headers.get('location')!;
        expect(location.startsWith(`${s3.endpoint}/slicewise-cluster/`)).toBe(true);
        expect(redirect.headers.get('x-content-sha256')).toBe(want);
        expect(sha(new Uint8Array(await (await fetch(location)).arrayBuffer()))).toBe(want);
      }
    }

    // the objects are in the bucket, and nowhere on the processes' disks
    const bucket = new S3Storage({ bucket: s3.bucket, endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    const keys = (await pool.query(`SELECT "imageKey", "maskKey" FROM "Volume"`)).rows.flatMap((x) => [x.imageKey, x.maskKey]);
    await pool.end();
    expect(keys).toHaveLength(2 * VOLUMES);
    for (const k of keys) expect(await bucket.exists(k)).toBe(true);
    bucket.close();
    const niftiOnDisk = procs.flatMap((p) => (fs.readdirSync(p.dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.nii.gz') && !f.includes(`models${path.sep}`)));
    expect(niftiOnDisk).toEqual([]);

    // publish, then pull with a READ token: the CLI verifies every file's size and sha256
    const pub = await gql('mutation($i: PublishDatasetVersionInput!) { publishDatasetVersion(input: $i) { datasetVersion { id volumeCount } userErrors { message } } }', {
      i: { projectId, cohortIds: [cohortId], tags: ['latest'] },
    });
    expect(pub.data.publishDatasetVersion.datasetVersion.volumeCount).toBe(VOLUMES);
    const tok = await gql('mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret } }', { i: { teamId, name: 'pull', scopes: ['READ'] } });
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'slicewise-pull-'));
    procs.push({ name: 'pull-out', dir: out, proc: { exitCode: 0 } as ChildProcess, log: () => '' });
    const pull = spawn(process.execPath, [path.join(root, 'apps/cli/bin/slicewise.js'), 'pull', `${projectId}/main@latest`, '--out', out, '--api', api, '--quiet'], {
      cwd: out,
      env: { PATH: process.env.PATH, HOME: out, SLICEWISE_TOKEN: tok.data.createApiToken.secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pullLog = '';
    pull.stdout!.on('data', (b) => (pullLog += b));
    pull.stderr!.on('data', (b) => (pullLog += b));
    const code = await new Promise<number | null>((res) => pull.once('exit', res));
    expect(code, pullLog).toBe(0);
    const pulled = (fs.readdirSync(out, { recursive: true }) as string[]).filter((f) => f.endsWith('.nii.gz'));
    expect(pulled).toHaveLength(2 * VOLUMES);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string }[] };
    for (const f of manifest.files) expect(sha(fs.readFileSync(path.join(out, f.path)))).toBe(f.sha256);
    // pull asked for redirects: the dataset file route answers it with a presigned URL into the bucket
    const auth = { authorization: `Bearer ${tok.data.createApiToken.secret}` };
    const one = await fetch(`${api}/datasets/${projectId}/main@latest/files/${manifest.files[0]!.path}`, { headers: { ...auth, 'x-slicewise-accept-redirect': 'presigned' }, redirect: 'manual' });
    expect(one.status).toBe(302);
    expect(one.headers.get('location')!.startsWith(`${s3.endpoint}/`)).toBe(true);

    // export.tar, streamed by the API from the bucket: exact length, every file's bytes match the manifest
    const tarRes = await fetch(`${api}/datasets/${projectId}/main@latest/export.tar`, { headers: auth });
    expect(tarRes.status).toBe(200);
    const tar = Buffer.from(await tarRes.arrayBuffer());
    expect(tar.length).toBe(Number(tarRes.headers.get('content-length')));
    const inTar = new Map<string, string>();
    for (let off = 0; off + 512 <= tar.length && tar[off] !== 0; ) {
      const field = (a: number, b: number) => tar.subarray(off + a, off + b).toString().replace(/\0.*$/s, '');
      const name = [field(345, 500), field(0, 100)].filter(Boolean).join('/'); // ustar prefix + name
      const size = parseInt(field(124, 136).trim() || '0', 8);
      inTar.set(name, sha(tar.subarray(off + 512, off + 512 + size)));
      off += 512 + Math.ceil(size / 512) * 512;
    }
    for (const f of manifest.files) expect(inTar.get(f.path), f.path).toBe(f.sha256);
    const range = await fetch(`${api}/datasets/${projectId}/main@latest/export.tar`, { headers: { ...auth, range: 'bytes=4096-8191' } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer()).equals(tar.subarray(4096, 8192))).toBe(true);
  }, 240_000);
});
