// Distributions and cohorts through the API: versions, preview, requests with transactional
// enqueue, quotas, approval, cancel, review, downloads. (Generation itself: apps/worker tests.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Caller, type Harness } from './harness.ts';
import { fromGlobalId } from '../src/graphql/relay.ts';

let h: Harness;
let owner: Caller;
let member: Caller;
let teamId: string;
let projectId: string;
let modelId: string;

const CREATE_DIST = `mutation($i: CreateDistributionInput!) { createDistribution(input: $i) {
  distribution { id name latestVersion { id version specHash } } version { id version spec } userErrors { field message code } } }`;
const REQUEST = `mutation($i: RequestCohortInput!) { requestCohort(input: $i) {
  cohort { id status size seed isPreview estimatedSeconds samplerSettings { sampler numInferenceSteps eta guidanceScale timestepSpacing stepsOffset setAlphaToOne guidanceInterval } progress { total pending done failed } } userErrors { field message code } } }`;

beforeAll(async () => {
  h = await startHarness({ MAX_COHORT_SIZE: '50', MAX_PREVIEW_SIZE: '4', MAX_OPEN_VOLUMES_PER_TEAM: '40' });
  owner = await h.signUp('owner@example.org');
  member = await h.signUp('member@example.org');
  teamId = await h.createTeam(owner, 'Cohort Lab');
  await h.addMember(owner, teamId, 'member@example.org', 'MEMBER');
  projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "Aug" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
  const models = await h.gql('{ models { id name version volumeShapeDhw spacingMm brainProjection { width height rows } } }', {}, owner);
  const tiny = models.data.models.find((m: any) => m.name === 'tiny-random');
  expect(tiny.volumeShapeDhw).toEqual([16, 16, 16]);
  expect(tiny.brainProjection.rows).toHaveLength(tiny.brainProjection.height);
  modelId = tiny.id;
});
afterAll(() => h.close());

async function createDistribution(name: string, spec: object) {
  const r = await h.gql(CREATE_DIST, { i: { projectId, modelId, name, spec } }, member);
  return r.data.createDistribution;
}

async function jobs(): Promise<number> {
  return (await h.sql(`SELECT count(*)::int AS n FROM pgboss.job WHERE name LIKE 'volume.%' AND state = 'created'`))[0].n;
}

