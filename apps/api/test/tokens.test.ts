import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Caller, type Harness } from './harness.ts';
import { fromGlobalId } from '../src/graphql/relay.ts';

let h: Harness;
let owner: Caller;
let viewer: Caller;
let teamId: string;
beforeAll(async () => {
  h = await startHarness();
  owner = await h.signUp('owner@example.org');
  viewer = await h.signUp('viewer@example.org');
  teamId = await h.createTeam(owner, 'Lab');
  await h.addMember(owner, teamId, 'viewer@example.org', 'VIEWER');
});
afterAll(() => h.close());

const TEAM = 'query($t: ID!) { team(id: $t) { name } }';

describe('API tokens', () => {
  it('is shown once, stored only as a hash, and works as a Bearer token; last use is recorded', async () => {
    const { id, secret } = await h.createToken(owner, teamId, ['READ']);
    expect(secret).toMatch(/^swt_[A-Za-z0-9_-]{43}$/);
    const rows = await h.sql('SELECT "tokenHash", prefix, "lastUsedAt" FROM "ApiToken"');
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows[0].lastUsedAt).toBeNull();
    const r = await h.gql(TEAM, { t: teamId }, { token: secret });
    expect(r.data.team.name).toBe('Lab');
    const list = await h.gql('query($t: ID!) { apiTokens(teamId: $t, first: 10) { edges { node { id prefix scopes lastUsedAt createdBy { email } } } } }', { t: teamId }, owner);
    const node = list.data.apiTokens.edges.find((e: any) => e.node.id === id).node;
    expect(node.lastUsedAt).not.toBeNull();
    expect(secret.startsWith(node.prefix)).toBe(true);
    expect(node.createdBy.email).toBe('owner@example.org');
    expect(JSON.stringify(list)).not.toContain(secret);
    // lastUsedAt is refreshed at most once a minute (a pipeline's hundreds of requests are not hundreds of writes)
    const [{ lastUsedAt: first }] = await h.sql('SELECT "lastUsedAt" FROM "ApiToken" WHERE "tokenHash" = encode(sha256($1::bytea), \'hex\')', [secret]);
    await h.gql(TEAM, { t: teamId }, { token: secret });
    const [{ lastUsedAt: again }] = await h.sql('SELECT "lastUsedAt" FROM "ApiToken" WHERE "tokenHash" = encode(sha256($1::bytea), \'hex\')', [secret]);
    expect(again).toEqual(first);
    await h.sql('UPDATE "ApiToken" SET "lastUsedAt" = now() - interval \'2 minutes\' WHERE "tokenHash" = encode(sha256($1::bytea), \'hex\')', [secret]);
    await h.gql(TEAM, { t: teamId }, { token: secret });
    const [{ lastUsedAt: later }] = await h.sql('SELECT "lastUsedAt" FROM "ApiToken" WHERE "tokenHash" = encode(sha256($1::bytea), \'hex\')', [secret]);
    expect(Date.now() - new Date(later).getTime()).toBeLessThan(30_000);
  });

  it('revoked, expired, unknown and malformed tokens are refused with a clear message', async () => {
    const revoked = await h.createToken(owner, teamId, ['READ']);
    await h.gql('mutation($id: ID!) { revokeApiToken(tokenId: $id) { token { revokedAt } } }', { id: revoked.id }, owner);
    const expiring = await h.createToken(owner, teamId, ['READ'], new Date(Date.now() + 3_600_000).toISOString());
    // let it lapse without racing the clock on a loaded machine
    await h.sql(`UPDATE "ApiToken" SET "expiresAt" = now() - interval '1 second' WHERE id = $1`, [fromGlobalId(expiring.id).id]);
    const cases: [string, Record<string, string>, RegExp][] = [
      ['revoked', { authorization: `Bearer ${revoked.secret}` }, /was revoked at/],
      ['expired', { authorization: `Bearer ${expiring.secret}` }, /expired at/],
      ['unknown', { authorization: 'Bearer swt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, /Unknown API token/],
      ['malformed header', { authorization: 'Token abc' }, /must be "Bearer <token>"/],
    ];
    for (const [label, headers, msg] of cases) {
      const r = await h.gql(TEAM, { t: teamId }, {}, headers);
      expect(r.status, label).toBe(401);
      expect(r.errors?.[0]?.extensions?.code, label).toBe('UNAUTHENTICATED');
      expect(r.errors?.[0]?.message, label).toMatch(msg);
      expect(r.errors?.[0]?.extensions?.requestId, label).toBeTruthy();
    }
  });

  it('a member may grant at most GENERATE, a viewer no token; bad input names the field and writes nothing', async () => {
    const before = (await h.sql('SELECT count(*)::int AS n FROM "ApiToken"'))[0].n;
    const q = 'mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret userErrors { field message code } } }';
    const fromViewer = await h.gql(q, { i: { teamId, name: 'x', scopes: ['READ'] } }, viewer);
    expect(fromViewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const member = await h.signUp('member@example.org');
    await h.addMember(owner, teamId, 'member@example.org', 'MEMBER');
    const high = await h.gql(q, { i: { teamId, name: 'x', scopes: ['ADMIN'] } }, member);
    expect(high.data.createApiToken.userErrors[0]).toMatchObject({ field: ['input', 'scopes'], code: 'SCOPE_TOO_HIGH' });
    const past = await h.gql(q, { i: { teamId, name: 'x', scopes: ['READ'], expiresAt: '2020-01-01T00:00:00Z' } }, owner);
    expect(past.data.createApiToken.userErrors[0]).toMatchObject({ field: ['input', 'expiresAt'] });
    const none = await h.gql(q, { i: { teamId, name: '', scopes: [] } }, owner);
    expect(none.data.createApiToken.userErrors.map((e: any) => e.field.join('.')).sort()).toEqual(['input.name', 'input.scopes']);
    expect((await h.sql('SELECT count(*)::int AS n FROM "ApiToken"'))[0].n).toBe(before);
    const ok = await h.gql(q, { i: { teamId, name: 'member pipeline', scopes: ['READ', 'GENERATE'] } }, member);
    expect(ok.data.createApiToken.secret).toBeTruthy();
  });

  it('a token acts only in its own team, and cannot manage members or create tokens', async () => {
    const otherOwner = await h.signUp('other@example.org');
    const otherTeam = await h.createTeam(otherOwner, 'Other');
    const { secret } = await h.createToken(owner, teamId, ['ADMIN']);
    const r = await h.gql(TEAM, { t: otherTeam }, { token: secret });
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const add = await h.gql('mutation($t: ID!) { addMember(input: { teamId: $t, email: "other@example.org", role: VIEWER }) { membership { id } } }', { t: teamId }, { token: secret });
    expect(add.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const teams = await h.gql('{ teams(first: 5) { edges { node { name viewerRole } } } }', {}, { token: secret });
    expect(teams.data.teams.edges).toEqual([{ node: { name: 'Lab', viewerRole: null } }]);
  });
});
