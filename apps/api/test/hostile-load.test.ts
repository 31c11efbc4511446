// Issue 13, measured on the API as a process: the alias/cost bomb and the upload bomb (with /healthz
// latency and the API's peak RSS while they run), the request time limit, and Ctrl-C after load.
// The numbers are printed (one JSON line per measurement) for the report.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@slicewise/db/server';
import { encodeNifti1 } from '@slicewise/nifti';
import { PASSWORD, startHarness, type Harness } from './harness.ts';

const apiDir = path.resolve(import.meta.dirname, '..');
let h: Harness;
let child: ChildProcess;
let api: string;
let out = '';
let cookie: string;
let modelId: string;
let projectId: string;
let storage: string;

async function startApi(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const c = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: apiDir,
    env: { ...process.env, DATABASE_URL: h.dbUrl, API_PORT: String(port), LOG_LEVEL: 'info', STORAGE_DIR: storage, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  c.stdout!.on('data', (b) => (out += b));
  c.stderr!.on('data', (b) => (out += b));
  const deadline = Date.now() + 60_000;
  while (!out.includes('api listening') && Date.now() < deadline && c.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  if (!out.includes('api listening')) throw new Error(`api did not start:\n${out}`);
  c.on('exit', (code, sig) => { if (sig !== 'SIGINT') process.stderr.write(`api exited (${code ?? sig}):\n${out.slice(-4000)}\n`); });
  return { child: c, url: `http://127.0.0.1:${port}` };
}

async function gql(query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal) {
  const res = await fetch(`${api}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ query, variables }), ...(signal ? { signal } : {}) });
  return { status: res.status, body: (await res.json()) as any };
}

/**
 * /healthz round trips (ms), measured back to back until `work` settles, from a separate process:
 * the test's own event loop (building and parsing big GraphQL bodies) must not blur the numbers.
 */
const PROBE = String.raw`
const url = process.argv[1];
const lat = [];
let on = true;
process.stdin.on('data', () => { on = false; });
(async () => {
  await (await fetch(url)).text(); // warm the client up: not a sample
  process.stderr.write('ready\n');
  while (on) {
    const t = performance.now();
    const r = await fetch(url);
    await r.text();
    lat.push(performance.now() - t);
    await new Promise((r2) => setTimeout(r2, 5));
  }
  process.stdout.write(JSON.stringify(lat), () => process.exit(0));
})();`;

async function healthWhile<T>(work: Promise<T>): Promise<{ result: T; latenciesMs: number[] }> {
  const probe = spawn(process.execPath, ['-e', PROBE, `${api}/healthz`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  probe.stdout!.on('data', (b) => (text += b));
  const exited = new Promise((r) => probe.on('exit', r));
  await new Promise<void>((r) => probe.stderr!.once('data', () => r())); // warmed up before the work starts
  const result = await work.finally(() => probe.stdin!.write('stop\n'));
  await exited;
  return { result, latenciesMs: JSON.parse(text) as number[] };
}

const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
/** Resets the kernel's peak-RSS counter of a process (Linux: clear_refs 5). */
const resetPeak = (pid: number) => fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => +s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(1);
  return { n: s.length, p50: at(0.5), p95: at(0.95), max: +s.at(-1)!.toFixed(1) };
};
/**
 * "/healthz answers in < 100 ms": 95% of the probes, while the work runs. The single worst probe is
 * reported, and only bounded loosely: on a shared 2-core machine one probe can wait for a core
 * whatever the API does (a blocked event loop shows up as seconds, as before this fix).
 */
function expectHealthy(latenciesMs: number[]) {
  const s = summary(latenciesMs);
  expect(s.n).toBeGreaterThan(0);
  expect(s.p95).toBeLessThan(100);
  expect(s.max).toBeLessThan(1000);
}

beforeAll(async () => {
  h = await startHarness();
  storage = fs.mkdtempSync(path.join(os.tmpdir(), 'slicewise-load-'));
  ({ child, url: api } = await startApi({}));
  const up = await fetch(`${api}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }', variables: { i: { email: 'load@example.org', password: PASSWORD, name: 'Load' } } }),
  });
  cookie = /sw_session=[^;]+/.exec(up.headers.get('set-cookie') ?? '')![0];
  modelId = (await gql('{ models { id name } }')).body.data.models.find((m: any) => m.name === 'tiny-random').id;
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await h.close();
  fs.rmSync(storage, { recursive: true, force: true });
});

