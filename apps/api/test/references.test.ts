// Reference-mask uploads -> features on the model grid -> an empirical distribution that keeps the
// files' sha256. Bad files get a field error and nothing is stored.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNifti } from '@slicewise/nifti';
import { startHarness, type Caller, type Harness } from './harness.ts';

let h: Harness;
let owner: Caller;
let projectId: string;
let modelId: string;

beforeAll(async () => {
  h = await startHarness({ MAX_UPLOAD_BYTES: '200000' });
  owner = await h.signUp('owner@example.org');
  const teamId = await h.createTeam(owner, 'Refs');
  projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "R" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
  modelId = (await h.gql('{ models { id name } }', {}, owner)).data.models.find((m: any) => m.name === 'tiny-random').id;
});
afterAll(() => h.close());

/** A 32x32x32 mask with a ball of radius r at (cx, cy, cz) voxels; value `label` inside. */
function ballMask(r: number, c: [number, number, number], label = 1, n = 32): Uint8Array {
  const m = new Uint8Array(n * n * n);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    if ((x - c[0]) ** 2 + (y - c[1]) ** 2 + (z - c[2]) ** 2 <= r * r) m[(z * n + y) * n + x] = label;
  }
  return m;
}

/** A 2-frame 4D NIfTI-1 built from a 3D one (dim[0] = 4, dim[4] = 2, voxels repeated). */
function fourD(): Uint8Array {
  const raw = gunzipSync(writeNifti({ data: ballMask(5, [16, 16, 16]), shapeDHW: [32, 32, 32], spacingMm: [1, 1, 1] }));
  const out = Buffer.concat([raw, raw.subarray(352)]);
  out.writeInt16LE(4, 40); // dim[0]
  out.writeInt16LE(2, 48); // dim[4]
  return gzipSync(out);
}

