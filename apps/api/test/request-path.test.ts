// The per-request path made cheaper for `npm run bench:api` (issue 15): plain-SQL reads of the session,
// token, membership, team and project, a team's or project's read joined with the caller's role, and the
// cost plugin's price reused per (document, operation, variables). None of it may keep rights alive: every
// request reads the session, the token and the membership again, so a change shows on the next request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Caller, type Harness } from './harness.ts';

let h: Harness;
let owner: Caller;
let teamId: string;
let projectId: string;

const TEAM = 'query($t: ID!) { team(id: $t) { id viewerRole projects(first: 5) { edges { node { id name } } } } }';
const PROJECT = 'query($p: ID!) { project(id: $p) { id name cohorts(first: 5) { edges { node { id progress { total } } } } } }';

beforeAll(async () => {
  h = await startHarness();
  owner = await h.signUp('owner@example.org');
  teamId = await h.createTeam(owner, 'Path Lab');
  projectId = (await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "P" }) { project { id } } }', { t: teamId }, owner)).data.createProject.project.id;
});
afterAll(() => h.close());

describe('rights follow the database on the very next request', () => {
  it('a removed member loses the team and its projects at once; a demoted one sees the new role at once', async () => {
    const m = await h.signUp('member@example.org');
    const membershipId = await h.addMember(owner, teamId, 'member@example.org', 'MEMBER');
    const before = await h.gql(TEAM, { t: teamId }, m);
    expect(before.errors).toBeUndefined();
    expect(before.data.team.viewerRole).toBe('MEMBER');
    expect((await h.gql(PROJECT, { p: projectId }, m)).data.project.id).toBe(projectId);

    const demote = await h.gql('mutation($m: ID!) { changeMemberRole(membershipId: $m, role: VIEWER) { membership { role } userErrors { message } } }', { m: membershipId }, owner);
    expect(demote.errors ?? demote.data.changeMemberRole.userErrors).toEqual([]);
    expect((await h.gql(TEAM, { t: teamId }, m)).data.team.viewerRole).toBe('VIEWER');

    await h.gql('mutation($m: ID!) { removeMember(membershipId: $m) { membership { id } } }', { m: membershipId }, owner);
    const team = await h.gql(TEAM, { t: teamId }, m);
    expect(team.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const project = await h.gql(PROJECT, { p: projectId }, m);
    expect(project.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('a signed-out session and a revoked token stop working on the next request', async () => {
    const u = await h.signUp('leaver@example.org');
    await h.addMember(owner, teamId, 'leaver@example.org', 'ADMIN');
    expect((await h.gql(TEAM, { t: teamId }, u)).data.team.viewerRole).toBe('ADMIN');
    const token = await h.createToken(u, teamId, ['READ']);
    expect((await h.gql(TEAM, { t: teamId }, { token: token.secret })).data.team.id).toBe(teamId);

    const revoked = await h.gql('mutation($id: ID!) { revokeApiToken(tokenId: $id) { token { id } } }', { id: token.id }, u);
    expect(revoked.errors).toBeUndefined();
    const viaToken = await h.gql(TEAM, { t: teamId }, { token: token.secret });
    expect(viaToken.status).toBe(401);

    expect((await h.gql('mutation { signOut { ok } }', {}, u)).data.signOut.ok).toBe(true);
    const viaCookie = await h.gql(TEAM, { t: teamId }, u);
    expect(viaCookie.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("a token stops working the moment its creator leaves the team", async () => {
    const u = await h.signUp('creator@example.org');
    const membershipId = await h.addMember(owner, teamId, 'creator@example.org', 'MEMBER');
    const token = await h.createToken(u, teamId, ['READ']);
    expect((await h.gql(TEAM, { t: teamId }, { token: token.secret })).data.team.id).toBe(teamId);
    await h.gql('mutation($m: ID!) { removeMember(membershipId: $m) { membership { id } } }', { m: membershipId }, owner);
    expect((await h.gql(TEAM, { t: teamId }, { token: token.secret })).status).toBe(401);
  });
});

describe('query prices reused per document and variables', () => {
  const LIST = 'query($t: ID!, $n: Int) { team(id: $t) { projects(first: $n) { edges { node { id } } } } }';
  const cost = (r: { extensions?: Record<string, any> }) => r.extensions?.cost?.requested as number | undefined;

  it('prices each variables value on its own and gives a repeat the same price', async () => {
    const five = await h.gql(LIST, { t: teamId, n: 5 }, owner);
    const fifty = await h.gql(LIST, { t: teamId, n: 50 }, owner);
    const fiveAgain = await h.gql(LIST, { t: teamId, n: 5 }, owner);
    expect(five.errors).toBeUndefined();
    expect(cost(fifty)! > cost(five)!).toBe(true);
    expect(cost(fiveAgain)).toBe(cost(five));
  });

  it('still refuses a bad variable or a bad literal after the same document was priced', async () => {
    expect((await h.gql(LIST, { t: teamId, n: 5 }, owner)).status).toBe(200);
    const wrongType = await h.gql(LIST, { t: teamId, n: 'five' }, owner);
    expect(wrongType.status).toBe(400);
    expect(wrongType.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const nul = await h.gql('query($t: ID!) { team(id: $t) { id } }', { t: `${teamId}\u0000` }, owner);
    expect(nul.status).toBe(400);
    expect(nul.errors?.[0]?.message).toMatch(/\$t/);
    const literal = 'mutation { createTeam(input: { name: "a\\u0000b" }) { team { id } } }';
    for (let i = 0; i < 2; i++) {
      const r = await h.gql(literal, {}, owner);
      expect(r.status).toBe(400);
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('prices each operation of a document by its own name', async () => {
    const doc = 'query Small($t: ID!) { team(id: $t) { id } } query Large($t: ID!) { team(id: $t) { projects(first: 40) { edges { node { id name } } } } }';
    const send = async (operationName: string) => {
      const r = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: owner.cookie! }, body: JSON.stringify({ query: doc, variables: { t: teamId }, operationName }) });
      return ((await r.json()) as { extensions: { cost: { requested: number } } }).extensions.cost.requested;
    };
    const small = await send('Small');
    const large = await send('Large');
    expect(large > small).toBe(true);
    expect(await send('Small')).toBe(small);
  });
});

describe('response headers', () => {
  it('marks GraphQL answers no-store (Apollo cache-control plugin off) and sends no generated ETag', async () => {
    const ok = await h.gql(TEAM, { t: teamId }, owner);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(ok.headers.get('etag')).toBeNull();
    const failed = await h.gql('{ nope }', {}, owner);
    expect(failed.status).toBe(400);
    expect(failed.headers.get('cache-control')).toBe('no-store');
  });
});
