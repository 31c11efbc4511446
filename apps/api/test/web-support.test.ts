// What the web app's pages read from the API: the deployment's demo hint and limits, what a role may do
// (the permission matrix, so the web keeps no copy), cohort thumbnails from real NIfTI files, and a
// dataset version's files, size, tags and lineage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { LocalStorage } from '@slicewise/storage';
import { writeNifti } from '@slicewise/nifti';
import { DEMO_ACCOUNT } from '../src/instance/demo.ts';
import { completeFakeCohort, startHarness, type Caller, type Harness } from './harness.ts';

let h: Harness;
let owner: Caller;

beforeAll(async () => {
  h = await startHarness({ MAX_COHORT_SIZE: '5000' });
  owner = await h.signUp('owner@example.org');
});
afterAll(() => h.close());

describe('instance', () => {
  it('offers the demo sign-in only while the demo account exists with its documented password', async () => {
    const q = '{ instance { demoAccount { email password } maxCohortSize maxPreviewSize } }';
    expect((await h.gql(q)).data.instance).toEqual({ demoAccount: null, maxCohortSize: 5000, maxPreviewSize: 8 });
    await h.gql('mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }', { i: { email: DEMO_ACCOUNT.email, password: DEMO_ACCOUNT.password, name: 'Demo' } });
    expect((await h.gql(q)).data.instance.demoAccount).toEqual({ email: DEMO_ACCOUNT.email, password: DEMO_ACCOUNT.password });
    // a changed password: no hint (the API checks the stored hash, not a flag)
    await h.sql(`UPDATE "User" SET "passwordHash" = (SELECT "passwordHash" FROM "User" WHERE email = 'owner@example.org') WHERE email = $1`, [DEMO_ACCOUNT.email]);
    expect((await h.gql(q)).data.instance.demoAccount).toBeNull();
  });

  it('lists the webhook events with what they announce', async () => {
    expect((await h.gql('{ webhookEvents { name description } }')).data.webhookEvents).toEqual([
      { name: 'cohort.completed', description: 'a cohort finished generating' },
      { name: 'dataset.published', description: 'a new dataset version was published' },
    ]);
  });
});

describe('models', () => {
  it('declare physical units from the anatomy a voxel covers, and their throughput basis', async () => {
    const models = (await h.gql('{ models { name spacingMm anatomicalSpacingMm throughputBasis physicalUnits { feature unit scale } } }', {}, owner)).data.models;
    const fast = models.find((m: any) => m.name === 'sbldm-phantom-64-fast');
    const tiny = models.find((m: any) => m.name === 'tiny-random');
    expect(fast.anatomicalSpacingMm).toEqual([3, 3, 3]);
    expect(fast.throughputBasis).toMatch(/^declared by the model: 1.1 s per volume at 8 steps/);
    // 64 voxels of 3 mm across
    expect(fast.physicalUnits.find((u: any) => u.feature === 'x')).toEqual({ feature: 'x', unit: 'mm', scale: 192 });
    expect(tiny.anatomicalSpacingMm).toEqual(tiny.spacingMm);
    expect(tiny.throughputBasis).toMatch(/^no throughput declared by the model/);
  });
});

describe('viewerPermissions', () => {
  it('is the permission matrix for the caller\'s role or token scopes', async () => {
    const teamId = await h.createTeam(owner, 'Perm');
    await h.signUp('viewer@example.org');
    await h.addMember(owner, teamId, 'viewer@example.org', 'VIEWER');
    const viewer = { cookie: (await h.gql('mutation { signIn(input: { email: "viewer@example.org", password: "correct-horse-battery-9" }) { user { id } } }')).headers.get('set-cookie')!.split(';')[0]! };
    const q = 'query($t: ID!) { team(id: $t) { viewerPermissions viewerTokenScopes } }';
    const o = (await h.gql(q, { t: teamId }, owner)).data.team;
    expect(o.viewerPermissions).toContain('MEMBER_CHANGE_ROLE');
    expect(o.viewerPermissions).toContain('AUDIT_READ');
    expect(o.viewerTokenScopes).toEqual(['READ', 'GENERATE', 'ADMIN']);
    const v = (await h.gql(q, { t: teamId }, viewer)).data.team;
    expect(v.viewerPermissions).toEqual(['TEAM_READ', 'PROJECT_READ']);
    expect(v.viewerTokenScopes).toEqual(['READ']);
    const token = await h.createToken(owner, teamId, ['GENERATE']);
    const t = (await h.gql(q, { t: teamId }, { token: token.secret })).data.team;
    expect(t.viewerPermissions).toContain('COHORT_REQUEST');
    expect(t.viewerPermissions).not.toContain('MEMBER_ADD'); // tokens never manage members
    expect(t.viewerPermissions).not.toContain('AUDIT_READ');
  });
});

