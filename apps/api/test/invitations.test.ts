// Invitations: an owner or admin creates a link for a role (expiring, single use, revocable, audited);
// whoever holds it signs in or up and joins with that role. Nothing is written by a refused attempt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Caller, type Harness } from './harness.ts';

let h: Harness;
let owner: Caller;
let admin: Caller;
let teamId: string;

const CREATE = 'mutation($i: CreateInvitationInput!) { createInvitation(input: $i) { secret invitation { id role state note expiresAt } userErrors { field message code } } }';
const PREVIEW = 'query($s: String!) { invitationPreview(secret: $s) { teamName role invitedBy state expiresAt } }';
const ACCEPT = 'mutation($s: String!) { acceptInvitation(secret: $s) { team { id name } membership { id role } userErrors { field message code } } }';
const REVOKE = 'mutation($i: ID!) { revokeInvitation(invitationId: $i) { invitation { id state revokedAt } userErrors { field message code } } }';

async function audit(action: string) {
  return h.sql(`SELECT "actorUserId", "teamId", "targetId", data FROM "AuditEvent" WHERE action = $1 ORDER BY id`, [action]);
}
async function invite(as: Caller, role = 'MEMBER', extra: Record<string, unknown> = {}) {
  const r = await h.gql(CREATE, { i: { teamId, role, ...extra } }, as);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data.createInvitation;
}

beforeAll(async () => {
  h = await startHarness();
  owner = await h.signUp('owner@example.org', 'Olga Owner');
  admin = await h.signUp('admin@example.org');
  teamId = await h.createTeam(owner, 'Invite Lab');
  await h.addMember(owner, teamId, 'admin@example.org', 'ADMIN');
});
afterAll(() => h.close());

