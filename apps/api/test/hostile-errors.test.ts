// Issue 13, "client errors answered as 500" and "a malformed JSON body is logged whole": every client
// mistake is a 4xx with a code, no stack in the response or the log, and no request body (or
// password) in the log.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNifti } from '@slicewise/nifti';
import { startHarness, type Caller, type Harness } from './harness.ts';

let h: Harness;
let owner: Caller;
let teamId: string;
let projectId: string;
let modelId: string;
const logLines: string[] = [];
const STACK = /\n\s+at |\bat [\w.<>]+ \(.*:\d+:\d+\)/;

beforeAll(async () => {
  h = await startHarness({}, { logLevel: 'info', logStream: { write: (line) => void logLines.push(line) } });
  owner = await h.signUp('owner@example.org');
  teamId = await h.createTeam(owner, 'Errors');
  projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "E" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
  modelId = (await h.gql('{ models { id name } }', {}, owner)).data.models.find((m: any) => m.name === 'tiny-random').id;
});
afterAll(() => h.close());

async function raw(path: string, init: RequestInit = {}) {
  const res = await fetch(`${h.url}${path}`, init);
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, text, body };
}

const post = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
  raw('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', cookie: owner.cookie!, ...headers }, body });

describe('HTTP-level client mistakes are 4xx with a code, never a 500', () => {
  it('malformed JSON is 400 BAD_REQUEST, and the body (a password) is not logged', async () => {
    const before = logLines.length;
    const r = await post('{"query":"mutation { signIn(input: {email: \\"a@b.org\\", password: \\"hunter2-secret-pw\\"}) { userErrors { code } } }", ');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(r.text).not.toMatch(STACK);
    const logged = logLines.slice(before).join('\n');
    expect(logged).toContain('client error');
    expect(logged).not.toContain('hunter2-secret-pw');
    expect(logged).not.toMatch(STACK);
  });

  it('a body over 1 MB is 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await post(JSON.stringify({ query: '{ viewer { id } }', variables: { pad: 'x'.repeat(1_100_000) } }));
    expect(r.status).toBe(413);
    expect(r.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('%ff in a URL path is 400, not 500', async () => {
    const r = await raw('/datasets/%ff/x@y/manifest.json', { headers: { cookie: owner.cookie! } });
    expect(r.status).toBe(400);
    expect(r.text).not.toMatch(STACK);
  });

  it('a multibyte character in a signed-link signature is 401', async () => {
    const r = await raw(`/datasets/signed/${Buffer.from('DatasetVersion:00000000-0000-4000-8000-000000000000').toString('base64url')}/export.tar?expires=${Math.floor(Date.now() / 1000) + 600}&signature=${encodeURIComponent('é'.repeat(43))}`);
    expect(r.status).toBe(401);
  });

  it('a password in a GraphQL variable never reaches the log', async () => {
    const before = logLines.length;
    await post(JSON.stringify({ query: 'mutation($i: SignInInput!) { signIn(input: $i) { userErrors { code } } }', variables: { i: { email: 'owner@example.org', password: 'wrong-but-secret-77' } } }));
    const logged = logLines.slice(before).join('\n');
    expect(logged).toContain('"path":"/graphql"'); // the request was logged ...
    expect(logged).not.toContain('wrong-but-secret-77'); // ... without its body
  });
});

describe('GraphQL-level client mistakes', () => {
  it('an invalid variable is 400 BAD_USER_INPUT (no stack in the log)', async () => {
    const before = logLines.length;
    const r = await h.gql('query($t: ID!, $n: Int) { team(id: $t) { projects(first: $n) { edges { node { id } } } } }', { t: teamId, n: 'ten' }, owner);
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(logLines.slice(before).join('\n')).not.toMatch(STACK);
  });

  it.each([
    ['a NUL byte', 'bad\u0000name'],
    ['a lone surrogate', 'bad\ud800name'],
  ])('%s in a stored string is 400 BAD_USER_INPUT, nothing stored', async (_l, name) => {
    const r = await h.gql('mutation($t: ID!, $n: String!) { createProject(input: { teamId: $t, name: $n }) { project { id } } }', { t: teamId, n: name }, owner);
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await h.sql(`SELECT count(*)::int AS n FROM "Project" WHERE name LIKE 'bad%'`))[0].n).toBe(0);
  });

  it.each([
    ['Project:1', Buffer.from('Project:1').toString('base64url')],
    ['Team:<huge number>', Buffer.from('Team:99999999999999999999999').toString('base64url')],
    ['AuditEvent:<not a number>', Buffer.from('AuditEvent:00000000-0000-4000-8000-000000000000').toString('base64url')],
  ])('the id %s is NOT_FOUND (404), not a database error', async (_l, id) => {
    const r = await h.gql('query($id: ID!) { project(id: $id) { id } }', { id }, owner);
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(r.status).toBe(404);
    const n = await h.gql('query($id: ID!) { node(id: $id) { id } }', { id }, owner);
    expect(n.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it.each([
    ['a cursor with a non-uuid id', Buffer.from(JSON.stringify([new Date().toISOString(), 'x'])).toString('base64url')],
    ['a cursor with a date PostgreSQL cannot hold', Buffer.from(JSON.stringify(['-271821-04-20T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url')],
  ])('%s is 400 BAD_USER_INPUT', async (_l, after) => {
    const r = await h.gql('query($t: ID!, $a: String) { team(id: $t) { projects(first: 5, after: $a) { edges { node { id } } } } }', { t: teamId, a: after }, owner);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('uploads with impossible voxel sizes', () => {
  const mask = () => {
    const m = new Uint8Array(16 ** 3);
    for (let i = 1000; i < 1400; i++) m[i] = 1;
    return m;
  };
  it.each([
    ['zero', 0],
    ['NaN', NaN],
    ['huge', 1e30],
  ])('%s pixdim is a 400 field error naming pixdim, nothing stored', async (_l, bad) => {
    const nii = Buffer.from(gunzipSync(writeNifti({ data: mask(), shapeDHW: [16, 16, 16], spacingMm: [1, 1, 1] })));
    nii.writeInt16LE(0, 252); // qform_code
    nii.writeInt16LE(0, 254); // sform_code: the affine comes from pixdim
    nii.writeFloatLE(bad, 80); // pixdim[1]
    const res = await fetch(`${h.url}/uploads/projects/${projectId}/reference-masks?modelId=${modelId}&filename=m.nii`, {
      method: 'POST',
      headers: { cookie: owner.cookie!, 'content-type': 'application/octet-stream' },
      body: nii,
    });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.userErrors[0]).toMatchObject({ field: ['file'], code: 'INVALID_HEADER' });
    expect(body.userErrors[0].message).toMatch(/pixdim\[1\]/);
    expect((await h.sql('SELECT count(*)::int AS n FROM "ReferenceFile"'))[0].n).toBe(0);
  });
});