describe('condition distributions', () => {
  it('creates version 1, adds version 2 on edit, returns the same version for an identical spec, lists who made them', async () => {
    const d = await createDistribution('left small', { version: 1, kind: 'parametric', position: { type: 'region', region: 'left' } });
    expect(d.userErrors).toEqual([]);
    expect(d.version.version).toBe(1);
    const add = `mutation($i: AddDistributionVersionInput!) { addDistributionVersion(input: $i) { version { id version } userErrors { message } } }`;
    const v2 = await h.gql(add, { i: { distributionId: d.distribution.id, modelId, spec: { version: 1, kind: 'parametric', position: { type: 'region', region: 'right' } } } }, member);
    expect(v2.data.addDistributionVersion.version.version).toBe(2);
    const same = await h.gql(add, { i: { distributionId: d.distribution.id, modelId, spec: { version: 1, kind: 'parametric', position: { region: 'right', type: 'region' } } } }, member);
    expect(same.data.addDistributionVersion.version.id).toBe(v2.data.addDistributionVersion.version.id);
    const list = await h.gql('query($id: ID!) { distribution(id: $id) { versions(first: 10) { edges { node { version createdBy { email } usedByCohorts } } } } }', { id: d.distribution.id }, owner);
    expect(list.data.distribution.versions.edges.map((e: any) => [e.node.version, e.node.createdBy.email])).toEqual([
      [2, 'member@example.org'],
      [1, 'member@example.org'],
    ]);
  });

  it('keeps the model each version was saved with; the same spec with another model is a new version', async () => {
    const d = await createDistribution('kept model', { version: 1, kind: 'parametric' });
    const read = async () =>
      (await h.gql('query($id: ID!) { distribution(id: $id) { latestVersion { id version model { id name } } } }', { id: d.distribution.id }, owner)).data.distribution.latestVersion;
    expect((await read()).model).toEqual({ id: modelId, name: 'tiny-random' });
    const other = (await h.gql('{ models { id name } }', {}, owner)).data.models.find((m: any) => m.name !== 'tiny-random');
    const add = `mutation($i: AddDistributionVersionInput!) { addDistributionVersion(input: $i) { version { id version model { name } } userErrors { message } } }`;
    const v2 = await h.gql(add, { i: { distributionId: d.distribution.id, modelId: other.id, spec: { version: 1, kind: 'parametric' } } }, member);
    expect(v2.data.addDistributionVersion.userErrors).toEqual([]);
    expect(v2.data.addDistributionVersion.version).toMatchObject({ version: 2, model: { name: other.name } });
    const again = await h.gql(add, { i: { distributionId: d.distribution.id, modelId: other.id, spec: { version: 1, kind: 'parametric' } } }, member);
    expect(again.data.addDistributionVersion.version.id).toBe(v2.data.addDistributionVersion.version.id);
    expect((await read()).model.name).toBe(other.name);
  });

  it.each([
    ['NaN-like value', { version: 1, kind: 'parametric', features: { voxel_volume: { type: 'uniform', min: 0.5, max: 0.1 } } }, /spec\.features\.voxel_volume/],
    ['unknown feature', { version: 1, kind: 'parametric', features: { tumour_colour: { type: 'fixed', value: 1 } } }, /spec\.features\.tumour_colour/],
    ['quotas that do not add up', { version: 1, kind: 'parametric', quotas: { feature: 'voxel_volume', strata: [{ name: 'a', min: 0, max: 0.5, fraction: 0.3 }, { name: 'b', min: 0.5, max: 1.01, fraction: 0.3 }] } }, /spec\.quotas/],
  ])('rejects a bad spec (%s) with the field path and stores nothing', async (_l, spec, field) => {
    const before = (await h.sql('SELECT count(*)::int AS n FROM "DistributionVersion"'))[0].n;
    const r = await createDistribution(`bad ${Math.random()}`, spec);
    expect(r.distribution).toBeNull();
    expect(r.userErrors.length).toBeGreaterThan(0);
    expect(r.userErrors.map((e: any) => e.field.join('.')).join(' ')).toMatch(field);
    expect((await h.sql('SELECT count(*)::int AS n FROM "DistributionVersion"'))[0].n).toBe(before);
  });

  it('previews a spec: vectors, histograms in physical units, rejections; deterministic in the seed', async () => {
    const q = 'query($m: ID!, $s: JSONObject!, $seed: Int) { previewDistribution(modelId: $m, spec: $s, n: 200, seed: $seed) { n vectors histograms rejections millis userErrors { message } } }';
    const spec = { version: 1, kind: 'parametric' };
    const a = await h.gql(q, { m: modelId, s: spec, seed: 5 }, member);
    const b = await h.gql(q, { m: modelId, s: spec, seed: 5 }, member);
    const c = await h.gql(q, { m: modelId, s: spec, seed: 6 }, member);
    const p = a.data.previewDistribution;
    expect(p.userErrors).toEqual([]);
    expect(p.vectors).toHaveLength(200);
    expect(p.vectors[0]).toHaveLength(9);
    expect(p.histograms).toHaveLength(9);
    expect(p.histograms[0]).toMatchObject({ feature: 'voxel_volume', physicalUnit: 'mL' });
    expect(b.data.previewDistribution.vectors).toEqual(p.vectors);
    expect(c.data.previewDistribution.vectors).not.toEqual(p.vectors);
    const bad = await h.gql(q, { m: modelId, s: { version: 1, kind: 'nope' }, seed: 1 }, member);
    expect(bad.data.previewDistribution.userErrors[0].message).toBeTruthy();
  });
});

