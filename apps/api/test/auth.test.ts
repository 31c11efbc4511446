import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startHarness, type Harness } from './harness.ts';

const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { user { id email } userErrors { field message code } } }`;
const SIGN_IN = `mutation($i: SignInInput!) { signIn(input: $i) { user { id } userErrors { field message code } } }`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ SIGNIN_MAX_ATTEMPTS: '3', SIGNIN_WINDOW_SECONDS: '60' });
});
afterAll(() => h.close());

async function counts() {
  const [u] = await h.sql(`SELECT (SELECT count(*) FROM "User")::int AS users, (SELECT count(*) FROM "Session")::int AS sessions, (SELECT count(*) FROM "AuditEvent")::int AS audit`);
  return u;
}

describe('sign-up', () => {
  it('creates the user, stores an argon2id hash, sets an httpOnly session cookie, and audits', async () => {
    const r = await h.gql(SIGN_UP, { i: { email: 'Alice@Example.org', password: PASSWORD, name: 'Alice' } });
    expect(r.data.signUp.userErrors).toEqual([]);
    expect(r.data.signUp.user.email).toBe('alice@example.org');
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/sw_session=[A-Za-z0-9_-]{40,}/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const [row] = await h.sql(`SELECT "passwordHash" FROM "User" WHERE email = 'alice@example.org'`);
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain(PASSWORD);
    const audit = await h.sql(`SELECT action FROM "AuditEvent" WHERE action = 'user.signUp'`);
    expect(audit).toHaveLength(1);
  });

  it.each([
    ['malformed email', { email: 'not-an-email', password: PASSWORD, name: 'X' }, 'email', /email address/],
    ['weak password (short)', { email: 'weak@example.org', password: 'abc1', name: 'X' }, 'password', /at least 10/],
    ['weak password (letters only)', { email: 'weak@example.org', password: 'abcdefghijkl', name: 'X' }, 'password', /digits or symbols/],
    ['weak password (repetitive)', { email: 'weak@example.org', password: 'aaaa1111aaaa', name: 'X' }, 'password', /5 different/],
    ['empty name', { email: 'noname@example.org', password: PASSWORD, name: '  ' }, 'name', /must not be empty/],
  ])('%s: names the field and writes nothing', async (_label, input, field, message) => {
    const before = await counts();
    const r = await h.gql(SIGN_UP, { i: input });
    expect(r.data.signUp.user).toBeNull();
    const e = r.data.signUp.userErrors.find((x: { field: string[] }) => x.field.join('.') === `input.${field}`);
    expect(e, JSON.stringify(r.data.signUp.userErrors)).toBeDefined();
    expect(e.message).toMatch(message);
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(await counts()).toEqual(before);
  });

  it('duplicate sign-up (any case) is refused and writes nothing', async () => {
    await h.signUp('dup@example.org');
    const before = await counts();
    const r = await h.gql(SIGN_UP, { i: { email: 'DUP@example.org', password: PASSWORD, name: 'Again' } });
    expect(r.data.signUp.userErrors).toEqual([expect.objectContaining({ field: ['input', 'email'], code: 'TAKEN' })]);
    expect(await counts()).toEqual(before);
  });
});

describe('sign-in and sessions', () => {
  it('signs in, sees itself as viewer, signs out, and the cookie stops working', async () => {
    await h.signUp('bob@example.org', 'Bob');
    const r = await h.gql(SIGN_IN, { i: { email: 'bob@example.org', password: PASSWORD } });
    expect(r.data.signIn.userErrors).toEqual([]);
    const cookie = /sw_session=[^;]+/.exec(r.headers.get('set-cookie')!)![0];
    const me = await h.gql(`{ viewer { email name } }`, {}, { cookie });
    expect(me.data.viewer).toEqual({ email: 'bob@example.org', name: 'Bob' });
    const out = await h.gql(`mutation { signOut { ok } }`, {}, { cookie });
    expect(out.data.signOut.ok).toBe(true);
    expect(out.headers.get('set-cookie')).toMatch(/sw_session=;/);
    const after = await h.gql(`{ viewer { email } }`, {}, { cookie });
    expect(after.data.viewer).toBeNull();
  });

  it('wrong password and unknown email get the same error and no session', async () => {
    await h.signUp('carol@example.org');
    const before = await counts();
    for (const email of ['carol@example.org', 'nobody@example.org']) {
      const r = await h.gql(SIGN_IN, { i: { email, password: 'wrong-password-1' } });
      expect(r.data.signIn.user).toBeNull();
      expect(r.data.signIn.userErrors).toEqual([{ field: ['input', 'password'], message: 'The email or password is wrong', code: 'WRONG_CREDENTIALS' }]);
      expect(r.headers.get('set-cookie')).toBeNull();
    }
    expect((await counts()).sessions).toBe(before.sessions);
  });

  it('rate-limits repeated sign-in attempts for one email', async () => {
    await h.signUp('dave@example.org');
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await h.gql(SIGN_IN, { i: { email: 'dave@example.org', password: 'wrong-password-1' } });
      codes.push(r.errors?.[0]?.extensions?.code ?? r.data?.signIn?.userErrors?.[0]?.code);
    }
    expect(codes.slice(0, 3)).toEqual(['WRONG_CREDENTIALS', 'WRONG_CREDENTIALS', 'WRONG_CREDENTIALS']);
    expect(codes.slice(3)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    // Even the right password is refused while limited.
    const r = await h.gql(SIGN_IN, { i: { email: 'dave@example.org', password: PASSWORD } });
    expect(r.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(r.errors?.[0]?.message).toMatch(/Too many sign-in attempts for dave@example.org/);
  });
});