const SPEC = { version: 1, kind: 'parametric' };
const previews = (k: number, n: number) => `query($m: ID!, $s: JSONObject!) { ${Array.from({ length: k }, (_, i) => `p${i}: previewDistribution(modelId: $m, spec: $s, n: ${n}, seed: ${i}) { n vectors histograms }`).join(' ')} }`;

describe('the upload bomb', () => {
  it('a 0.97 MB .nii.gz that inflates to a 1000^3 volume is refused by its header: 413, API peak RSS ~300 MB (+< 50 MB), /healthz fast', async () => {
    const team = await gql('mutation { createTeam(input: { name: "Bombs" }) { team { id } } }');
    projectId = (await gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "B" }) { project { id } } }', { t: team.body.data.createTeam.team.id })).body.data.createProject.project.id;
    const file = await bomb([1000, 1000, 1000], 1_000_000_000 - 352);
    expect(file.length).toBeLessThan(1_000_000);
    resetPeak(child.pid!);
    const before = peakRssMb(child.pid!);
    const { result, latenciesMs } = await healthWhile(
      fetch(`${api}/uploads/projects/${projectId}/reference-masks?modelId=${modelId}&filename=bomb.nii.gz`, { method: 'POST', headers: { cookie }, body: file, signal: AbortSignal.timeout(30_000) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any })),
    );
    const peak = peakRssMb(child.pid!);
    console.log(JSON.stringify({ measure: 'upload bomb (0.97 MB -> 1000^3)', bytes: file.length, status: result.status, apiPeakRssMb: { before: Math.round(before), during: Math.round(peak) }, healthzMs: summary(latenciesMs) }));
    expect(result.status).toBe(413);
    expect(result.body.errors[0]).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', reason: 'TOO_LARGE_DECOMPRESSED', field: 'file' });
    expect(result.body.errors[0].message).toMatch(/MAX_UPLOAD_VOXELS = 16777216/);
    expect(result.body.errors[0].message).toMatch(/1000000000 voxels/);
    // The API idles at 220-330 MB (tsx, Apollo, a warm CPU thread: the absolute figure moves with the code
    // loaded); what the bomb may add is the measure: < 50 MB (it added 4.2 GB before the header check).
    expect(peak).toBeLessThan(before + 50);
    expect(peak - before).toBeLessThan(50);
    expectHealthy(latenciesMs);
  });

  it('a bomb announcing 10 GiB names the decompressed limit, not the upload size', async () => {
    const file = await bomb([2200, 2200, 2200], 4 * 1024 * 1024);
    const r = await fetch(`${api}/uploads/projects/${projectId}/reference-masks?modelId=${modelId}&filename=bomb10.nii.gz`, { method: 'POST', headers: { cookie }, body: file });
    const body = (await r.json()) as any;
    expect(r.status).toBe(413);
    expect(body.errors[0].reason).toBe('TOO_LARGE_DECOMPRESSED');
    expect(body.errors[0].message).toMatch(/MAX_UPLOAD_VOXELS/);
    expect(body.errors[0].message).not.toMatch(/MAX_UPLOAD_BYTES = /);
  });
});