async function upload(bytes: Uint8Array, filename: string, extra = '') {
  const res = await fetch(`${h.url}/uploads/projects/${projectId}/reference-masks?modelId=${modelId}&filename=${encodeURIComponent(filename)}${extra}`, {
    method: 'POST',
    headers: { cookie: owner.cookie!, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  return { status: res.status, body: (await res.json()) as any };
}

const refCount = async () => (await h.sql('SELECT count(*)::int AS n FROM "ReferenceFile"'))[0].n;

describe('reference masks', () => {
  it('measures an uploaded mask on the model grid; the same file twice is one reference', async () => {
    const nii = writeNifti({ data: ballMask(6, [10, 16, 16]), shapeDHW: [32, 32, 32], spacingMm: [1, 1, 1], intent: 'label' });
    const a = await upload(nii, 'case1_seg.nii.gz');
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(a.body.referenceFile.sha256).toBe(createHash('sha256').update(nii).digest('hex'));
    const [, , , x, y, z] = a.body.referenceFile.features;
    // The ball sits left of centre (x < 0.5) on a RAS grid; centred in y and z.
    expect(x).toBeLessThan(0.45);
    expect(y).toBeCloseTo(0.5, 1);
    expect(z).toBeCloseTo(0.5, 1);
    const again = await upload(nii, 'copy.nii.gz');
    expect(again.body.referenceFile.id).toBe(a.body.referenceFile.id);
    expect(await refCount()).toBe(1);
  });

  it('respects the affine: a left-right flipped affine puts the same voxels on the other side', async () => {
    const n = 32;
    const flipped = [
      [-1, 0, 0, (n - 1) / 2],
      [0, 1, 0, -(n - 1) / 2],
      [0, 0, 1, -(n - 1) / 2],
      [0, 0, 0, 1],
    ];
    const nii = writeNifti({ data: ballMask(6, [10, 16, 16]), shapeDHW: [n, n, n], spacingMm: [1, 1, 1], affine: flipped, intent: 'label' });
    const r = await upload(nii, 'flipped.nii.gz');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.referenceFile.features[3]).toBeGreaterThan(0.55);
  });

  it.each([
    ['not NIfTI', () => new TextEncoder().encode('hello, I am a CSV file\n1,2,3\n'.repeat(20)), '', 'NOT_NIFTI'],
    ['truncated', () => { const f = writeNifti({ data: ballMask(5, [16, 16, 16]), shapeDHW: [32, 32, 32], spacingMm: [1, 1, 1], gzipLevel: 0 }); return f.subarray(0, f.length >> 1); }, '', null],
    ['not binary (BraTS labels) without labels=merge', () => writeNifti({ data: ballMask(5, [16, 16, 16], 4), shapeDHW: [32, 32, 32], spacingMm: [1, 1, 1] }), '', 'NOT_BINARY'],
    ['4D (a time series, not a mask)', () => fourD(), '', 'NOT_3D'],
    ['empty mask', () => writeNifti({ data: new Uint8Array(32 ** 3), shapeDHW: [32, 32, 32], spacingMm: [1, 1, 1] }), '', 'EMPTY'],
  ])('%s: a field error naming the file, nothing stored', async (_l, make, extra, code) => {
    const before = await refCount();
    const r = await upload(make(), 'bad.nii.gz', extra);
    expect(r.status).toBe(400);
    expect(r.body.userErrors[0].field).toEqual(['file']);
    expect(r.body.userErrors[0].message).toMatch(/bad\.nii\.gz/);
    if (code) expect(r.body.userErrors[0].code).toBe(code);
    expect(await refCount()).toBe(before);
  });

  it('too large as sent: 413 PAYLOAD_TOO_LARGE naming MAX_UPLOAD_BYTES, nothing stored', async () => {
    const before = await refCount();
    const r = await upload(gzipSync(Buffer.alloc(300_000, 7), { level: 0 }), 'bad.nii.gz');
    expect(r.status).toBe(413);
    expect(r.body.errors[0]).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', reason: 'TOO_LARGE_COMPRESSED', field: 'file' });
    expect(r.body.errors[0].message).toMatch(/MAX_UPLOAD_BYTES = 200000/);
    expect(await refCount()).toBe(before);
  });

  it('merges BraTS labels when asked', async () => {
    const r = await upload(writeNifti({ data: ballMask(5, [20, 14, 16], 4), shapeDHW: [32, 32, 32], spacingMm: [1, 1, 1] }), 'brats_seg.nii.gz', '&labels=merge');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });

  it('fits an empirical distribution that records its source files and samples near them', async () => {
    const list = await h.gql('query($p: ID!) { project(id: $p) { referenceFiles { id sha256 filename } } }', { p: projectId }, owner);
    const refs = list.data.project.referenceFiles;
    expect(refs.length).toBe(3);
    const r = await h.gql(
      'mutation($i: CreateEmpiricalDistributionInput!) { createEmpiricalDistribution(input: $i) { version { spec sourceFiles } userErrors { field message } } }',
      { i: { projectId, modelId, name: 'our gliomas', referenceFileIds: refs.map((x: any) => x.id), bandwidth: 0.1 } },
      owner,
    );
    expect(r.data.createEmpiricalDistribution.userErrors).toEqual([]);
    const v = r.data.createEmpiricalDistribution.version;
    expect(v.spec.kind).toBe('empirical');
    expect(v.sourceFiles.map((s: any) => s.sha256).sort()).toEqual(refs.map((x: any) => x.sha256).sort());
    const p = await h.gql('query($m: ID!, $s: JSONObject!) { previewDistribution(modelId: $m, spec: $s, n: 100, seed: 1) { vectors userErrors { message } } }', { m: modelId, s: v.spec }, owner);
    expect(p.data.previewDistribution.userErrors).toEqual([]);
    expect(p.data.previewDistribution.vectors.length).toBeGreaterThan(50);
    const none = await h.gql('mutation($i: CreateEmpiricalDistributionInput!) { createEmpiricalDistribution(input: $i) { userErrors { field } } }', { i: { projectId, modelId, name: 'x', referenceFileIds: [] } }, owner);
    expect(none.data.createEmpiricalDistribution.userErrors[0].field).toEqual(['input', 'referenceFileIds']);
  });
});
