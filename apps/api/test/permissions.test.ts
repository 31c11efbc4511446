// For EVERY operation in the schema: an outsider is refused, a viewer cannot write, and a token
// without the scope is refused — and a refused call writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isObjectType } from 'graphql';
import { getSchema } from '../src/graphql/schema.ts';
import { OPERATIONS } from '../src/auth/operations.ts';
import { PERMISSIONS, roleAtLeast, scopesAllow, SCOPES, type Scope } from '../src/auth/permissions.ts';
import { completeFakeCohort, startHarness, type Caller, type Harness } from './harness.ts';

interface Fixture {
  teamId: string;
  projectId: string;
  memberMembershipId: string;
  tokenId: string;
  modelId: string;
  distributionId: string;
  versionId: string;
  cohortId: string;
  volumeId: string;
  completedCohortId: string;
  datasetVersionId: string;
  fileSha: string;
  webhookId: string;
  invitationId: string;
}
const SPEC = { version: 1, kind: 'parametric' };
type Sample = (f: Fixture) => { query: string; variables?: Record<string, unknown> };

const SAMPLES: Record<string, Sample> = {
  viewer: () => ({ query: '{ viewer { id } }' }),
  teams: () => ({ query: '{ teams(first: 5) { edges { node { id } } } }' }),
  node: (f) => ({ query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: f.projectId } }),
  team: (f) => ({ query: 'query($id: ID!) { team(id: $id) { id name } }', variables: { id: f.teamId } }),
  project: (f) => ({ query: 'query($id: ID!) { project(id: $id) { id } }', variables: { id: f.projectId } }),
  apiTokens: (f) => ({ query: 'query($t: ID!) { apiTokens(teamId: $t, first: 5) { edges { node { id } } } }', variables: { t: f.teamId } }),
  auditEvents: (f) => ({ query: 'query($t: ID!) { auditEvents(teamId: $t, first: 5) { edges { node { id } } } }', variables: { t: f.teamId } }),
  signUp: () => ({ query: 'mutation { signUp(input: { email: "x", password: "y", name: "z" }) { userErrors { code } } }' }),
  signIn: () => ({ query: 'mutation { signIn(input: { email: "x@example.org", password: "y" }) { userErrors { code } } }' }),
  signOut: () => ({ query: 'mutation { signOut { ok } }' }),
  createTeam: () => ({ query: 'mutation { createTeam(input: { name: "T" }) { team { id } } }' }),
  updateTeam: (f) => ({ query: 'mutation($t: ID!) { updateTeam(input: { teamId: $t, name: "Renamed" }) { team { id } userErrors { code } } }', variables: { t: f.teamId } }),
  addMember: (f) => ({
    query: 'mutation($t: ID!) { addMember(input: { teamId: $t, email: "spare@example.org", role: VIEWER }) { membership { id } userErrors { code } } }',
    variables: { t: f.teamId },
  }),
  changeMemberRole: (f) => ({ query: 'mutation($m: ID!) { changeMemberRole(membershipId: $m, role: ADMIN) { membership { id } } }', variables: { m: f.memberMembershipId } }),
  removeMember: (f) => ({ query: 'mutation($m: ID!) { removeMember(membershipId: $m) { membership { id } } }', variables: { m: f.memberMembershipId } }),
  createApiToken: (f) => ({
    query: 'mutation($t: ID!) { createApiToken(input: { teamId: $t, name: "x", scopes: [READ] }) { secret userErrors { code } } }',
    variables: { t: f.teamId },
  }),
  revokeApiToken: (f) => ({ query: 'mutation($id: ID!) { revokeApiToken(tokenId: $id) { token { id } } }', variables: { id: f.tokenId } }),
  createProject: (f) => ({ query: 'mutation($t: ID!) { createProject(input: { teamId: $t, name: "P2" }) { project { id } } }', variables: { t: f.teamId } }),
  updateProject: (f) => ({ query: 'mutation($p: ID!) { updateProject(input: { projectId: $p, name: "P3" }) { project { id } } }', variables: { p: f.projectId } }),
  archiveProject: (f) => ({ query: 'mutation($p: ID!) { archiveProject(projectId: $p) { project { id } } }', variables: { p: f.projectId } }),
  models: () => ({ query: '{ models { id name } }' }),
  cohortEstimate: (f) => ({ query: 'query($m: ID!) { cohortEstimate(modelId: $m, size: 10) { seconds } }', variables: { m: f.modelId } }),
  previewDistribution: (f) => ({ query: 'query($m: ID!, $s: JSONObject!) { previewDistribution(modelId: $m, spec: $s, n: 10) { n userErrors { message } } }', variables: { m: f.modelId, s: SPEC } }),
  distribution: (f) => ({ query: 'query($id: ID!) { distribution(id: $id) { id } }', variables: { id: f.distributionId } }),
  cohort: (f) => ({ query: 'query($id: ID!) { cohort(id: $id) { id } }', variables: { id: f.cohortId } }),
  volume: (f) => ({ query: 'query($id: ID!) { volume(id: $id) { id } }', variables: { id: f.volumeId } }),
  cohortsAwaitingApproval: (f) => ({ query: 'query($t: ID!) { cohortsAwaitingApproval(teamId: $t) { id } }', variables: { t: f.teamId } }),
  createDistribution: (f) => ({
    query: 'mutation($p: ID!, $m: ID!, $s: JSONObject!) { createDistribution(input: { projectId: $p, modelId: $m, name: "another", spec: $s }) { distribution { id } userErrors { message } } }',
    variables: { p: f.projectId, m: f.modelId, s: SPEC },
  }),
  addDistributionVersion: (f) => ({
    query: 'mutation($d: ID!, $m: ID!, $s: JSONObject!) { addDistributionVersion(input: { distributionId: $d, modelId: $m, spec: $s }) { version { id } userErrors { message } } }',
    variables: { d: f.distributionId, m: f.modelId, s: { ...SPEC, name: 'v2' } },
  }),
  requestCohort: (f) => ({
    query: 'mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id } userErrors { message } } }',
    variables: { i: { projectId: f.projectId, distributionVersionId: f.versionId, modelId: f.modelId, size: 2, seed: 1 } },
  }),
  createEmpiricalDistribution: (f) => ({
    query: 'mutation($p: ID!, $m: ID!, $r: [ID!]!) { createEmpiricalDistribution(input: { projectId: $p, modelId: $m, name: "emp", referenceFileIds: $r }) { distribution { id } userErrors { message } } }',
    variables: { p: f.projectId, m: f.modelId, r: [Buffer.from('ReferenceFile:00000000-0000-4000-8000-000000000000').toString('base64url')] },
  }),
  datasetVersion: (f) => ({ query: 'query($id: ID!) { datasetVersion(id: $id) { id } }', variables: { id: f.datasetVersionId } }),
  datasetVersionByRef: (f) => ({ query: 'query($p: ID!) { datasetVersionByRef(projectId: $p, dataset: "main", ref: "latest") { id } }', variables: { p: f.projectId } }),
  diffDatasetVersions: (f) => ({ query: 'query($a: ID!) { diffDatasetVersions(a: $a, b: $a) { unchanged } }', variables: { a: f.datasetVersionId } }),
  traceFile: (f) => ({ query: 'query($s: String!) { traceFile(sha256: $s) }', variables: { s: f.fileSha } }),
  publishDatasetVersion: (f) => ({
    query: 'mutation($p: ID!, $c: [ID!]!) { publishDatasetVersion(input: { projectId: $p, cohortIds: $c, tags: ["latest"] }) { datasetVersion { id } userErrors { message } } }',
    variables: { p: f.projectId, c: [f.completedCohortId] },
  }),
  moveDatasetTag: (f) => ({ query: 'mutation($v: ID!) { moveDatasetTag(datasetVersionId: $v, name: "approved") { datasetVersion { id } userErrors { message } } }', variables: { v: f.datasetVersionId } }),
  registerTrainingRun: (f) => ({
    query: 'mutation($p: ID!, $v: [ID!]!) { registerTrainingRun(input: { projectId: $p, name: "unet-1", datasetVersionIds: $v }) { trainingRun { id } userErrors { message } } }',
    variables: { p: f.projectId, v: [f.datasetVersionId] },
  }),
  createExportLink: (f) => ({ query: 'mutation($v: ID!) { createExportLink(datasetVersionId: $v) { url } }', variables: { v: f.datasetVersionId } }),
  webhooks: (f) => ({ query: 'query($t: ID!) { webhooks(teamId: $t) { id } }', variables: { t: f.teamId } }),
  createWebhook: (f) => ({ query: 'mutation($t: ID!) { createWebhook(input: { teamId: $t, url: "https://93.184.215.14/hook", events: ["cohort.completed"] }) { secret userErrors { message } } }', variables: { t: f.teamId } }),
  deleteWebhook: (f) => ({ query: 'mutation($w: ID!) { deleteWebhook(webhookId: $w) { webhook { id } userErrors { message } } }', variables: { w: f.webhookId } }),
  cancelCohort: (f) => ({ query: 'mutation($c: ID!) { cancelCohort(cohortId: $c) { cohort { id } userErrors { message } } }', variables: { c: f.cohortId } }),
  retryFailedVolumes: (f) => ({ query: 'mutation($c: ID!) { retryFailedVolumes(cohortId: $c) { cohort { id } userErrors { message } } }', variables: { c: f.cohortId } }),
  approveCohort: (f) => ({ query: 'mutation($c: ID!) { approveCohort(cohortId: $c) { cohort { id } userErrors { message } } }', variables: { c: f.cohortId } }),
  rejectCohort: (f) => ({ query: 'mutation($c: ID!) { rejectCohort(cohortId: $c) { cohort { id } userErrors { message } } }', variables: { c: f.cohortId } }),
  reviewVolume: (f) => ({ query: 'mutation($v: ID!) { reviewVolume(volumeId: $v, state: ACCEPTED) { volume { id } userErrors { message } } }', variables: { v: f.volumeId } }),
  webhookEvents: () => ({ query: '{ webhookEvents { name description } }' }),
  instance: () => ({ query: '{ instance { maxCohortSize demoAccount { email } } }' }),
  invitationPreview: () => ({ query: '{ invitationPreview(secret: "swi_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") { role } }' }),
  createInvitation: (f) => ({ query: 'mutation($t: ID!) { createInvitation(input: { teamId: $t, role: VIEWER }) { secret userErrors { message } } }', variables: { t: f.teamId } }),
  revokeInvitation: (f) => ({ query: 'mutation($i: ID!) { revokeInvitation(invitationId: $i) { invitation { id } userErrors { message } } }', variables: { i: f.invitationId } }),
  acceptInvitation: () => ({ query: 'mutation { acceptInvitation(secret: "swi_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") { team { id } userErrors { code } } }' }),
};