describe('the cost bomb', () => {
  it('1,000 aliases of previewDistribution(n: 5000) from a user without a team are refused before running; /healthz stays fast', async () => {
    const { result, latenciesMs } = await healthWhile(gql(previews(1000, 5000), { m: modelId, s: SPEC }, AbortSignal.timeout(20_000)));
    console.log(JSON.stringify({ measure: 'alias bomb (1000 x n=5000)', status: result.status, healthzMs: summary(latenciesMs) }));
    expect(result.status).toBe(400);
    // A document that long is refused by the parser (GRAPHQL_MAX_TOKENS); a shorter one by its cost.
    expect(result.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(result.body.errors[0].message).toMatch(/more tha[nt] 5000 tokens/);
    expectHealthy(latenciesMs);
    const some = await gql(previews(200, 5000), { m: modelId, s: SPEC }, AbortSignal.timeout(20_000));
    expect(some.status).toBe(400);
    expect(some.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxCost: 5000 });
    expect(some.body.errors[0].extensions.cost).toBeGreaterThan(200 * 625);
  });

  it('/healthz answers in < 100 ms while the most expensive allowed query runs', async () => {
    // 7 x n=5000 is the most a query may ask for under GRAPHQL_MAX_COST = 5000 (8 would cost 5016).
    const over = await gql(previews(8, 5000), { m: modelId, s: SPEC });
    expect(over.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    const runs: number[] = [];
    const perRun: ReturnType<typeof summary>[] = [];
    for (let i = 0; i < 3; i++) {
      const { result, latenciesMs } = await healthWhile(gql(previews(7, 5000), { m: modelId, s: SPEC }, AbortSignal.timeout(30_000)));
      expect(result.status, JSON.stringify(result.body.errors)).toBe(200);
      expect(result.body.extensions.cost.requested).toBeGreaterThan(4000);
      expect(result.body.data.p6.vectors).toHaveLength(1000);
      runs.push(...latenciesMs);
      perRun.push(summary(latenciesMs));
    }
    console.log(JSON.stringify({ measure: 'most expensive allowed query (7 x n=5000), 3 runs', healthzMs: summary(runs), perRun }));
    expectHealthy(runs);
  });

  it('the budget per time window is reported and enforced per identity', async () => {
    const r = await gql('{ viewer { id } }');
    expect(r.body.extensions.cost.budget).toMatchObject({ limit: 250_000, windowSeconds: 60 });
    // The three dear queries above were paid from this user's budget (the refused ones too: they were priced).
    expect(r.body.extensions.cost.budget.remaining).toBeLessThan(250_000 - 3 * 4000);
    // A small budget runs out: 429 RATE_LIMITED with Retry-After and the budget in the error.
    const t = await startHarness({ GRAPHQL_BUDGET_POINTS: '100', GRAPHQL_BUDGET_WINDOW_SECONDS: '60' });
    try {
      const u = await t.signUp('budget@example.org');
      const codes: string[] = [];
      // 31 points each: three fit in 100, the fourth does not.
      for (let i = 0; i < 4; i++) codes.push((await t.gql('{ teams(first: 10) { edges { node { id } } } }', {}, u)).errors?.[0]?.extensions?.code ?? 'OK');
      expect(codes).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED']);
      const limited = await t.gql('{ teams(first: 10) { edges { node { id } } } }', {}, u);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});

describe('the request time limit', () => {
  it('stops a request past REQUEST_TIMEOUT_MS, and its queued CPU work with it', async () => {
    // 200 ms: three queries of 7 previews each queue well past it on one thread even on a fast machine
    // (a 1000 ms limit let all three finish in time on CI).
    const t = await startHarness({ REQUEST_TIMEOUT_MS: '200', CPU_WORKERS: '1' });
    try {
      const u = await t.signUp('slow@example.org');
      const m = (await t.gql('{ models { id name } }', {}, u)).data.models.find((x: any) => x.name === 'tiny-random').id;
      // Three dear queries at once on one thread: 21 previews, well over a second of CPU.
      const started = performance.now();
      const rs = await Promise.all([0, 1, 2].map(() => t.gql(previews(7, 5000), { m, s: SPEC }, u).then((r) => ({ ...r, ms: performance.now() - started }))));
      console.log(JSON.stringify({ measure: 'request time limit 200 ms, 3 x 7 previews on 1 thread', answers: rs.map((r) => ({ status: r.status, ms: Math.round(r.ms) })) }));
      const late = rs.filter((r) => r.status === 503);
      expect(rs.every((r) => r.status === 200 || r.status === 503), JSON.stringify(rs.map((r) => [r.status, r.errors?.[0]?.message]))).toBe(true);
      expect(late.length).toBeGreaterThan(0);
      for (const r of late) {
        expect(r.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
        expect(r.headers.get('retry-after')).toBeTruthy();
        expect(r.ms).toBeLessThan(1700);
      }
      // The timed-out work was dropped (dequeued or its thread stopped), not finished in the background.
      await new Promise((x) => setTimeout(x, 2000));
      expect(t.services.cpu.stats.queued).toBe(0);
      expect(t.services.cpu.stats.completed).toBeLessThan(21);
    } finally {
      await t.close();
    }
  });
});

/** A gzip of a NIfTI header announcing `dims` (uint8) followed by `zeros` zero bytes. */
async function bomb(dims: [number, number, number], zeros: number): Promise<Buffer> {
  const header = encodeNifti1({ data: new Uint8Array(8), shapeDHW: [2, 2, 2], spacingMm: [1, 1, 1] }).slice(0, 352);
  const dv = new DataView(header.buffer);
  dims.forEach((d, i) => dv.setInt16(42 + 2 * i, d, true));
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (b: Buffer) => parts.push(b));
  const ended = new Promise((r) => gz.on('end', r));
  gz.write(Buffer.from(header));
  const mb = Buffer.alloc(1024 * 1024);
  for (let left = zeros; left > 0; left -= mb.length) {
    const chunk = left >= mb.length ? mb : mb.subarray(0, left);
    if (!gz.write(chunk)) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await ended;
  return Buffer.concat(parts);
}

describe('a saturated database', () => {
  it('answers 503 SERVICE_BUSY with retry-after, not 500, when no connection frees up in time; nothing is written', async () => {
    const t = await startHarness({ DATABASE_POOL_SIZE: '1', DATABASE_POOL_WAIT_MS: '1000' });
    try {
      const u = await t.signUp('busy@example.org');
      const teamId = await t.createTeam(u, 'Busy');
      const projectId = (await t.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "P" }) { project { id } } }', { t: teamId }, u)).data.createProject.project.id;
      const modelId = (await t.gql('{ models { id name } }', {}, u)).data.models.find((x: any) => x.name === 'tiny-random').id;
      const d = await t.gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId, modelId, name: 'd', spec: { version: 1, kind: 'parametric' } } }, u);
      const before = (await t.sql('SELECT count(*)::int AS n FROM "Cohort"'))[0].n;
      // The API's only connection is held for 4 s (a long statement of another request, as under load) ...
      const { prismaOf } = await import('../src/common/transaction.repository.ts');
      const held = prismaOf(t.db).$queryRawUnsafe('SELECT pg_sleep(4)::text AS slept').then(() => undefined); // then(): Prisma queries start when awaited
      await new Promise((r) => setTimeout(r, 200));
      // ... so this request cannot get one within DATABASE_POOL_WAIT_MS (1 s here).
      const r = await t.gql('mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id } userErrors { message } } }', { i: { projectId, distributionVersionId: d.data.createDistribution.version.id, modelId, size: 2, qc: { enabled: false } } }, u);
      await held.catch(() => undefined);
      console.log(JSON.stringify({ measure: 'requestCohort with the only connection held', status: r.status, code: r.errors?.[0]?.extensions?.code }));
      expect(r.status).toBe(503);
      expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_BUSY' } });
      expect(r.errors?.[0]?.message).toMatch(/nothing was changed/);
      expect(r.headers.get('retry-after')).toBeTruthy();
      expect((await t.sql('SELECT count(*)::int AS n FROM "Cohort"'))[0].n).toBe(before);
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe('Ctrl-C after load', () => {
  it('stops the API in < 3 s with keep-alive connections open and a request in flight', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const u = new URL(api);
    const get = () =>
      new Promise<void>((resolve, reject) => {
        http.get({ host: u.hostname, port: u.port, path: '/healthz', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
    await Promise.all(Array.from({ length: 200 }, get));
    // A request whose body trickles in: in flight until the server gives up on it.
    const slow = http.request({ host: u.hostname, port: u.port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } });
    slow.on('error', () => {});
    slow.write('{"query":');
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const t0 = performance.now();
    child.kill('SIGINT');
    const code = await exited;
    const ms = performance.now() - t0;
    agent.destroy();
    console.log(JSON.stringify({ measure: 'SIGINT to exit after load', ms: Math.round(ms), code }));
    expect(code).toBe(0);
    expect(ms).toBeLessThan(3000);
    expect(out).not.toMatch(/\n\s+at /);
  });
});