describe('volumes and dataset versions', () => {
  let projectId: string;
  let modelId: string;
  let versionId: string;
  let cohort: Awaited<ReturnType<typeof completeFakeCohort>>;
  beforeAll(async () => {
    const teamId = await h.createTeam(owner, 'Data');
    projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "Glioma augmentation" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
    modelId = (await h.gql('{ models { id name } }', {}, owner)).data.models.find((m: any) => m.name === 'tiny-random').id;
    versionId = (await h.gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId, modelId, name: 'd', spec: { version: 1, kind: 'parametric' } } }, owner)).data.createDistribution.version.id;
    cohort = await completeFakeCohort(h, projectId, versionId, modelId, owner, 3);
  });

  it('a thumbnail is the axial slice through the tumour, from the real files, kept after the first request', async () => {
    // subject 0 gets real NIfTI files: a 16^3 image and a tumour block in slices 10..11
    const storage = new LocalStorage(h.storageDir);
    const shapeDHW: [number, number, number] = [16, 16, 16];
    const image = new Float32Array(16 ** 3).map((_, i) => Math.sin(i));
    const mask = new Uint8Array(16 ** 3);
    for (const z of [10, 11]) for (let y = 4; y < 8; y++) for (let x = 5; x < 9; x++) mask[(z * 16 + y) * 16 + x] = 1;
    const img = await storage.putAtomic(`t/${cohort.rawCohortId}/image.nii.gz`, writeNifti({ data: image, shapeDHW, spacingMm: [1, 1, 1] }));
    const msk = await storage.putAtomic(`t/${cohort.rawCohortId}/mask.nii.gz`, writeNifti({ data: mask, shapeDHW, spacingMm: [1, 1, 1], intent: 'label' }));
    await h.sql(`UPDATE "Volume" SET "imageKey" = $2, "imageSha256" = $3, "maskKey" = $4, "maskSha256" = $5 WHERE "cohortId" = $1 AND "subjectIndex" = 0`, [cohort.rawCohortId, img.key, img.sha256, msk.key, msk.sha256]);
    const q = 'query($c: ID!) { cohort(id: $c) { volumes(first: 10) { edges { node { subjectIndex thumbnail { dataUrl sliceIndex maskVoxels sliceMaskVoxels width height } } } } } }';
    const r = await h.gql(q, { c: cohort.cohortId }, owner);
    expect(r.errors).toBeUndefined();
    const [first, second] = r.data.cohort.volumes.edges.map((e: any) => e.node);
    expect(first.thumbnail).toMatchObject({ sliceIndex: 11, maskVoxels: 32, sliceMaskVoxels: 16, width: 16, height: 16 });
    const png = PNG.sync.read(Buffer.from(first.thumbnail.dataUrl.replace('data:image/png;base64,', ''), 'base64'));
    expect([png.width, png.height]).toEqual([16, 16]);
    // the fake files of the other subjects are not NIfTI: no picture, and the query still answers
    expect(second.thumbnail).toBeNull();
    expect(await storage.exists(`thumbnails/axial-v1/${img.sha256}-${msk.sha256}.json`)).toBe(true);
  });

  it('a dataset version lists its files and size, every tag of its dataset, its cohorts and its project slug', async () => {
    const source = await completeFakeCohort(h, projectId, versionId, modelId, owner, 3);
    const pub = await h.gql('mutation($p: ID!, $c: [ID!]!) { publishDatasetVersion(input: { projectId: $p, cohortIds: $c, tags: ["latest", "v1"] }) { datasetVersion { id } } }', { p: projectId, c: [source.cohortId] }, owner);
    const id = pub.data.publishDatasetVersion.datasetVersion.id;
    const q = `query($id: ID!, $after: String) { datasetVersion(id: $id) { totalBytes project { slug }
      files(first: 4, after: $after) { totalCount edges { cursor node { path kind sha256 bytes subjectIndex } } pageInfo { hasNextPage endCursor } }
      datasetTags { name datasetVersionId } cohorts { cohortId name volumeCount model distributionVersion } } }`;
    const v = (await h.gql(q, { id }, owner)).data.datasetVersion;
    expect(v.project.slug).toBe('glioma-augmentation');
    expect(v.files.totalCount).toBe(6);
    expect(v.totalBytes).toBe(source.files.reduce((a, f) => a + f.bytes, 0));
    expect(v.files.edges).toHaveLength(4);
    expect(v.files.pageInfo.hasNextPage).toBe(true);
    const next = (await h.gql(q, { id, after: v.files.pageInfo.endCursor }, owner)).data.datasetVersion.files;
    expect(next.edges).toHaveLength(2);
    expect(next.pageInfo.hasNextPage).toBe(false);
    const all = [...v.files.edges, ...next.edges].map((e: any) => e.node);
    expect(all.map((f: any) => f.sha256).sort()).toEqual(source.files.map((f) => f.sha256).sort());
    expect(all.filter((f: any) => f.kind === 'mask').map((f: any) => f.subjectIndex).sort()).toEqual([0, 1, 2]);
    expect(v.datasetTags).toEqual([{ name: 'latest', datasetVersionId: id }, { name: 'v1', datasetVersionId: id }]);
    expect(v.cohorts).toEqual([{ cohortId: source.cohortId, name: expect.any(String), volumeCount: 3, model: expect.stringMatching(/^tiny-random /), distributionVersion: 1 }]);
  });
});
