// Issue 13: access follows membership, client addresses cannot be forged, sign-ins are limited per
// account too, audits of export links and failed sign-ins, webhook targets, the app's database role,
// node(id) for every Node type, and the quota under parallel requests.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { writeNifti } from '@slicewise/nifti';
import { completeFakeCohort, PASSWORD, startHarness, type Caller, type Harness } from './harness.ts';

const PROXY_SECRET = 'web-proxy-secret-for-tests-0123456789abcdef';
let h: Harness;
let owner: Caller;
let teamId: string;
let projectId: string;
let modelId: string;
let distributionVersionId: string;

beforeAll(async () => {
  h = await startHarness({ WEBHOOK_POLL_MS: '100', SIGNIN_MAX_ATTEMPTS: '5', SIGNIN_ACCOUNT_MAX_ATTEMPTS: '8', WEB_PROXY_SECRET: PROXY_SECRET });
  owner = await h.signUp('owner@example.org');
  teamId = await h.createTeam(owner, 'Access');
  projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "A" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
  modelId = (await h.gql('{ models { id name } }', {}, owner)).data.models.find((m: any) => m.name === 'tiny-random').id;
  const d = await h.gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId, modelId, name: 'd', spec: { version: 1, kind: 'parametric' } } }, owner);
  distributionVersionId = d.data.createDistribution.version.id;
});
afterAll(() => h.close());

const SIGN_IN = 'mutation($i: SignInInput!) { signIn(input: $i) { user { id } userErrors { code } } }';
const codeOf = (r: { errors?: { extensions?: Record<string, any> }[]; data: any }) => r.errors?.[0]?.extensions?.code ?? r.data?.signIn?.userErrors?.[0]?.code ?? 'OK';

