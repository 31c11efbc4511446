import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Caller, type Harness } from './harness.ts';

let h: Harness;
let owner: Caller;
let teamId: string;
beforeAll(async () => {
  h = await startHarness();
  owner = await h.signUp('owner@example.org', 'Olga');
  teamId = await h.createTeam(owner, 'Neuro Lab');
});
afterAll(() => h.close());

const CHANGE = 'mutation($m: ID!, $r: Role!) { changeMemberRole(membershipId: $m, role: $r) { membership { role } userErrors { field message code } } }';
const REMOVE = 'mutation($m: ID!) { removeMember(membershipId: $m) { membership { id } userErrors { field message code } } }';

describe('teams and members', () => {
  it('the creator is the owner; members are listed with users; every change is audited in its transaction', async () => {
    await h.signUp('ann@example.org', 'Ann');
    const m = await h.addMember(owner, teamId, 'ann@example.org', 'MEMBER');
    const r = await h.gql(CHANGE, { m, r: 'ADMIN' }, owner);
    expect(r.data.changeMemberRole.membership.role).toBe('ADMIN');
    const team = await h.gql('query($t: ID!) { team(id: $t) { slug viewerRole members(first: 10) { edges { node { role user { name } } } } } }', { t: teamId }, owner);
    expect(team.data.team.slug).toBe('neuro-lab');
    expect(team.data.team.viewerRole).toBe('OWNER');
    expect(team.data.team.members.edges.map((e: any) => [e.node.user.name, e.node.role])).toEqual([['Olga', 'OWNER'], ['Ann', 'ADMIN']]);
    const audit = await h.gql('query($t: ID!) { auditEvents(teamId: $t, first: 10) { edges { node { action actor { name } requestId data } } } }', { t: teamId }, owner);
    const actions = audit.data.auditEvents.edges.map((e: any) => e.node.action);
    expect(actions).toEqual(['member.changeRole', 'member.add', 'team.create']);
    expect(audit.data.auditEvents.edges[0].node).toMatchObject({ actor: { name: 'Olga' }, data: { from: 'MEMBER', to: 'ADMIN' } });
    expect(audit.data.auditEvents.edges[0].node.requestId).toBe(r.extensions!.requestId);
  });

  it('audit events can be filtered by actor, action and date', async () => {
    const me = await h.gql('{ viewer { id } }', {}, owner);
    const q = 'query($t: ID!, $f: AuditFilterInput) { auditEvents(teamId: $t, filter: $f, first: 50) { edges { node { action } } } }';
    const byAction = await h.gql(q, { t: teamId, f: { action: 'member.add' } }, owner);
    expect(byAction.data.auditEvents.edges.map((e: any) => e.node.action)).toEqual(['member.add']);
    const byActor = await h.gql(q, { t: teamId, f: { actorId: me.data.viewer.id } }, owner);
    expect(byActor.data.auditEvents.edges.length).toBeGreaterThanOrEqual(3);
    const future = await h.gql(q, { t: teamId, f: { since: new Date(Date.now() + 60_000).toISOString() } }, owner);
    expect(future.data.auditEvents.edges).toEqual([]);
  });

  it('the last owner can neither be demoted nor leave; with a second owner they can', async () => {
    const team = await h.gql('query($t: ID!) { team(id: $t) { members(first: 10) { edges { node { id role } } } } }', { t: teamId }, owner);
    const mine = team.data.team.members.edges.find((e: any) => e.node.role === 'OWNER').node.id;
    const before = (await h.sql('SELECT count(*)::int AS n FROM "AuditEvent"'))[0].n;
    const demote = await h.gql(CHANGE, { m: mine, r: 'MEMBER' }, owner);
    expect(demote.data.changeMemberRole.userErrors[0]).toMatchObject({ code: 'LAST_OWNER' });
    const leave = await h.gql(REMOVE, { m: mine }, owner);
    expect(leave.data.removeMember.userErrors[0]).toMatchObject({ code: 'LAST_OWNER' });
    expect((await h.sql('SELECT count(*)::int AS n FROM "AuditEvent"'))[0].n).toBe(before);
    await h.signUp('bea@example.org');
    const bea = await h.addMember(owner, teamId, 'bea@example.org', 'OWNER');
    expect(bea).toBeTruthy();
    const ok = await h.gql(REMOVE, { m: mine }, owner);
    expect(ok.data.removeMember.userErrors).toEqual([]);
    const gone = await h.gql('query($t: ID!) { team(id: $t) { id } }', { t: teamId }, owner);
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('adding an unknown user or a current member is a field error', async () => {
    const o2 = await h.signUp('o2@example.org');
    const t2 = await h.createTeam(o2, 'Second');
    const q = 'mutation($i: AddMemberInput!) { addMember(input: $i) { membership { id } userErrors { field code message } } }';
    const unknown = await h.gql(q, { i: { teamId: t2, email: 'ghost@example.org', role: 'MEMBER' } }, o2);
    expect(unknown.data.addMember.userErrors[0]).toMatchObject({ field: ['input', 'email'], code: 'NO_SUCH_USER' });
    const dup = await h.gql(q, { i: { teamId: t2, email: 'o2@example.org', role: 'MEMBER' } }, o2);
    expect(dup.data.addMember.userErrors[0]).toMatchObject({ field: ['input', 'email'], code: 'ALREADY_MEMBER' });
    const badRole = await h.gql('mutation($t: ID!) { addMember(input: { teamId: $t, email: "o2@example.org", role: KING }) { membership { id } } }', { t: t2 }, o2);
    expect(badRole.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('projects: create, update, archive (hidden unless asked), all audited; another team sees nothing', async () => {
    const o = await h.signUp('p@example.org');
    const t = await h.createTeam(o, 'Proj Team');
    const c = await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "Glioma Aug", description: "x" }) { project { id slug } } }', { t }, o);
    const pid = c.data.createProject.project.id;
    expect(c.data.createProject.project.slug).toBe('glioma-aug');
    const dup = await h.gql('mutation($t: ID!) { createProject(input: { teamId: $t, name: "Glioma Aug" }) { project { slug } } }', { t }, o);
    expect(dup.data.createProject.project.slug).toBe('glioma-aug-2');
    const bad = await h.gql('mutation($p: ID!) { updateProject(input: { projectId: $p, name: "" }) { project { id } userErrors { field message } } }', { p: pid }, o);
    expect(bad.data.updateProject.userErrors[0]).toMatchObject({ field: ['input', 'name'] });
    await h.gql('mutation($p: ID!) { archiveProject(projectId: $p) { project { archivedAt } } }', { p: pid }, o);
    const list = await h.gql('query($t: ID!) { team(id: $t) { projects(first: 10) { edges { node { name } } } all: projects(first: 10, includeArchived: true) { edges { node { name } } } } }', { t }, o);
    expect(list.data.team.projects.edges).toHaveLength(1);
    expect(list.data.team.all.edges).toHaveLength(2);
    const spy = await h.gql('query($p: ID!) { project(id: $p) { name } }', { p: pid }, owner);
    expect(spy.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(spy.data).toBeNull();
  });
});
