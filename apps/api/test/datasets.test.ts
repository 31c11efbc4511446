// Dataset versions: publish, identity by content, tags, downloads (session, token, Range, signed
// links), tamper-proof paths, diff, lineage, and the audit trail from a file hash.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeFakeCohort, startHarness, type Caller, type Harness } from './harness.ts';

let h: Harness;
let owner: Caller;
let viewer: Caller;
let projectId: string;
let modelId: string;
let versionId: string;
let done: Awaited<ReturnType<typeof completeFakeCohort>>;

const PUBLISH = `mutation($i: PublishDatasetVersionInput!) { publishDatasetVersion(input: $i) {
  created datasetVersion { id dataset manifestHash volumeCount tags exportUrl manifestUrl } userErrors { field message code } } }`;

beforeAll(async () => {
  h = await startHarness();
  owner = await h.signUp('owner@example.org');
  viewer = await h.signUp('viewer@example.org');
  const teamId = await h.createTeam(owner, 'Data Team');
  await h.addMember(owner, teamId, 'viewer@example.org', 'VIEWER');
  projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "Glioma Aug" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
  modelId = (await h.gql('{ models { id name } }', {}, owner)).data.models.find((m: any) => m.name === 'tiny-random').id;
  const d = await h.gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId, modelId, name: 'd', spec: { version: 1, kind: 'parametric' } } }, owner);
  done = await completeFakeCohort(h, projectId, d.data.createDistribution.version.id, modelId, owner, 3);
});
afterAll(() => h.close());

async function get(path: string, headers: Record<string, string> = {}) {
  return fetch(`${h.url}${path}`, { headers });
}

describe('publishing', () => {
  it('publishes a completed cohort as a content-addressed version; identical content gives the same version', async () => {
    const a = (await h.gql(PUBLISH, { i: { projectId, cohortIds: [done.cohortId], tags: ['v1', 'latest'] } }, owner)).data.publishDatasetVersion;
    expect(a.userErrors).toEqual([]);
    expect(a.created).toBe(true);
    expect(a.datasetVersion).toMatchObject({ dataset: 'main', volumeCount: 3, tags: ['latest', 'v1'] });
    expect(a.datasetVersion.manifestHash).toMatch(/^[0-9a-f]{64}$/);
    versionId = a.datasetVersion.id;
    const b = (await h.gql(PUBLISH, { i: { projectId, cohortIds: [done.cohortId] } }, owner)).data.publishDatasetVersion;
    expect(b.created).toBe(false);
    expect(b.datasetVersion.id).toBe(versionId);
    expect((await h.sql('SELECT count(*)::int AS n FROM "DatasetVersion"'))[0].n).toBe(1);
    const audit = await h.sql(`SELECT action, data FROM "AuditEvent" WHERE action LIKE 'dataset.%' ORDER BY id`);
    expect(audit.map((x) => [x.action, x.data.tag ?? null])).toEqual([
      ['dataset.publish', null],
      ['dataset.tag', 'v1'],
      ['dataset.tag', 'latest'],
    ]);
  });

  it('a review-restricted version holds only accepted volumes and records who reviewed them', async () => {
    const vols = await h.gql('query($c: ID!) { cohort(id: $c) { volumes(first: 10) { edges { node { id } } } } }', { c: done.cohortId }, owner);
    const first = vols.data.cohort.volumes.edges[0].node.id;
    await h.gql('mutation($v: ID!) { reviewVolume(volumeId: $v, state: ACCEPTED, comment: "ok") { volume { id } } }', { v: first }, owner);
    const r = (await h.gql(PUBLISH, { i: { projectId, cohortIds: [done.cohortId], onlyAccepted: true, tags: ['approved'] } }, owner)).data.publishDatasetVersion;
    expect(r.datasetVersion.volumeCount).toBe(1);
    expect(r.datasetVersion.manifestHash).not.toBe((await h.sql('SELECT "manifestHash" FROM "DatasetVersion" ORDER BY "createdAt" LIMIT 1'))[0].manifestHash);
    const m = await (await get(`${r.datasetVersion.manifestUrl}`, { cookie: owner.cookie! })).json();
    expect(m.volumes[0].review).toMatchObject({ state: 'ACCEPTED', by: { email: 'owner@example.org' } });
  });

  it.each([
    [{ cohortIds: [] }, 'input.cohortIds', /at least one cohort/],
    [{ dataset: 'Bad Name!' }, 'input.dataset', /lowercase/],
    [{ tags: ['deadbeef12'] }, 'input.tags.0', /must not look like a manifest hash/],
  ])('bad input %j names the field and writes nothing', async (extra, field, msg) => {
    const before = (await h.sql('SELECT count(*)::int AS n FROM "DatasetVersion"'))[0].n;
    const r = (await h.gql(PUBLISH, { i: { projectId, cohortIds: [done.cohortId], ...extra } }, owner)).data.publishDatasetVersion;
    const e = r.userErrors.find((x: any) => x.field.join('.') === field);
    expect(e?.message, JSON.stringify(r.userErrors)).toMatch(msg);
    expect((await h.sql('SELECT count(*)::int AS n FROM "DatasetVersion"'))[0].n).toBe(before);
  });

  it('an unfinished cohort cannot be published', async () => {
    const d = await h.gql('query($p: ID!) { project(id: $p) { distributions(first: 1) { edges { node { latestVersion { id } } } } } }', { p: projectId }, owner);
    const c = await h.gql('mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id } } }', {
      i: { projectId, distributionVersionId: d.data.project.distributions.edges[0].node.latestVersion.id, modelId, size: 1 },
    }, owner);
    const r = (await h.gql(PUBLISH, { i: { projectId, cohortIds: [c.data.requestCohort.cohort.id] } }, owner)).data.publishDatasetVersion;
    expect(r.userErrors[0]).toMatchObject({ code: 'NOT_COMPLETED' });
  });
});