let h: Harness;
let fx: Fixture;
const callers: Record<string, Caller> = {};
const tokens: Partial<Record<Scope, Caller>> = {};

beforeAll(async () => {
  h = await startHarness();
  const owner = await h.signUp('owner@example.org');
  const viewer = await h.signUp('viewer@example.org');
  const member = await h.signUp('member@example.org');
  const outsider = await h.signUp('outsider@example.org');
  await h.signUp('spare@example.org');
  callers.owner = owner;
  callers.viewer = viewer;
  callers.outsider = outsider;
  const teamId = await h.createTeam(owner, 'Team A');
  await h.createTeam(outsider, 'Team B');
  await h.addMember(owner, teamId, 'viewer@example.org', 'VIEWER');
  const memberMembershipId = await h.addMember(owner, teamId, 'member@example.org', 'MEMBER');
  const p = await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "P" }) { project { id } } }', { t: teamId }, owner);
  const token = await h.createToken(owner, teamId, ['READ']);
  for (const s of SCOPES) tokens[s] = { token: (await h.createToken(owner, teamId, [s])).secret };
  const projectId = p.data.createProject.project.id;
  const models = await h.gql('{ models { id name } }', {}, owner);
  const modelId = models.data.models.find((m: { name: string }) => m.name === 'tiny-random').id;
  const d = await h.gql(
    'mutation($p: ID!, $m: ID!, $s: JSONObject!) { createDistribution(input: { projectId: $p, modelId: $m, name: "d", spec: $s }) { distribution { id } version { id } userErrors { message } } }',
    { p: projectId, m: modelId, s: SPEC },
    owner,
  );
  const c: any = await h.gql('mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id volumes(first: 1) { edges { node { id } } } } userErrors { message } } }', {
    i: { projectId, distributionVersionId: d.data.createDistribution.version.id, modelId, size: 2, seed: 3 },
  }, owner);
  if (!c.data) throw new Error(JSON.stringify(c.errors));
  const done = await completeFakeCohort(h, projectId, d.data.createDistribution.version.id, modelId, owner);
  const pub = await h.gql('mutation($p: ID!, $c: [ID!]!) { publishDatasetVersion(input: { projectId: $p, cohortIds: $c, tags: ["latest"] }) { datasetVersion { id } userErrors { message } } }', { p: projectId, c: [done.cohortId] }, owner);
  if (!pub.data?.publishDatasetVersion?.datasetVersion) throw new Error(JSON.stringify(pub));
  fx = {
    teamId,
    projectId,
    memberMembershipId,
    tokenId: token.id,
    modelId,
    distributionId: d.data.createDistribution.distribution.id,
    versionId: d.data.createDistribution.version.id,
    cohortId: c.data.requestCohort.cohort.id,
    volumeId: c.data.requestCohort.cohort.volumes.edges[0].node.id,
    completedCohortId: done.cohortId,
    datasetVersionId: pub.data.publishDatasetVersion.datasetVersion.id,
    fileSha: done.files[0]!.sha256,
    webhookId: (await h.gql('mutation($t: ID!) { createWebhook(input: { teamId: $t, url: "https://93.184.215.14/x", events: ["dataset.published"] }) { webhook { id } } }', { t: teamId }, owner)).data.createWebhook.webhook.id,
    invitationId: (await h.gql('mutation($t: ID!) { createInvitation(input: { teamId: $t, role: MEMBER }) { invitation { id } } }', { t: teamId }, owner)).data.createInvitation.invitation.id,
  };
  void member;
});
afterAll(() => h.close());

