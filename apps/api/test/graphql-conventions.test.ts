import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Caller, type Harness } from './harness.ts';

let h: Harness;
let owner: Caller;
let teamId: string;
beforeAll(async () => {
  h = await startHarness({ GRAPHQL_MAX_DEPTH: '8', GRAPHQL_MAX_COST: '3000' });
  owner = await h.signUp('owner@example.org');
  teamId = await h.createTeam(owner, 'Conventions');
  for (let i = 0; i < 5; i++) await h.gql('mutation($t: ID!, $n: String!) { createProject(input: { teamId: $t, name: $n }) { project { id } } }', { t: teamId, n: `P${i}` }, owner);
});
afterAll(() => h.close());

const PROJECTS = 'query($t: ID!, $first: Int, $after: String, $last: Int, $before: String) { team(id: $t) { projects(first: $first, after: $after, last: $last, before: $before) { edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }';

describe('connections', () => {
  it('pages forward with cursors until hasNextPage is false', async () => {
    const names: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const r = await h.gql(PROJECTS, { t: teamId, first: 2, after }, owner);
      const c = r.data.team.projects;
      names.push(...c.edges.map((e: any) => e.node.name));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(names).toEqual(['P4', 'P3', 'P2', 'P1', 'P0']);
  });

  it('pages backward with last/before, in the same order, until hasPreviousPage is false', async () => {
    const last = await h.gql(PROJECTS, { t: teamId, last: 2 }, owner);
    expect(last.data.team.projects.edges.map((e: any) => e.node.name)).toEqual(['P1', 'P0']);
    expect(last.data.team.projects.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const names: string[] = last.data.team.projects.edges.map((e: any) => e.node.name);
    let before = last.data.team.projects.pageInfo.startCursor;
    for (let page = 0; page < 5 && before; page++) {
      const r = await h.gql(PROJECTS, { t: teamId, last: 2, before }, owner);
      const c = r.data.team.projects;
      names.unshift(...c.edges.map((e: any) => e.node.name));
      before = c.pageInfo.hasPreviousPage ? c.pageInfo.startCursor : null;
    }
    expect(names).toEqual(['P4', 'P3', 'P2', 'P1', 'P0']);
    // Backward on a top-level list too (audit events: newest first, numeric cursors).
    const audit = await h.gql('query($t: ID!) { auditEvents(teamId: $t, last: 1) { edges { node { action } } } }', { t: teamId }, owner);
    expect(audit.data.auditEvents.edges.map((e: any) => e.node.action)).toEqual(['team.create']);
  });

  it.each([
    [{ first: 2, last: 2 }, /either "first" or "last"/],
    [{ last: 101 }, /last = 101: must be between 1 and 100/],
    [{ first: 10000 }, /first = 10000: must be between 1 and 100/],
    [{ first: 0 }, /first = 0: must be between 1 and 100/],
    [{}, /needs "first" or "last"/],
    [{ first: 2, after: 'garbage' }, /is not a cursor/],
  ])('rejects %j with a clear message', async (args, msg) => {
    const r = await h.gql(PROJECTS, { t: teamId, ...args }, owner);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(msg);
  });
});

describe('global ids', () => {
  it('node(id) returns any object the caller may see, typed', async () => {
    const p = await h.gql(PROJECTS, { t: teamId, first: 1 }, owner);
    const t = await h.gql('query($id: ID!) { node(id: $id) { __typename id ... on Team { name } } }', { id: teamId }, owner);
    expect(t.data.node).toMatchObject({ __typename: 'Team', id: teamId, name: 'Conventions' });
    expect(p.data.team.projects.edges).toHaveLength(1);
    const bad = await h.gql('query($id: ID!) { node(id: $id) { id } }', { id: 'not-an-id' }, owner);
    expect(bad.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('limits', () => {
  it('reports the query cost in extensions', async () => {
    const r = await h.gql(PROJECTS, { t: teamId, first: 2 }, owner);
    expect(r.extensions?.cost).toEqual({
      requested: expect.any(Number),
      limit: 3000,
      budget: { limit: 250_000, remaining: expect.any(Number), resetAt: expect.any(String), windowSeconds: 60 },
    });
    expect(r.extensions!.cost.budget.remaining).toBeLessThanOrEqual(250_000 - r.extensions!.cost.requested);
    expect(r.extensions!.cost.requested).toBeGreaterThan(2);
  });

  it('rejects an over-deep query with a clear message and runs nothing', async () => {
    const deep = '{ teams(first: 1) { edges { node { members(first: 1) { edges { node { team { members(first: 1) { edges { node { id } } } } } } } } } } }';
    const r = await h.gql(deep, {}, owner);
    // Depth is a validation rule, so Apollo reports it as a validation failure with our message.
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.errors?.[0]?.message).toMatch(/Query depth \d+ exceeds the limit of 8/);
    expect(r.data).toBeUndefined();
  });

  it('rejects an over-expensive query before executing it', async () => {
    const before = h.queryCount.n;
    const costly = '{ teams(first: 100) { edges { node { members(first: 100) { edges { node { id role } } } } } } }';
    const r = await h.gql(costly, {}, owner);
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions, JSON.stringify(r)).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxCost: 3000 });
    expect(r.errors?.[0]?.message).toMatch(/Query cost \d+ exceeds the limit of 3000/);
    // Only the session lookup ran; no resolver touched the database.
    expect(h.queryCount.n - before).toBeLessThanOrEqual(2);
  });
});

describe('errors and request ids', () => {
  it('echoes a valid incoming x-request-id in the header and in every error', async () => {
    const r = await h.gql('query($id: ID!) { team(id: $id) { id } }', { id: 'nope' }, owner, { 'x-request-id': 'trace-abc-12345' });
    expect(r.headers.get('x-request-id')).toBe('trace-abc-12345');
    expect(r.errors?.[0]?.extensions?.requestId).toBe('trace-abc-12345');
    expect(r.extensions?.requestId).toBe('trace-abc-12345');
  });

  it('refuses text the database cannot hold as the client\'s mistake (400), naming it', async () => {
    const r = await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "bad\\u0000name" }) { project { id } } }', { t: teamId }, owner);
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/NUL character/);
    expect(r.errors?.[0]?.extensions?.requestId).toMatch(/[0-9a-f-]{36}/);
  });

  it('masks unexpected errors (no internals leak)', async () => {
    const { formatError } = await import('../src/graphql/errors.ts');
    const out = formatError({ message: 'connect ECONNREFUSED postgres://app:pw@db', extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] } }, new Error('connect ECONNREFUSED postgres://app:pw@db'));
    expect(out).toEqual({ message: 'Internal server error; quote the requestId when reporting it', path: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
