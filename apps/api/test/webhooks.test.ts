// Webhooks: outbox rows written with the event (a cohort completing in any process, a version being
// published), HMAC-signed deliveries, retries with backoff, and the delivery log.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../src/webhooks/webhook.service.ts';
import { completeFakeCohort, startHarness, type Caller, type Harness } from './harness.ts';

let h: Harness;
let owner: Caller;
let teamId: string;
let projectId: string;
let modelId: string;
let versionId: string;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let failNext = 0;
let receiver: http.Server;
let hookUrl: string;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end('try later');
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
  // The receiver is on loopback: this suite allows private targets (production refuses them: hostile-access.test.ts).
  h = await startHarness({ WEBHOOK_POLL_MS: '100', WEBHOOK_BACKOFF_SECONDS: '0.2', WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  owner = await h.signUp('owner@example.org');
  teamId = await h.createTeam(owner, 'Hooks');
  projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "H" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
  modelId = (await h.gql('{ models { id name } }', {}, owner)).data.models.find((m: any) => m.name === 'tiny-random').id;
  const d = await h.gql('mutation($i: CreateDistributionInput!) { createDistribution(input: $i) { version { id } } }', { i: { projectId, modelId, name: 'd', spec: { version: 1, kind: 'parametric' } } }, owner);
  versionId = d.data.createDistribution.version.id;
});
afterAll(async () => {
  await h.close();
  await new Promise((r) => receiver.close(r));
});

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('webhooks', () => {
  let secret: string;
  let webhookId: string;

  it('bad URLs and unknown events are field errors', async () => {
    const q = 'mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret userErrors { field message } } }';
    const bad = await h.gql(q, { i: { teamId, url: 'ftp://example.org', events: ['cohort.completed'] } }, owner);
    expect(bad.data.createWebhook.userErrors[0].field).toEqual(['input', 'url']);
    const ev = await h.gql(q, { i: { teamId, url: hookUrl, events: ['cohort.exploded'] } }, owner);
    expect(ev.data.createWebhook.userErrors[0].field).toEqual(['input', 'events', '0']);
  });

  it('signs deliveries of cohort.completed (raised by the database when any process completes a cohort)', async () => {
    const r = await h.gql('mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id events } secret } }', { i: { teamId, url: hookUrl, events: ['cohort.completed', 'dataset.published'] } }, owner);
    secret = r.data.createWebhook.secret;
    webhookId = r.data.createWebhook.webhook.id;
    expect(secret).toMatch(/^whsec_/);
    const done = await completeFakeCohort(h, projectId, versionId, modelId, owner, 1);
    const got = await waitFor(async () => received.find((x) => x.headers['x-slicewise-event'] === 'cohort.completed'));
    const body = JSON.parse(got.body);
    expect(body.data.cohortId).toBe(done.rawCohortId);
    expect(got.headers['x-slicewise-signature']).toBe(signWebhook(secret, String(got.headers['x-slicewise-timestamp']), got.body));
    expect(signWebhook('wrong', String(got.headers['x-slicewise-timestamp']), got.body)).not.toBe(got.headers['x-slicewise-signature']);
  });

  it('retries a failing endpoint with backoff and logs every attempt; gives up after the limit', async () => {
    failNext = 2;
    const c = await completeFakeCohort(h, projectId, versionId, modelId, owner, 1);
    await h.gql('mutation($p: ID!, $c: [ID!]!) { publishDatasetVersion(input: { projectId: $p, cohortIds: $c }) { datasetVersion { id } } }', { p: projectId, c: [c.cohortId] }, owner);
    const log = await waitFor(async () => {
      const r = await h.gql('query($t: ID!) { webhooks(teamId: $t) { id deliveries { event status attempts responseCode lastError } } }', { t: teamId }, owner);
      const ds = r.data.webhooks.find((w: any) => w.id === webhookId).deliveries;
      const pub = ds.find((d: any) => d.event === 'dataset.published');
      const comp = ds.filter((d: any) => d.event === 'cohort.completed');
      return pub && pub.status !== 'PENDING' && comp.every((d: any) => d.status !== 'PENDING') ? ds : undefined;
    });
    const statuses = log.map((d: any) => [d.event, d.status, d.attempts]);
    // Two 503s went to the first two attempts (whichever deliveries they were); all delivered within 3 attempts.
    expect(log.every((d: any) => d.status === 'DELIVERED')).toBe(true);
    expect(log.reduce((a: number, d: any) => a + d.attempts, 0)).toBe(log.length + 2);
    expect(statuses.length).toBe(3);

    failNext = 100;
    await completeFakeCohort(h, projectId, versionId, modelId, owner, 1);
    const dead = await waitFor(async () => {
      const r = await h.gql('query($t: ID!) { webhooks(teamId: $t) { deliveries(limit: 1) { status attempts responseCode lastError } } }', { t: teamId }, owner);
      const d = r.data.webhooks[0].deliveries[0];
      return d.status === 'FAILED' ? d : undefined;
    });
    expect(dead).toMatchObject({ attempts: 3, responseCode: 503, lastError: 'HTTP 503' });
    failNext = 0;
  });

  it('a removed webhook gets nothing more', async () => {
    await h.gql('mutation($w: ID!) { deleteWebhook(webhookId: $w) { webhook { active } } }', { w: webhookId }, owner);
    const before = received.length;
    await completeFakeCohort(h, projectId, versionId, modelId, owner, 1);
    await new Promise((r) => setTimeout(r, 800));
    expect(received.length).toBe(before);
  });
});