async function auditCount(): Promise<number> {
  return (await h.sql('SELECT count(*)::int AS n FROM "AuditEvent"'))[0].n;
}

function refusal(r: Awaited<ReturnType<Harness['gql']>>): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}

describe('permission matrix', () => {
  it('every schema operation has a rule and a sample invocation', async () => {
    const schema = await getSchema();
    const ops = [schema.getQueryType(), schema.getMutationType()].flatMap((t) => (t && isObjectType(t) ? Object.keys(t.getFields()) : []));
    expect(ops.length).toBeGreaterThan(10);
    const missingRule = ops.filter((o) => !(o in OPERATIONS));
    const missingSample = ops.filter((o) => !(o in SAMPLES));
    expect(missingRule, 'operations without a rule in auth/operations.ts').toEqual([]);
    expect(missingSample, 'operations without a sample in this test').toEqual([]);
    expect(Object.keys(OPERATIONS).filter((o) => !ops.includes(o)), 'rules for operations that no longer exist').toEqual([]);
  });

  const teamOps = Object.entries(OPERATIONS).filter(([, r]) => r.kind === 'team' || r.kind === 'node');

  it.each(teamOps.map(([op]) => op))('%s: a user outside the team is refused with NOT_FOUND and nothing is written', async (op) => {
    const before = await auditCount();
    const { query, variables } = SAMPLES[op]!(fx);
    const r = await h.gql(query, variables, callers.outsider);
    expect(refusal(r), JSON.stringify(r)).toBe('NOT_FOUND');
    expect(await auditCount()).toBe(before);
  });

  it.each(teamOps.filter(([, r]) => r.kind === 'team' && r.write).map(([op]) => op))('%s: a viewer cannot write', async (op) => {
    const rule = OPERATIONS[op]!;
    if (rule.kind !== 'team') throw new Error('unreachable');
    expect(roleAtLeast('VIEWER', PERMISSIONS[rule.action].minRole)).toBe(false);
    const before = await auditCount();
    const { query, variables } = SAMPLES[op]!(fx);
    const r = await h.gql(query, variables, callers.viewer);
    expect(refusal(r), JSON.stringify(r)).toBe('FORBIDDEN');
    expect(await auditCount()).toBe(before);
  });

  it.each(teamOps.filter(([, r]) => r.kind === 'team').map(([op]) => op))('%s: a token without the scope is refused', async (op) => {
    const rule = OPERATIONS[op]!;
    if (rule.kind !== 'team') throw new Error('unreachable');
    const needed = PERMISSIONS[rule.action].scope;
    // Every scope that does not cover the rule: all of them when tokens may never do it.
    const insufficient = SCOPES.filter((s) => needed === null || !scopesAllow([s], needed));
    if (insufficient.length === 0) {
      // READ-level rules: the weakest token passes, so prove the check with a token of another team.
      const other = await h.gql('{ teams(first: 1) { edges { node { id } } } }', {}, callers.outsider);
      const otherTeam = other.data.teams.edges[0].node.id;
      const foreign = await h.createToken(callers.outsider, otherTeam, ['ADMIN']);
      const { query, variables } = SAMPLES[op]!(fx);
      expect(refusal(await h.gql(query, variables, { token: foreign.secret }))).toBe('NOT_FOUND');
      return;
    }
    for (const s of insufficient) {
      const before = await auditCount();
      const { query, variables } = SAMPLES[op]!(fx);
      const r = await h.gql(query, variables, tokens[s]);
      expect(refusal(r), `${op} with a ${s} token: ${JSON.stringify(r)}`).toBe('FORBIDDEN');
      expect(await auditCount()).toBe(before);
    }
  });

  it('self operations need a caller', async () => {
    for (const op of ['teams', 'signOut', 'createTeam', 'models', 'cohortEstimate', 'previewDistribution', 'traceFile', 'acceptInvitation']) {
      const { query, variables } = SAMPLES[op]!(fx);
      const r = await h.gql(query, variables);
      expect(refusal(r), op).toBe('UNAUTHENTICATED');
    }
  });

  it('the owner may do every team operation (the samples are valid)', async () => {
    for (const [op, rule] of teamOps) {
      // Skipped: destructive ones (they would change the fixture) and state-dependent ones (approve needs a
      // cohort awaiting approval; review needs a generated volume), each covered by its own tests.
      const skip = ['deleteWebhook', 'publishDatasetVersion', 'removeMember', 'revokeApiToken', 'archiveProject', 'changeMemberRole', 'cancelCohort', 'retryFailedVolumes', 'approveCohort', 'rejectCohort', 'reviewVolume'];
      if (rule.kind !== 'team' || skip.includes(op)) continue;
      const { query, variables } = SAMPLES[op]!(fx);
      const r = await h.gql(query, variables, callers.owner);
      expect(r.errors, `${op}: ${JSON.stringify(r.errors)}`).toBeUndefined();
    }
  });
});