describe('tags and refs', () => {
  it('resolves a tag or a hash prefix; moving a tag is audited with from/to; a viewer may not move tags', async () => {
    const q = 'query($p: ID!, $r: String!) { datasetVersionByRef(projectId: $p, dataset: "main", ref: $r) { id manifestHash } }';
    const byTag = (await h.gql(q, { p: projectId, r: 'v1' }, viewer)).data.datasetVersionByRef;
    expect(byTag.id).toBe(versionId);
    const byHash = (await h.gql(q, { p: projectId, r: byTag.manifestHash.slice(0, 10) }, viewer)).data.datasetVersionByRef;
    expect(byHash.id).toBe(versionId);
    const approved = (await h.gql(q, { p: projectId, r: 'approved' }, owner)).data.datasetVersionByRef;
    const byViewer = await h.gql('mutation($v: ID!) { moveDatasetTag(datasetVersionId: $v, name: "latest") { datasetVersion { id } } }', { v: approved.id }, viewer);
    expect(byViewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const latestHash = async () => (await get('/datasets/glioma-aug/main@latest/manifest.json', { cookie: owner.cookie! })).headers.get('x-manifest-sha256');
    expect(await latestHash()).toBe(byTag.manifestHash); // the manifest of this version is now cached by the API
    await h.gql('mutation($v: ID!) { moveDatasetTag(datasetVersionId: $v, name: "latest") { datasetVersion { id } } }', { v: approved.id }, owner);
    expect((await h.gql(q, { p: projectId, r: 'latest' }, owner)).data.datasetVersionByRef.id).toBe(approved.id);
    expect(await latestHash()).toBe(approved.manifestHash); // tags are resolved per request, never cached
    const [moved] = await h.sql(`SELECT data FROM "AuditEvent" WHERE action = 'dataset.tag' AND data->>'tag' = 'latest' ORDER BY id DESC LIMIT 1`);
    expect(moved.data.from).not.toBe(moved.data.to);
    const missing = await h.gql(q, { p: projectId, r: 'v9' }, owner);
    expect(missing.errors?.[0]?.message).toMatch(/main@v9 was not found/);
  });

  it('the database refuses a tag that points at another project\'s version', async () => {
    const other = await h.sql(`INSERT INTO "Project"(id, "teamId", slug, name) SELECT gen_random_uuid(), "teamId", 'other', 'Other' FROM "Project" LIMIT 1 RETURNING id`);
    const [v] = await h.sql('SELECT id FROM "DatasetVersion" LIMIT 1');
    await expect(h.sql(`INSERT INTO "DatasetTag"(id, "projectId", dataset, name, "datasetVersionId") VALUES (gen_random_uuid(), $1, 'main', 'x', $2)`, [other[0].id, v.id])).rejects.toThrow(
      /must point at a version of dataset main in its own project/,
    );
  });
});

describe('downloads', () => {
  it('serves the manifest and every file by path with matching sha256, to a viewer and to a READ token', async () => {
    const teams = await h.gql('{ teams(first: 1) { edges { node { id } } } }', {}, owner);
    const { secret } = await h.createToken(owner, teams.data.teams.edges[0].node.id, ['READ']);
    const base = `/datasets/glioma-aug/main@v1`;
    const mres = await get(`${base}/manifest.json`, { authorization: `Bearer ${secret}` });
    expect(mres.status).toBe(200);
    const m = await mres.json();
    expect(m.files).toHaveLength(6);
    for (const f of m.files) {
      const r = await get(`${base}/files/${f.path}`, { cookie: viewer.cookie! });
      const bytes = Buffer.from(await r.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
    }
    const datalist = await (await get(`${base}/files/datalist.json`, { cookie: viewer.cookie! })).json();
    expect(datalist.training).toHaveLength(3);
  });

  it('path traversal and other teams get nothing', async () => {
    const outsider = await h.signUp(`o${Math.random()}@example.org`);
    expect((await get(`/datasets/glioma-aug/main@v1/manifest.json`, { cookie: outsider.cookie })).status).toBe(404);
    expect((await get(`/datasets/versions/${versionId}/manifest.json`, { cookie: outsider.cookie })).status).toBe(404);
    expect((await get(`/datasets/glioma-aug/main@v1/manifest.json`)).status).toBe(401);
    for (const p of ['files/../../../etc/passwd', 'files/%2e%2e%2f%2e%2e%2fetc%2fpasswd', 'files/images/..%2F..%2Fpackage.json', 'files/']) {
      const r = await get(`/datasets/versions/${versionId}/${p}`, { cookie: owner.cookie! });
      expect(r.status, p).toBe(404);
    }
  });

  it('the manifest names the version and project and hands out a signed link to its files: no credentials, this version only, expiring', async () => {
    const teams = await h.gql('{ teams(first: 1) { edges { node { id } } } }', {}, owner);
    const { secret } = await h.createToken(owner, teams.data.teams.edges[0].node.id, ['READ']);
    const mres = await get('/datasets/glioma-aug/main@v1/manifest.json', { authorization: `Bearer ${secret}` });
    expect(mres.headers.get('x-dataset-version-id')).toBe(versionId);
    expect(mres.headers.get('x-project-id')).toBe(projectId);
    const tpl = mres.headers.get('x-signed-files-url')!;
    expect(tpl).toMatch(/^\/datasets\/signed\/[A-Za-z0-9_-]+\/files\/\{path\}\?expires=\d+&signature=[A-Za-z0-9_-]+$/);
    const expires = Number(mres.headers.get('x-signed-files-expires'));
    expect(expires * 1000 - Date.now()).toBeGreaterThan(3500_000); // about an hour
    const m = await mres.json();
    for (const f of m.files) {
      const r = await get(tpl.replace('{path}', f.path)); // no cookie, no token
      expect(r.status).toBe(200);
      expect(createHash('sha256').update(Buffer.from(await r.arrayBuffer())).digest('hex')).toBe(f.sha256);
    }
    expect((await (await get(tpl.replace('{path}', 'datalist.json'))).json()).training).toHaveLength(3);
    const one = tpl.replace('{path}', m.files[0].path);
    expect((await get(one.replace(/signature=[^&]+/, 'signature=forged'))).status).toBe(401);
    expect((await get(one.replace(/expires=\d+/, `expires=${expires + 1}`))).status).toBe(401);
    const approved = (await h.gql('query($p: ID!) { datasetVersionByRef(projectId: $p, dataset: "main", ref: "approved") { id } }', { p: projectId }, owner)).data.datasetVersionByRef.id;
    expect((await get(one.replace(/\/signed\/[^/]+\//, `/signed/${approved}/`))).status).toBe(401); // signed for v1 only
    expect((await get(tpl.replace('/files/{path}', '/export.tar'))).status).toBe(401); // a files link is not an export link
    expect((await get(tpl.replace('{path}', '../../../../package.json'))).status).toBe(404);
  });

  it('a file resumes with Range when If-Range names its content; a stored object of the wrong length is served as it is, its length announced', async () => {
    const m = await (await get(`/datasets/versions/${versionId}/manifest.json`, { cookie: owner.cookie! })).json();
    const f = m.files[1];
    const url = `/datasets/versions/${versionId}/files/${f.path}`;
    const full = Buffer.from(await (await get(url, { cookie: owner.cookie! })).arrayBuffer());
    const part = await get(url, { cookie: owner.cookie!, range: 'bytes=10-', 'if-range': `"${f.sha256}"` });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-${full.length - 1}/${full.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(full.subarray(10))).toBe(true);
    const changed = await get(url, { cookie: owner.cookie!, range: 'bytes=10-', 'if-range': '"another-version-of-the-file"' });
    expect(changed.status).toBe(200);
    expect(Buffer.from(await changed.arrayBuffer()).equals(full)).toBe(true);
    expect((await get(url, { cookie: owner.cookie!, range: `bytes=${full.length}-` })).status).toBe(416);
    // the stored object lost bytes (a damaged disk): its real length is announced (a client fails the file at
    // once, it does not wait on a content-length that never comes), and it is never resumed against
    const stored = path.join(h.storageDir, f.storageKey);
    fs.writeFileSync(stored, full.subarray(0, full.length - 5));
    try {
      const t0 = performance.now();
      const short = await get(url, { cookie: owner.cookie! });
      expect(short.headers.get('content-length')).toBe(String(full.length - 5));
      expect(Buffer.from(await short.arrayBuffer()).equals(full.subarray(0, full.length - 5))).toBe(true);
      expect(performance.now() - t0).toBeLessThan(3000);
      const resumed = await get(url, { cookie: owner.cookie!, range: 'bytes=10-', 'if-range': `"${f.sha256}"` });
      expect(resumed.status).toBe(200);
      expect(resumed.headers.get('content-length')).toBe(String(full.length - 5));
    } finally {
      fs.writeFileSync(stored, full);
    }
  });

  it('exports a tar of exact length, resumable with HTTP Range, and through a short-lived signed link', async () => {
    const full = await get(`/datasets/versions/${versionId}/export.tar`, { cookie: owner.cookie! });
    expect(full.status).toBe(200);
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(bytes.length).toBe(Number(full.headers.get('content-length')));
    expect(bytes.subarray(257, 262).toString()).toBe('ustar');
    const part = await get(`/datasets/versions/${versionId}/export.tar`, { cookie: owner.cookie!, range: 'bytes=1000-2999' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-2999/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(1000, 3000))).toBe(true);
    const tail = await get(`/datasets/versions/${versionId}/export.tar`, { cookie: owner.cookie!, range: 'bytes=-100' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 100))).toBe(true);
    expect((await get(`/datasets/versions/${versionId}/export.tar`, { cookie: owner.cookie!, range: `bytes=${bytes.length}-` })).status).toBe(416);
    const link = (await h.gql('mutation($v: ID!) { createExportLink(datasetVersionId: $v, ttlSeconds: 60) { url expiresAt } }', { v: versionId }, viewer)).data.createExportLink;
    const signed = await get(link.url);
    expect(signed.status).toBe(200);
    expect(Buffer.from(await signed.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await get(link.url.replace(/signature=[^&]+/, 'signature=forged'))).status).toBe(401);
    expect((await get(link.url.replace(/expires=\d+/, 'expires=1000'))).status).toBe(401);
  });
});

describe('diff, lineage and audits', () => {
  it('diffs two versions by volumes and by condition distributions', async () => {
    const q = 'query($p: ID!, $r: String!) { datasetVersionByRef(projectId: $p, dataset: "main", ref: $r) { id } }';
    const a = (await h.gql(q, { p: projectId, r: 'v1' }, owner)).data.datasetVersionByRef.id;
    const b = (await h.gql(q, { p: projectId, r: 'approved' }, owner)).data.datasetVersionByRef.id;
    const d = (await h.gql('query($a: ID!, $b: ID!) { diffDatasetVersions(a: $a, b: $b) { added removed unchanged features } }', { a, b }, owner)).data.diffDatasetVersions;
    expect(d.added).toHaveLength(0);
    expect(d.removed).toHaveLength(2);
    expect(d.unchanged).toBe(1);
    expect(d.features.length).toBeGreaterThan(0);
    expect(d.features[0]).toHaveProperty('ks');
  });

  it('registers a training run and queries lineage both ways', async () => {
    const r = await h.gql(
      'mutation($p: ID!, $v: [ID!]!) { registerTrainingRun(input: { projectId: $p, name: "nnunet-fold0", url: "https://ci.example.org/run/7", metadata: { dice: 0.81 }, datasetVersionIds: $v }) { trainingRun { id name datasetVersions { id } } userErrors { message } } }',
      { p: projectId, v: [versionId] },
      owner,
    );
    expect(r.data.registerTrainingRun.trainingRun.datasetVersions).toEqual([{ id: versionId }]);
    const back = await h.gql('query($v: ID!) { datasetVersion(id: $v) { trainingRuns { name url metadata } } }', { v: versionId }, viewer);
    expect(back.data.datasetVersion.trainingRuns).toEqual([{ name: 'nnunet-fold0', url: 'https://ci.example.org/run/7', metadata: { dice: 0.81 } }]);
  });

  it('traces a file hash back through version, cohort, request, distribution, condition, seed, model and worker', async () => {
    const sha = done.files[0]!.sha256;
    const t = (await h.gql('query($s: String!) { traceFile(sha256: $s) }', { s: sha }, viewer)).data.traceFile;
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({
      file: { sha256: sha, kind: 'image' },
      cohort: { seed: '42' },
      request: { by: { email: 'owner@example.org' } },
      distributionVersion: { distribution: 'd', version: 1 },
      seed: '42',
      model: { name: 'tiny-random' },
      generation: { schema: 'slicewise-volume-provenance/2', runtime: { executionProvider: { used: 'cpu' } }, worker: { id: 'test-worker' }, scheduler: { sampler: 'ddim' } },
    });
    expect(t[0].datasetVersions.map((v: any) => v.dataset)).toContain('main');
    const outsider = await h.signUp(`t${Math.random()}@example.org`);
    const hidden = await h.gql('query($s: String!) { traceFile(sha256: $s) }', { s: sha }, outsider);
    expect(hidden.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('slicewise pull against the real API', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [path.resolve(import.meta.dirname, '../../cli/bin/slicewise.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (b) => (out += b));
      p.stderr.on('data', (b) => (out += b));
      p.on('exit', (code) => resolve({ code, out }));
    });

  it('pulls a tagged version with a token, verifies it, repairs a corrupted file, and refuses a tampered server file', async () => {
    const teams = await h.gql('{ teams(first: 1) { edges { node { id } } } }', {}, owner);
    const { secret } = await h.createToken(owner, teams.data.teams.edges[0].node.id, ['READ']);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sw-pull-'));
    const env = { SLICEWISE_TOKEN: secret, SLICEWISE_API_URL: h.url };
    const first = await cli(['pull', 'glioma-aug/main@v1', '--out', out, '--quiet'], env);
    expect(first.code, first.out).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    for (const f of m.files) expect(createHash('sha256').update(fs.readFileSync(path.join(out, f.path))).digest('hex')).toBe(f.sha256);
    fs.writeFileSync(path.join(out, m.files[0].path), 'corrupted');
    const again = await cli(['pull', 'glioma-aug/main@v1', '--out', out, '--quiet'], env);
    expect(again.code, again.out).toBe(0);
    expect(createHash('sha256').update(fs.readFileSync(path.join(out, m.files[0].path))).digest('hex')).toBe(m.files[0].sha256);
    // Tamper with the stored file on the server side: the pull must fail and name the file.
    const victim = m.files[1];
    fs.writeFileSync(path.join(h.storageDir, victim.storageKey), 'tampered on the server');
    fs.rmSync(path.join(out, victim.path));
    const bad = await cli(['pull', 'glioma-aug/main@v1', '--out', out, '--quiet'], env);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`${victim.path}: the server announces`);
    expect(bad.out).toContain(victim.path);
    const noAuth = await cli(['pull', 'glioma-aug/main@v1', '--out', out, '--quiet'], { SLICEWISE_TOKEN: 'swt_nope', SLICEWISE_API_URL: h.url });
    expect(noAuth.code).toBe(3);
    fs.rmSync(out, { recursive: true, force: true });
  }, 120_000); // four CLI processes (a tsx start-up each) and the retries of a download the server truncates
});

describe('publishing volumes that failed quality control', () => {
  const P = `mutation($i: PublishDatasetVersionInput!) { publishDatasetVersion(input: $i) {
    created qcFailedLeftOut datasetVersion { id dataset volumeCount } userErrors { field message code } } }`;
  let mixed: Awaited<ReturnType<typeof completeFakeCohort>>;
  let allFailed: Awaited<ReturnType<typeof completeFakeCohort>>;
  beforeAll(async () => {
    const d = await h.gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId, modelId, name: 'qc', spec: { version: 1, kind: 'parametric' } } }, owner);
    mixed = await completeFakeCohort(h, projectId, d.data.createDistribution.version.id, modelId, owner, 3, { qcFailed: [1] });
    allFailed = await completeFakeCohort(h, projectId, d.data.createDistribution.version.id, modelId, owner, 2, { qcFailed: [0, 1] });
  });

  it('leaves QC-failed volumes out by default and says how many', async () => {
    const r = (await h.gql(P, { i: { projectId, dataset: 'qc-default', cohortIds: [mixed.cohortId] } }, owner)).data.publishDatasetVersion;
    expect(r.userErrors).toEqual([]);
    expect(r).toMatchObject({ qcFailedLeftOut: 1, datasetVersion: { volumeCount: 2 } });
    const [row] = await h.sql(`SELECT manifest FROM "DatasetVersion" WHERE dataset = 'qc-default'`);
    expect(row.manifest.volumes.map((v: any) => v.subjectIndex)).toEqual([0, 2]);
  });

  it('refuses a selection of only QC-failed volumes without a waiver, naming the way to include them; nothing is written', async () => {
    const before = (await h.sql('SELECT count(*)::int AS n FROM "DatasetVersion"'))[0].n;
    const r = (await h.gql(P, { i: { projectId, dataset: 'qc-only', cohortIds: [allFailed.cohortId] } }, owner)).data.publishDatasetVersion;
    expect(r.datasetVersion).toBeNull();
    expect(r.userErrors[0]).toMatchObject({ code: 'QC_FAILED_ONLY', message: expect.stringContaining('qcWaiver') });
    const short = (await h.gql(P, { i: { projectId, dataset: 'qc-only', cohortIds: [allFailed.cohortId], qcWaiver: 'because' } }, owner)).data.publishDatasetVersion;
    expect(short.userErrors[0]).toMatchObject({ field: ['input', 'qcWaiver'], message: expect.stringContaining('at least 10 characters') });
    const none = (await h.gql(P, { i: { projectId, dataset: 'qc-none', cohortIds: [done.cohortId], qcWaiver: 'nothing failed here, but still' } }, owner)).data.publishDatasetVersion;
    expect(none.userErrors[0]).toMatchObject({ code: 'NOTHING_TO_WAIVE' });
    expect((await h.sql('SELECT count(*)::int AS n FROM "DatasetVersion"'))[0].n).toBe(before);
  });

  it('includes them with a waiver, recorded in the audit log', async () => {
    const reason = 'reader study of generator failure modes: QC-failed volumes are the point';
    const r = (await h.gql(P, { i: { projectId, dataset: 'qc-waived', cohortIds: [mixed.cohortId, allFailed.cohortId], qcWaiver: reason } }, owner)).data.publishDatasetVersion;
    expect(r.userErrors).toEqual([]);
    expect(r.datasetVersion.volumeCount).toBe(5);
    const [a] = await h.sql(`SELECT data FROM "AuditEvent" WHERE action = 'dataset.qc_waiver' ORDER BY id DESC LIMIT 1`);
    expect(a.data).toMatchObject({ dataset: 'qc-waived', qcFailedVolumes: 3, reason });
  });
});