describe('invitations', () => {
  it('an admin creates a link for a role; it is shown once, stored as a hash, audited', async () => {
    const r = await invite(admin, 'MEMBER', { expiresInHours: 48, note: 'for Dana (physics)' });
    expect(r.userErrors).toEqual([]);
    expect(r.secret).toMatch(/^swi_[A-Za-z0-9_-]{32}$/);
    expect(r.invitation).toMatchObject({ role: 'MEMBER', state: 'PENDING', note: 'for Dana (physics)' });
    expect(Date.parse(r.invitation.expiresAt) - Date.now()).toBeGreaterThan(47.9 * 3600_000);
    const rows = await h.sql('SELECT "tokenHash" FROM "Invitation"');
    expect(JSON.stringify(rows)).not.toContain(r.secret);
    expect((await audit('invitation.create')).at(-1)).toMatchObject({ data: { role: 'MEMBER', note: 'for Dana (physics)' } });
    // the admins' list shows it; the secret is never listed again
    const list = await h.gql('query($t: ID!) { team(id: $t) { invitations(open: true) { id role state createdBy { name } } } }', { t: teamId }, owner);
    expect(list.data.team.invitations).toEqual([{ id: r.invitation.id, role: 'MEMBER', state: 'PENDING', createdBy: { name: 'Test User' } }]);
    expect(JSON.stringify(list)).not.toContain(r.secret);
  });

  it('names the field and the rule for bad input, and only owners invite owners', async () => {
    for (const [extra, msg] of [
      [{ expiresInHours: 0 }, /expiresInHours = 0: must be at least 1 hour/],
      [{ expiresInHours: 721 }, /expiresInHours = 721: at most 720 hours/],
      [{ note: 'x'.repeat(201) }, /note = .*: at most 200 characters/],
    ] as const) {
      const before = (await h.sql('SELECT count(*)::int AS n FROM "Invitation"'))[0].n;
      const r = await h.gql(CREATE, { i: { teamId, role: 'VIEWER', ...extra } }, admin);
      expect(r.data.createInvitation.userErrors[0].message).toMatch(msg);
      expect(r.data.createInvitation.secret).toBeNull();
      expect((await h.sql('SELECT count(*)::int AS n FROM "Invitation"'))[0].n).toBe(before);
    }
    expect((await h.gql(CREATE, { i: { teamId, role: 'OWNER' } }, admin)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await invite(owner, 'OWNER')).invitation.role).toBe('OWNER');
  });

  it('the link shows its team and role before sign-in; a new user signs up and joins with that role', async () => {
    const { secret } = await invite(admin, 'MEMBER');
    expect((await h.gql(PREVIEW, { s: secret })).data.invitationPreview).toMatchObject({ teamName: 'Invite Lab', role: 'MEMBER', invitedBy: 'Test User', state: 'PENDING' });
    expect((await h.gql(PREVIEW, { s: 'swi_nottherealoneAAAAAAAAAAAAAAAAAAAA' })).data.invitationPreview).toBeNull();
    expect((await h.gql(PREVIEW, { s: '../../etc' })).data.invitationPreview).toBeNull();
    expect((await h.gql(ACCEPT, { s: secret })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const dana = await h.signUp('dana@example.org', 'Dana');
    const r = await h.gql(ACCEPT, { s: secret }, dana);
    expect(r.data.acceptInvitation).toMatchObject({ team: { id: teamId, name: 'Invite Lab' }, membership: { role: 'MEMBER' }, userErrors: [] });
    const teams = await h.gql('{ teams(first: 5) { edges { node { id viewerRole } } } }', {}, dana);
    expect(teams.data.teams.edges.map((e: any) => e.node)).toEqual([{ id: teamId, viewerRole: 'MEMBER' }]);
    const accepted = (await audit('invitation.accept')).at(-1);
    expect(accepted).toMatchObject({ actorUserId: Buffer.from(dana.userId, 'base64url').toString().split(':')[1], data: { role: 'MEMBER' } });
    expect((await h.gql(PREVIEW, { s: secret })).data.invitationPreview.state).toBe('ACCEPTED');

    // single use: a second person gets a clear refusal and nothing is written
    const eve = await h.signUp('eve@example.org');
    const before = (await h.sql('SELECT count(*)::int AS n FROM "Membership"'))[0].n;
    const again = await h.gql(ACCEPT, { s: secret }, eve);
    expect(again.data.acceptInvitation.userErrors[0]).toMatchObject({ code: 'INVITATION_USED', message: expect.stringMatching(/already used/) });
    expect((await h.sql('SELECT count(*)::int AS n FROM "Membership"'))[0].n).toBe(before);
    // the database keeps an accepted invitation final, whatever the application does
    await expect(h.sql(`UPDATE "Invitation" SET "acceptedById" = NULL, "acceptedAt" = NULL WHERE "acceptedAt" IS NOT NULL`)).rejects.toThrow(/already accepted/);
  });

  it('a member already in the team does not use the link up', async () => {
    const { secret } = await invite(owner, 'VIEWER');
    const r = await h.gql(ACCEPT, { s: secret }, admin);
    expect(r.data.acceptInvitation.userErrors[0]).toMatchObject({ code: 'ALREADY_MEMBER' });
    expect((await h.gql(PREVIEW, { s: secret })).data.invitationPreview.state).toBe('PENDING');
  });

  it('a revoked or expired link is refused; revoking is audited and cannot be undone', async () => {
    const a = await invite(admin, 'VIEWER');
    const rev = await h.gql(REVOKE, { i: a.invitation.id }, admin);
    expect(rev.data.revokeInvitation.invitation.state).toBe('REVOKED');
    expect((await audit('invitation.revoke')).at(-1)).toMatchObject({ targetId: expect.any(String), data: { role: 'VIEWER' } });
    const fay = await h.signUp('fay@example.org');
    expect((await h.gql(ACCEPT, { s: a.secret }, fay)).data.acceptInvitation.userErrors[0].code).toBe('INVITATION_REVOKED');
    await expect(h.sql(`UPDATE "Invitation" SET "revokedAt" = NULL WHERE "revokedAt" IS NOT NULL`)).rejects.toThrow(/already revoked/);

    const b = await invite(admin, 'VIEWER', { expiresInHours: 1 });
    await h.sql(`UPDATE "Invitation" SET "expiresAt" = now() - interval '1 minute' WHERE id = $1`, [Buffer.from(b.invitation.id, 'base64url').toString().split(':')[1]]);
    expect((await h.gql(PREVIEW, { s: b.secret })).data.invitationPreview.state).toBe('EXPIRED');
    expect((await h.gql(ACCEPT, { s: b.secret }, fay)).data.acceptInvitation.userErrors[0]).toMatchObject({ code: 'INVITATION_EXPIRED', message: expect.stringMatching(/expired on/) });

    // an accepted invitation cannot be revoked (remove the member instead)
    const c = await invite(admin, 'VIEWER');
    await h.gql(ACCEPT, { s: c.secret }, fay);
    expect((await h.gql(REVOKE, { i: c.invitation.id }, admin)).data.revokeInvitation.userErrors[0].code).toBe('ALREADY_ACCEPTED');
  });

  it('two people racing for one link: exactly one joins', async () => {
    const { secret } = await invite(admin, 'VIEWER');
    const [g, i] = [await h.signUp('gus@example.org'), await h.signUp('ida@example.org')];
    const results = await Promise.all([h.gql(ACCEPT, { s: secret }, g), h.gql(ACCEPT, { s: secret }, i)]);
    const joined = results.filter((r) => r.data.acceptInvitation.membership);
    expect(joined).toHaveLength(1);
    expect(results.find((r) => !r.data.acceptInvitation.membership)!.data.acceptInvitation.userErrors[0].code).toBe('INVITATION_USED');
  });

  it('members and viewers cannot see or manage invitations', async () => {
    const viewer = await h.signUp('viewer@example.org');
    await h.addMember(owner, teamId, 'viewer@example.org', 'VIEWER');
    const list = await h.gql('query($t: ID!) { team(id: $t) { invitations { id } } }', { t: teamId }, viewer);
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await h.gql(CREATE, { i: { teamId, role: 'VIEWER' } }, viewer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