/** A GraphQL POST from a chosen loopback source address (127.0.0.x), as if from another machine. */
function gqlFrom(localAddress: string, query: string, variables: Record<string, unknown>): Promise<any> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query, variables });
    const u = new URL(`${h.url}/graphql`);
    const req = http.request({ host: u.hostname, port: u.port, path: '/graphql', method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('offboarding: a token acts with at most its creator\'s current rights', () => {
  it('demotion shrinks a member\'s tokens and session at once; removal stops them', async () => {
    const member = await h.signUp('member@example.org');
    const membershipId = await h.addMember(owner, teamId, 'member@example.org', 'MEMBER');
    const token = await h.createToken(member, teamId, ['GENERATE']);
    const CREATE = 'mutation($t: ID!, $n: String!) { createProject(input: { teamId: $t, name: $n }) { project { id } userErrors { message } } }';
    const READ = 'query($t: ID!) { team(id: $t) { name } }';
    expect((await h.gql(CREATE, { t: teamId, n: 'by token' }, { token: token.secret })).data.createProject.project).toBeTruthy();

    // Demoted to VIEWER: the GENERATE token may only read now, like its creator.
    await h.gql('mutation($m: ID!) { changeMemberRole(membershipId: $m, role: VIEWER) { membership { role } } }', { m: membershipId }, owner);
    const asToken = await h.gql(CREATE, { t: teamId, n: 'after demotion' }, { token: token.secret });
    expect(asToken.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(asToken.status).toBe(403);
    expect((await h.gql(CREATE, { t: teamId, n: 'session after demotion' }, member)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await h.gql(READ, { t: teamId }, { token: token.secret })).data.team.name).toBe('Access');

    // Removed: the token stops working (401), the session no longer sees the team (404), files and
    // downloads refuse the token too.
    await h.gql('mutation($m: ID!) { removeMember(membershipId: $m) { membership { id } } }', { m: membershipId }, owner);
    const gone = await h.gql(READ, { t: teamId }, { token: token.secret });
    expect(gone.status).toBe(401);
    expect(gone.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await h.gql(READ, { t: teamId }, member)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const manifest = await fetch(`${h.url}/datasets/${projectId}/main@latest/manifest.json`, { headers: { authorization: `Bearer ${token.secret}` } });
    expect(manifest.status).toBe(401);
    expect((await h.sql(`SELECT count(*)::int AS n FROM "Project" WHERE name IN ('after demotion', 'session after demotion')`))[0].n).toBe(0);
  });
});

describe('client address and sign-in limits', () => {
  it('a different X-Forwarded-For per try does not lift the limit (no proxy is trusted by default)', async () => {
    await h.signUp('victim@example.org');
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await h.gql(SIGN_IN, { i: { email: 'victim@example.org', password: `wrong-${i}-password` } }, {}, { 'x-forwarded-for': `203.0.113.${i + 1}` });
      codes.push(codeOf(r));
    }
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('WRONG_CREDENTIALS'));
    expect(codes.slice(5)).toEqual(Array(15).fill('RATE_LIMITED'));
    // Failed sign-ins are audited, aggregated: one event for the (account, address), one when limited.
    const rows = await h.sql(`SELECT action, data FROM "AuditEvent" WHERE action LIKE 'user.signIn%' AND data->>'email' = 'victim@example.org' ORDER BY id`);
    expect(rows.map((r) => r.action)).toEqual(['user.signInFailed', 'user.signInLimited']);
    expect(rows[1].data).toMatchObject({ limit: 'address', attempts: 5 });
    expect(JSON.stringify(rows)).not.toMatch(/wrong-\d+-password/);
  });

  it('TRUST_PROXY names the hops whose X-Forwarded-For counts', async () => {
    const t = await startHarness({ TRUST_PROXY: 'loopback', SIGNIN_MAX_ATTEMPTS: '2' });
    try {
      await t.signUp('behind-proxy@example.org');
      const codes: string[] = [];
      // Behind a trusted proxy on loopback, each browser address has its own limit ...
      for (let i = 0; i < 4; i++) codes.push(codeOf(await t.gql(SIGN_IN, { i: { email: 'behind-proxy@example.org', password: 'wrong-password-4' } }, {}, { 'x-forwarded-for': `198.51.100.${i + 1}` })));
      expect(codes).toEqual(Array(4).fill('WRONG_CREDENTIALS'));
      // ... and one address is limited as usual.
      for (let i = 0; i < 2; i++) await t.gql(SIGN_IN, { i: { email: 'behind-proxy@example.org', password: 'wrong-password-4' } }, {}, { 'x-forwarded-for': '198.51.100.50' });
      expect(codeOf(await t.gql(SIGN_IN, { i: { email: 'behind-proxy@example.org', password: 'wrong-password-4' } }, {}, { 'x-forwarded-for': '198.51.100.50' }))).toBe('RATE_LIMITED');
    } finally {
      await t.close();
    }
  });

  it('the web app\'s client address is trusted only with its secret', async () => {
    await h.signUp('proxied@example.org');
    const from = (ip: string, secret?: string) => ({ 'x-slicewise-client-ip': ip, ...(secret ? { 'x-slicewise-proxy-secret': secret } : {}) });
    // With the secret: the browser at 198.51.100.7 uses up its own attempts ...
    for (let i = 0; i < 5; i++) expect(codeOf(await h.gql(SIGN_IN, { i: { email: 'proxied@example.org', password: 'wrong-password-1' } }, {}, from('198.51.100.7', PROXY_SECRET)))).toBe('WRONG_CREDENTIALS');
    expect(codeOf(await h.gql(SIGN_IN, { i: { email: 'proxied@example.org', password: 'wrong-password-1' } }, {}, from('198.51.100.7', PROXY_SECRET)))).toBe('RATE_LIMITED');
    // ... while another browser behind the same web app may still sign in.
    expect(codeOf(await h.gql(SIGN_IN, { i: { email: 'proxied@example.org', password: PASSWORD } }, {}, from('198.51.100.8', PROXY_SECRET)))).toBe('OK');
    // Without (or with a wrong) secret the header is ignored: the socket address counts.
    await h.signUp('forged@example.org');
    for (let i = 0; i < 5; i++) await h.gql(SIGN_IN, { i: { email: 'forged@example.org', password: 'wrong-password-2' } }, {}, from(`198.51.100.${20 + i}`, 'not-the-secret-not-the-secret-not-the-secret'));
    expect(codeOf(await h.gql(SIGN_IN, { i: { email: 'forged@example.org', password: 'wrong-password-2' } }, {}, from('198.51.100.99')))).toBe('RATE_LIMITED');
  });

  it('the limit also holds per account across real addresses', async () => {
    await h.signUp('spread@example.org');
    const codes: string[] = [];
    for (let i = 0; i < 12; i++) codes.push(codeOf(await gqlFrom(`127.0.0.${10 + i}`, SIGN_IN, { i: { email: 'spread@example.org', password: 'wrong-password-3' } })));
    expect(codes.slice(0, 8)).toEqual(Array(8).fill('WRONG_CREDENTIALS'));
    expect(codes.slice(8)).toEqual(Array(4).fill('RATE_LIMITED'));
    const limited = await h.sql(`SELECT data FROM "AuditEvent" WHERE action = 'user.signInLimited' AND data->>'email' = 'spread@example.org'`);
    expect(limited).toHaveLength(1);
    expect(limited[0].data).toMatchObject({ limit: 'account', attempts: 8 });
  });
});

describe('audit', () => {
  it('creating an export link (a credential-free download) is audited', async () => {
    const done = await completeFakeCohort(h, projectId, distributionVersionId, modelId, owner, 2);
    const p = await h.gql('mutation($i: PublishDatasetVersionInput!) { publishDatasetVersion(input: $i) { datasetVersion { id } userErrors { message } } }', { i: { projectId, cohortIds: [done.cohortId], tags: ['latest'] } }, owner);
    const versionId = p.data.publishDatasetVersion.datasetVersion.id;
    const link = await h.gql('mutation($v: ID!) { createExportLink(datasetVersionId: $v, ttlSeconds: 60) { url expiresAt } }', { v: versionId }, owner);
    expect(link.data.createExportLink.url).toMatch(/signature=/);
    const rows = await h.sql(`SELECT "actorUserId", "targetType", data FROM "AuditEvent" WHERE action = 'dataset.exportLink'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ targetType: 'DatasetVersion', data: { ttlSeconds: 60, expiresAt: link.data.createExportLink.expiresAt } });
  });
});

describe('webhook targets', () => {
  it.each(['http://127.0.0.1:9/hook', 'http://localhost/hook', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/x', 'http://[::1]:8080/x', 'http://0x7f000001/x', 'http://224.0.0.1/x', 'http://[fe80::1]/x'])(
    '%s is refused at creation',
    async (url) => {
      const r = await h.gql('mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } userErrors { field code message } } }', { i: { teamId, url, events: ['dataset.published'] } }, owner);
      expect(r.data.createWebhook.webhook).toBeNull();
      expect(r.data.createWebhook.userErrors[0]).toMatchObject({ field: ['input', 'url'], code: 'TARGET_NOT_PUBLIC' });
    },
  );

  it('a name that resolves to loopback at delivery time (DNS rebinding) is refused on connect; nothing reaches it', async () => {
    let hits = 0;
    const receiver = http.createServer((_q, s) => {
      hits++;
      s.writeHead(204).end();
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as { port: number }).port;
    const raw = Buffer.from(teamId, 'base64url').toString().split(':')[1];
    // As if it had resolved to a public address when it was created.
    const [w] = await h.sql(`INSERT INTO "Webhook" (id, "teamId", url, secret, events) VALUES (gen_random_uuid(), $1, $2, 'whsec_x', ARRAY['dataset.published']) RETURNING id`, [raw, `http://localhost:${port}/hook`]);
    const [d] = await h.sql(`INSERT INTO "WebhookDelivery" (id, "webhookId", event, payload) VALUES (gen_random_uuid(), $1, 'dataset.published', '{}') RETURNING id`, [w.id]);
    let row: any;
    for (let i = 0; i < 100; i++) {
      [row] = await h.sql(`SELECT status, "responseCode", "lastError" FROM "WebhookDelivery" WHERE id = $1`, [d.id]);
      if (row.status !== 'PENDING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => receiver.close(r));
    expect(hits).toBe(0);
    expect(row).toMatchObject({ status: 'FAILED', responseCode: null });
    expect(row.lastError).toMatch(/refused: .*non-public/);
  });
});

describe('the application\'s database role', () => {
  it('the API connects as slicewise_app, which cannot touch the audit table\'s triggers or rows', async () => {
    await h.gql('{ viewer { id } }', {}, owner);
    const users = await h.sql(`SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name NOT LIKE 'assert%'`);
    expect(users.map((u) => u.usename)).toContain('slicewise_app');
    const app = new pg.Client({ connectionString: h.appDbUrl, application_name: 'assert-app-role' });
    await app.connect();
    try {
      const me = (await app.query(`SELECT current_user AS u, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user`)).rows[0];
      expect(me).toEqual({ u: 'slicewise_app', rolsuper: false, rolcreaterole: false, rolcreatedb: false });
      for (const sql of [
        'ALTER TABLE "AuditEvent" DISABLE TRIGGER ALL',
        'UPDATE "AuditEvent" SET action = \'x\'',
        'DELETE FROM "AuditEvent"',
        'TRUNCATE "AuditEvent"',
        'CREATE TABLE public.evil (x int)',
        'DROP TABLE "Project"',
      ]) {
        await expect(app.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
      await app.query(`INSERT INTO "AuditEvent" (action, "targetType") VALUES ('test.append', 'Test')`);
      expect((await app.query(`SELECT count(*)::int AS n FROM "AuditEvent" WHERE action = 'test.append'`)).rows[0].n).toBe(1);
    } finally {
      await app.end();
    }
  });
});

describe('node(id) resolves every Node type', () => {
  it('enumerates the schema and resolves a real object of each type', async () => {
    const intro = await h.gql('{ __type(name: "Node") { possibleTypes { name } } }', {}, owner);
    const types: string[] = intro.data.__type.possibleTypes.map((t: { name: string }) => t.name).sort();

    // One real object of each type.
    const ids: Record<string, string> = {};
    ids.Team = teamId;
    ids.Project = projectId;
    ids.Model = modelId;
    ids.DistributionVersion = distributionVersionId;
    const t = await h.gql('query($t: ID!) { team(id: $t) { members(first: 1) { edges { node { id } } } } viewer { id } }', { t: teamId }, owner);
    expect(t.errors).toBeUndefined();
    ids.Membership = t.data.team.members.edges[0].node.id;
    ids.User = t.data.viewer.id;
    ids.ApiToken = (await h.createToken(owner, teamId, ['READ'])).id;
    const dv = await h.gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { distribution { id } } }', { i: { projectId, modelId, name: 'for nodes', spec: { version: 1, kind: 'parametric' } } }, owner);
    ids.ConditionDistribution = dv.data.createDistribution.distribution.id;
    const done = await completeFakeCohort(h, projectId, distributionVersionId, modelId, owner, 1);
    ids.Cohort = done.cohortId;
    ids.Volume = (await h.gql('query($c: ID!) { cohort(id: $c) { volumes(first: 1) { edges { node { id } } } } }', { c: done.cohortId }, owner)).data.cohort.volumes.edges[0].node.id;
    const pub = await h.gql('mutation($i: PublishDatasetVersionInput!) { publishDatasetVersion(input: $i) { datasetVersion { id } userErrors { message } } }', { i: { projectId, cohortIds: [done.cohortId], dataset: 'nodes' } }, owner);
    expect(pub.data.publishDatasetVersion.userErrors).toEqual([]);
    ids.DatasetVersion = pub.data.publishDatasetVersion.datasetVersion.id;
    const run = await h.gql('mutation($p: ID!, $v: [ID!]!) { registerTrainingRun(input: { projectId: $p, name: "r", datasetVersionIds: $v }) { trainingRun { id } userErrors { message } } }', { p: projectId, v: [ids.DatasetVersion] }, owner);
    expect(run.data.registerTrainingRun.userErrors).toEqual([]);
    ids.TrainingRun = run.data.registerTrainingRun.trainingRun.id;
    const hook = await h.gql('mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } userErrors { message } } }', { i: { teamId, url: 'https://93.184.215.14/hooks', events: ['dataset.published'] } }, owner);
    expect(hook.data.createWebhook.userErrors).toEqual([]);
    ids.Webhook = hook.data.createWebhook.webhook.id;
    const mask = new Uint8Array(16 ** 3);
    for (let i = 1500; i < 1600; i++) mask[i] = 1;
    const up = await fetch(`${h.url}/uploads/projects/${projectId}/reference-masks?modelId=${modelId}&filename=m.nii.gz`, { method: 'POST', headers: { cookie: owner.cookie! }, body: writeNifti({ data: mask, shapeDHW: [16, 16, 16], spacingMm: [2, 2, 2] }) });
    ids.ReferenceFile = ((await up.json()) as any).referenceFile.id;
    ids.AuditEvent = (await h.gql('query($t: ID!) { auditEvents(teamId: $t, first: 1) { edges { node { id } } } }', { t: teamId }, owner)).data.auditEvents.edges[0].node.id;
    ids.Invitation = (await h.gql('mutation($t: ID!) { createInvitation(input: { teamId: $t, role: VIEWER }) { invitation { id } } }', { t: teamId }, owner)).data.createInvitation.invitation.id;

    const unresolved: string[] = [];
    for (const type of types) {
      expect(ids[type], `no fixture for ${type}`).toBeTruthy();
      const r = await h.gql('query($id: ID!) { node(id: $id) { __typename id } }', { id: ids[type] }, owner);
      if (r.errors || r.data.node?.__typename !== type || r.data.node.id !== ids[type]) unresolved.push(`${type}: ${JSON.stringify(r.errors ?? r.data)}`);
    }
    expect(unresolved).toEqual([]);
    // The resolver's own list is the schema's (a new Node type without a case fails here).
    const { NODE_TYPES } = await import('../src/graphql/node.resolver.ts');
    expect([...NODE_TYPES].sort()).toEqual(types);
    // An outsider gets NOT_FOUND for every one of them (not a 500, not the object).
    const outsider = await h.signUp('outsider-nodes@example.org');
    for (const type of types.filter((x) => x !== 'Model' && x !== 'User')) {
      const r = await h.gql('query($id: ID!) { node(id: $id) { id } }', { id: ids[type] }, outsider);
      expect(r.errors?.[0]?.extensions?.code, type).toBe('NOT_FOUND');
    }
  });
});

describe('quota', () => {
  it('the open-volumes quota holds under parallel requests (checked inside the transaction)', async () => {
    const q = await startHarness({ MAX_OPEN_VOLUMES_PER_TEAM: '10' });
    try {
      const o = await q.signUp('quota@example.org');
      const t = await q.createTeam(o, 'Quota');
      const p = (await q.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "Q" }) { project { id } } }', { t }, o)).data.createProject.project.id;
      const m = (await q.gql('{ models { id name } }', {}, o)).data.models.find((x: any) => x.name === 'tiny-random').id;
      const v = (await q.gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId: p, modelId: m, name: 'd', spec: { version: 1, kind: 'parametric' } } }, o)).data.createDistribution.version.id;
      const REQ = 'mutation($i: RequestCohortInput!) { requestCohort(input: $i) { cohort { id } userErrors { code } } }';
      const results = await Promise.all(Array.from({ length: 8 }, () => q.gql(REQ, { i: { projectId: p, distributionVersionId: v, modelId: m, size: 4 } }, o)));
      const ok = results.filter((r) => r.data?.requestCohort?.cohort).length;
      const quota = results.filter((r) => r.data?.requestCohort?.userErrors?.[0]?.code === 'QUOTA').length;
      expect(ok).toBe(2);
      expect(quota).toBe(6);
      expect((await q.sql(`SELECT count(*)::int AS n FROM "Volume" WHERE status IN ('PENDING', 'RUNNING')`))[0].n).toBe(8);
    } finally {
      await q.close();
    }
  });
});