describe('cohorts', () => {
  let versionId: string;
  beforeAll(async () => {
    versionId = (await createDistribution('anywhere', { version: 1, kind: 'parametric' })).version.id;
  });

  it('request: the cohort, its volumes and one queued job per volume commit together; audited', async () => {
    const before = await jobs();
    const r = await h.gql(REQUEST, { i: { projectId, distributionVersionId: versionId, modelId, size: 5, sampler: { numInferenceSteps: 10 } } }, member);
    const c = r.data.requestCohort.cohort;
    expect(r.data.requestCohort.userErrors).toEqual([]);
    expect(c).toMatchObject({ status: 'QUEUED', size: 5, isPreview: false, progress: { total: 5, pending: 5, done: 0, failed: 0 } });
    expect(Number(c.seed)).toBeGreaterThanOrEqual(0);
    // stored complete: the override over tiny-random's declared defaults (what the worker runs, as it is)
    expect(c.samplerSettings).toEqual({ sampler: 'DDIM', numInferenceSteps: 10, eta: 0, guidanceScale: 2, timestepSpacing: 'LEADING', stepsOffset: 0, setAlphaToOne: true, guidanceInterval: null });
    const [stored] = await h.sql(`SELECT "samplerSettings" s FROM "Cohort" WHERE id = $1`, [fromGlobalId(c.id, 'Cohort').id]);
    expect(stored.s).toEqual({ sampler: 'ddim', numInferenceSteps: 10, eta: 0, guidanceScale: 2, timestepSpacing: 'leading', stepsOffset: 0, setAlphaToOne: true, guidanceInterval: null });
    expect(c.estimatedSeconds).toBeGreaterThan(0);
    expect(await jobs()).toBe(before + 5);
    const queued = await h.sql(`SELECT data FROM pgboss.job WHERE data->>'cohortId' IS NOT NULL ORDER BY (data->>'subjectIndex')::int`);
    expect(queued.slice(-5).map((j) => j.data.subjectIndex)).toEqual([0, 1, 2, 3, 4]);
    const audit = await h.sql(`SELECT data FROM "AuditEvent" WHERE action = 'cohort.request' ORDER BY id DESC LIMIT 1`);
    expect(audit[0].data).toMatchObject({ size: 5, model: expect.stringMatching(/^tiny-random@/) });
  });

  it('a multistep solver with guidance limited to an interval is stored as requested (#15)', async () => {
    const r = await h.gql(REQUEST, { i: { projectId, distributionVersionId: versionId, modelId, size: 1, sampler: { sampler: 'UNIPC', numInferenceSteps: 8, guidanceInterval: [300, 999] } } }, member);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    expect(r.data.requestCohort.userErrors).toEqual([]);
    expect(r.data.requestCohort.cohort.samplerSettings).toMatchObject({ sampler: 'UNIPC', numInferenceSteps: 8, guidanceInterval: [300, 999] });
    const [stored] = await h.sql(`SELECT "samplerSettings" s FROM "Cohort" WHERE id = $1`, [fromGlobalId(r.data.requestCohort.cohort.id, 'Cohort').id]);
    expect(stored.s).toMatchObject({ sampler: 'unipc', numInferenceSteps: 8, guidanceInterval: [300, 999] });
  });

  it.each([
    [{ size: 2, sampler: { guidanceInterval: [900, 100] } }, 'input.sampler.guidanceInterval', /\[tLo, tHi\], whole numbers with 0 <= tLo <= tHi <= 999/],
    [{ size: 0 }, 'input.size', /must be at least 1/],
    [{ size: 51 }, 'input.size', /at most 50 subjects per cohort/],
    [{ size: 5, preview: true }, 'input.size', /a preview cohort has at most 4/],
    [{ size: 2, seed: -1 }, 'input.seed', /must be >= 0/],
    [{ size: 2, sampler: { eta: 2 } }, 'input.sampler.eta', /sampler\.eta = 2: .*\[0, 1\]/],
    [{ size: 2, sampler: { numInferenceSteps: 1001 } }, 'input.sampler.numInferenceSteps', /1\.\.1000 \(at most the model's 1000 training timesteps\)/],
    [{ size: 2, sampler: { guidanceScale: 21 } }, 'input.sampler.guidanceScale', /\[0, 20\]/],
  ])('bad request %j names the field and writes nothing', async (extra, field, msg) => {
    const before = { jobs: await jobs(), cohorts: (await h.sql('SELECT count(*)::int AS n FROM "Cohort"'))[0].n };
    const r = await h.gql(REQUEST, { i: { projectId, distributionVersionId: versionId, modelId, ...extra } }, member);
    expect(r.data.requestCohort.cohort).toBeNull();
    const e = r.data.requestCohort.userErrors.find((x: any) => x.field.join('.') === field);
    expect(e?.message, JSON.stringify(r.data.requestCohort.userErrors)).toMatch(msg);
    expect(await jobs()).toBe(before.jobs);
    expect((await h.sql('SELECT count(*)::int AS n FROM "Cohort"'))[0].n).toBe(before.cohorts);
  });

  it('the team quota of open volumes is enforced', async () => {
    const r = await h.gql(REQUEST, { i: { projectId, distributionVersionId: versionId, modelId, size: 50 } }, member);
    expect(r.data.requestCohort.userErrors[0]).toMatchObject({ field: ['input', 'size'], code: 'QUOTA' });
  });

  it('above the approval threshold a cohort waits (no jobs) until an admin approves; rejection is audited', async () => {
    await h.gql('mutation($t: ID!) { updateTeam(input: { teamId: $t, approvalThreshold: 3 }) { team { approvalThreshold } } }', { t: teamId }, owner);
    const before = await jobs();
    const big = (await h.gql(REQUEST, { i: { projectId, distributionVersionId: versionId, modelId, size: 4 } }, member)).data.requestCohort.cohort;
    expect(big.status).toBe('AWAITING_APPROVAL');
    expect(await jobs()).toBe(before);
    const preview = (await h.gql(REQUEST, { i: { projectId, distributionVersionId: versionId, modelId, size: 4, preview: true } }, member)).data.requestCohort.cohort;
    expect(preview.status).toBe('QUEUED'); // previews never wait
    const waiting = await h.gql('query($t: ID!) { cohortsAwaitingApproval(teamId: $t) { id } }', { t: teamId }, owner);
    expect(waiting.data.cohortsAwaitingApproval.map((c: any) => c.id)).toEqual([big.id]);
    const byMember = await h.gql('mutation($c: ID!) { approveCohort(cohortId: $c) { cohort { status } } }', { c: big.id }, member);
    expect(byMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const ok = await h.gql('mutation($c: ID!) { approveCohort(cohortId: $c, comment: "fits the budget") { cohort { status decisionComment } } }', { c: big.id }, owner);
    expect(ok.data.approveCohort.cohort).toEqual({ status: 'QUEUED', decisionComment: 'fits the budget' });
    expect(await jobs()).toBe(before + 4 + 4);
    const again = await h.gql('mutation($c: ID!) { rejectCohort(cohortId: $c) { cohort { status } userErrors { code } } }', { c: big.id }, owner);
    expect(again.data.rejectCohort.userErrors[0].code).toBe('NOT_AWAITING_APPROVAL');
    const other = (await h.gql(REQUEST, { i: { projectId, distributionVersionId: versionId, modelId, size: 4 } }, member)).data.requestCohort.cohort;
    const rej = await h.gql('mutation($c: ID!) { rejectCohort(cohortId: $c, comment: "too big") { cohort { status progress { cancelled } } } }', { c: other.id }, owner);
    expect(rej.data.rejectCohort.cohort).toEqual({ status: 'REJECTED', progress: { cancelled: 4 } });
    const audit = await h.sql(`SELECT action, data FROM "AuditEvent" WHERE action IN ('cohort.approve', 'cohort.reject') ORDER BY id`);
    expect(audit.map((a) => [a.action, a.data.comment])).toEqual([
      ['cohort.approve', 'fits the budget'],
      ['cohort.reject', 'too big'],
    ]);
    await h.gql('mutation($t: ID!) { updateTeam(input: { teamId: $t, approvalThreshold: null }) { team { id } } }', { t: teamId }, owner);
  });

  it('cancel drops queued jobs and pending volumes; a second cancel is a field error', async () => {
    const c = (await h.gql(REQUEST, { i: { projectId, distributionVersionId: versionId, modelId, size: 3 } }, member)).data.requestCohort.cohort;
    const r = await h.gql('mutation($c: ID!) { cancelCohort(cohortId: $c) { cohort { status cancelledAt progress { cancelled pending } } userErrors { code } } }', { c: c.id }, member);
    expect(r.data.cancelCohort.cohort).toMatchObject({ status: 'CANCELLED', progress: { cancelled: 3, pending: 0 } });
    const open = await h.sql(`SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'cohortId' = (SELECT id::text FROM "Cohort" WHERE status = 'CANCELLED' ORDER BY "createdAt" DESC LIMIT 1) AND state = 'created'`);
    expect(open[0].n).toBe(0);
    const again = await h.gql('mutation($c: ID!) { cancelCohort(cohortId: $c) { cohort { id } userErrors { code } } }', { c: c.id }, member);
    expect(again.data.cancelCohort.userErrors[0].code).toBe('ALREADY_FINAL');
  });

  it('retry re-queues failed volumes only; review needs a generated volume', async () => {
    const c = (await h.gql(REQUEST, { i: { projectId, distributionVersionId: versionId, modelId, size: 2 } }, member)).data.requestCohort.cohort;
    const none = await h.gql('mutation($c: ID!) { retryFailedVolumes(cohortId: $c) { userErrors { code } } }', { c: c.id }, member);
    expect(none.data.retryFailedVolumes.userErrors[0].code).toBe('NOTHING_TO_RETRY');
    // Simulate a worker's final failure of subject 1 (the worker suite covers the real path).
    const [raw] = await h.sql(`SELECT id FROM "Cohort" ORDER BY "createdAt" DESC LIMIT 1`);
    await h.sql(`UPDATE "Volume" SET status = 'FAILED', error = 'boom', attempts = 3 WHERE "cohortId" = $1 AND "subjectIndex" = 1`, [raw.id]);
    const before = await jobs();
    const r = await h.gql('mutation($c: ID!) { retryFailedVolumes(cohortId: $c) { cohort { progress { failed pending } } userErrors { code } } }', { c: c.id }, member);
    expect(r.data.retryFailedVolumes.cohort.progress).toEqual({ failed: 0, pending: 2 });
    expect(await jobs()).toBe(before); // the old unclaimed job was replaced, not duplicated
    const vol = await h.gql('query($c: ID!) { cohort(id: $c) { volumes(first: 1) { edges { node { id } } } } }', { c: c.id }, member);
    const review = await h.gql('mutation($v: ID!) { reviewVolume(volumeId: $v, state: ACCEPTED) { userErrors { code } } }', { v: vol.data.cohort.volumes.edges[0].node.id }, member);
    expect(review.data.reviewVolume.userErrors[0].code).toBe('NOT_GENERATED');
  });

  it('a generated volume can be reviewed and downloaded by its team only; file routes resist traversal', async () => {
    const c = (await h.gql(REQUEST, { i: { projectId, distributionVersionId: versionId, modelId, size: 1 } }, member)).data.requestCohort.cohort;
    const [raw] = await h.sql(`SELECT v.id FROM "Volume" v JOIN "Cohort" c ON c.id = v."cohortId" ORDER BY c."createdAt" DESC LIMIT 1`);
    // Stand in for the worker: a stored file and a SUCCEEDED row.
    const { LocalStorage } = await import('@slicewise/storage');
    const storage = new LocalStorage(h.storageDir);
    const put = await storage.putAtomic(`test/${raw.id}/image.nii.gz`, new TextEncoder().encode('not really nifti'));
    await h.sql(`UPDATE "Volume" SET status = 'SUCCEEDED', "imageKey" = $2, "imageSha256" = $3, "imageBytes" = $4 WHERE id = $1`, [raw.id, put.key, put.sha256, put.bytes]);
    const v = await h.gql('query($c: ID!) { cohort(id: $c) { volumes(first: 1) { edges { node { id imageUrl maskUrl } } } } }', { c: c.id }, member);
    const node = v.data.cohort.volumes.edges[0].node;
    expect(node.maskUrl).toBeNull();
    const ok = await fetch(`${h.url}${node.imageUrl}`, { headers: { cookie: member.cookie! } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-content-sha256')).toBe(put.sha256);
    expect(await ok.text()).toBe('not really nifti');
    const outsider = await h.signUp(`out${Math.random()}@example.org`);
    expect((await fetch(`${h.url}${node.imageUrl}`, { headers: { cookie: outsider.cookie } })).status).toBe(404);
    expect((await fetch(`${h.url}${node.imageUrl}`)).status).toBe(401);
    for (const bad of ['/files/volumes/../../etc/passwd', `/files/volumes/${raw.id}/..%2F..%2Fetc%2Fpasswd`, `/files/volumes/${raw.id}/mask.nii.gz`]) {
      const r = await fetch(`${h.url}${bad}`, { headers: { cookie: member.cookie! } });
      expect(r.status, bad).toBe(404);
    }
    const review = await h.gql('mutation($v: ID!) { reviewVolume(volumeId: $v, state: REJECTED, comment: "tumour outside the brain") { volume { reviewState reviewComment reviewedBy { email } } } }', { v: node.id }, member);
    expect(review.data.reviewVolume.volume).toEqual({ reviewState: 'REJECTED', reviewComment: 'tumour outside the brain', reviewedBy: { email: 'member@example.org' } });
  });
});
