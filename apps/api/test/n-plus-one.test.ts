// Nested lists are batched: the SQL statement count of a nested query does not grow with the
// number of parents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Caller, type Harness } from './harness.ts';

let h: Harness;
let owner: Caller;
beforeAll(async () => {
  h = await startHarness();
  owner = await h.signUp('owner@example.org');
});
afterAll(() => h.close());

const NESTED = `{ teams(first: 10) { edges { node { name viewerRole
  members(first: 5) { edges { node { role user { email } team { name } } } }
  projects(first: 5) { edges { node { name team { slug } distributions(first: 3) { edges { node { name } } } cohorts(first: 3) { edges { node { name progress { total } } } } } } } } } } }`;

async function addTeams(n: number) {
  for (let i = 0; i < n; i++) {
    const t = await h.createTeam(owner, `Team ${Math.random()}`);
    for (let p = 0; p < 2; p++) await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "p" }) { project { id } } }', { t }, owner);
    const email = `m${Math.random()}@example.org`;
    await h.signUp(email);
    await h.addMember(owner, t, email, 'MEMBER');
  }
}

async function countQueries(): Promise<{ n: number; teams: number }> {
  const before = h.queryCount.n;
  const r = await h.gql(NESTED, {}, owner);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return { n: h.queryCount.n - before, teams: r.data.teams.edges.length };
}

describe('N+1', () => {
  it('the same number of SQL statements for 2 teams and for 8 teams', async () => {
    await addTeams(2);
    const small = await countQueries();
    await addTeams(6);
    const large = await countQueries();
    expect(small.teams).toBe(2);
    expect(large.teams).toBe(8);
    expect(large.n).toBe(small.n);
    // session + teams + roles + members + projects + users + teams-by-id: a handful, not per team.
    expect(large.n).toBeLessThanOrEqual(10);
  });
});
