// Sign-up, sign-in, sessions and API tokens.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { Keyset, TimeCursor } from '../common/keyset.ts';
import { DomainError, ErrorCode, notFound } from '../common/errors.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import type { TransactionRunner } from '../common/transaction.repository.ts';
import { userError, validate } from '../common/validation.ts';
import type { Actor } from './actor.ts';
import type { AuthRepository, TokenRow, UserRow } from './auth.repository.ts';
import { maxScopeForRole, SCOPES, scopeWithin, type Scope } from './permissions.ts';
import {
  dummyPasswordHash,
  hashPassword,
  newSessionSecret,
  newTokenSecret,
  sha256Hex,
  TOKEN_PREFIX,
  verifyPassword,
} from './secrets.ts';

export const PASSWORD_MIN = 10;
/** A token's lastUsedAt is refreshed at most this often. */
export const TOKEN_TOUCH_INTERVAL_MS = 60_000;
const email = z
  .string()
  .trim()
  .max(254, 'at most 254 characters')
  .email('must be an email address like name@example.org')
  .transform((s) => s.toLowerCase());
const password = z
  .string()
  .min(PASSWORD_MIN, `must have at least ${PASSWORD_MIN} characters`)
  .max(256, 'at most 256 characters')
  .refine((p) => /[a-zA-Z]/.test(p) && /[^a-zA-Z]/.test(p), 'must mix letters with digits or symbols')
  .refine((p) => new Set(p).size >= 5, 'must use at least 5 different characters');

const signUpInput = z.object({
  email,
  password,
  name: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters'),
});
const signInInput = z.object({ email, password: z.string().min(1, 'must not be empty').max(256) });
const tokenInput = z.object({
  teamId: z.string(),
  name: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters'),
  scopes: z.array(z.enum(SCOPES, { message: `must be one of ${SCOPES.join(', ')}` })).min(1, 'choose at least one scope'),
  expiresAt: z.date().nullable().optional(),
});

export interface AuthConfig {
  sessionTtlHours: number;
  signInMaxAttempts: number;
  signInWindowSeconds: number;
  signInAccountMaxAttempts: number;
  signInAccountWindowSeconds: number;
}

const retryAfter = (r: unknown) => (r instanceof RateLimiterRes ? Math.max(1, Math.ceil(r.msBeforeNext / 1000)) : 1);

export class AuthService {
  private readonly signInLimiter: RateLimiterMemory;
  private readonly accountLimiter: RateLimiterMemory;

  constructor(
    private readonly repo: AuthRepository,
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
    private readonly config: AuthConfig,
  ) {
    this.signInLimiter = new RateLimiterMemory({ points: config.signInMaxAttempts, duration: config.signInWindowSeconds });
    this.accountLimiter = new RateLimiterMemory({ points: config.signInAccountMaxAttempts, duration: config.signInAccountWindowSeconds });
  }

  async signUp(scope: RequestScope, input: { email: string; password: string; name: string }, userAgent: string | null) {
    const data = validate(signUpInput, input);
    const passwordHash = await hashPassword(data.password);
    return this.tx.run(async (tx) => {
      const user = await this.repo.createUser(tx, { email: data.email, name: data.name, passwordHash });
      if (!user) throw userError(['email'], `email = "${data.email}": an account with this email already exists; sign in instead`, 'TAKEN');
      const session = await this.openSession(tx, user.id, userAgent);
      await this.audit.record(tx, { ...auditActor(scope), actorUserId: user.id, teamId: null, action: 'user.signUp', targetType: 'User', targetId: user.id });
      return { user, ...session };
    });
  }

  async signIn(scope: RequestScope, input: { email: string; password: string }, ip: string, userAgent: string | null) {
    const data = validate(signInInput, input);
    // Two limits: per (account, address), and per account across every address (so rotating
    // addresses does not help either). Each attempt counts; a success clears the first.
    const pairKey = `${data.email}|${ip}`;
    let pair: RateLimiterRes;
    try {
      pair = await this.signInLimiter.consume(pairKey);
    } catch (r) {
      await this.auditSignInFailure(scope, data.email, ip, r, 'address');
      throw new DomainError(ErrorCode.RATE_LIMITED, `Too many sign-in attempts for ${data.email}; wait ${this.config.signInWindowSeconds} s and try again`, { retryAfterSeconds: retryAfter(r) });
    }
    // The account limit counts failures only (a person signing in often is not an attack).
    const account = await this.accountLimiter.get(data.email);
    if (account && account.consumedPoints >= this.config.signInAccountMaxAttempts) {
      throw new DomainError(ErrorCode.RATE_LIMITED, `Too many failed sign-ins for ${data.email} from several places; wait ${retryAfter(account)} s and try again`, { retryAfterSeconds: retryAfter(account) });
    }
    const user = await this.repo.findUserByEmail(data.email);
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), data.password);
    if (!user || !ok) {
      const failures = await this.accountLimiter.consume(data.email).catch((r: unknown) => r);
      if (failures instanceof RateLimiterRes && failures.consumedPoints === this.config.signInAccountMaxAttempts) {
        await this.tx.run((tx) =>
          this.audit.record(tx, { ...auditActor(scope), actorUserId: null, teamId: null, action: 'user.signInLimited', targetType: 'User', targetId: user?.id ?? null, data: { email: data.email, ip, limit: 'account', attempts: failures.consumedPoints } }),
        );
      }
      // Audited once per (account, address) and window, not once per try: the log stays readable
      // under a guessing attack, and the limit events below say how far it went.
      if (pair.consumedPoints === 1) {
        await this.tx.run((tx) =>
          this.audit.record(tx, { ...auditActor(scope), actorUserId: null, teamId: null, action: 'user.signInFailed', targetType: 'User', targetId: user?.id ?? null, data: { email: data.email, ip, windowSeconds: this.config.signInWindowSeconds } }),
        );
      }
      throw userError(['password'], 'The email or password is wrong', 'WRONG_CREDENTIALS');
    }
    await this.signInLimiter.delete(pairKey);
    return this.tx.run(async (tx) => {
      const session = await this.openSession(tx, user.id, userAgent);
      await this.audit.record(tx, { ...auditActor(scope), actorUserId: user.id, teamId: null, action: 'user.signIn', targetType: 'User', targetId: user.id });
      return { user, ...session };
    });
  }

  /** One audit event when a limit is first reached in its window (later refusals are not recorded one by one). */
  private async auditSignInFailure(scope: RequestScope, email: string, ip: string, r: unknown, limit: 'address') {
    if (!(r instanceof RateLimiterRes)) throw r;
    const max = this.config.signInMaxAttempts;
    if (r.consumedPoints !== max + 1) return;
    const user = await this.repo.findUserByEmail(email);
    await this.tx.run((tx) =>
      this.audit.record(tx, { ...auditActor(scope), actorUserId: null, teamId: null, action: 'user.signInLimited', targetType: 'User', targetId: user?.id ?? null, data: { email, ip, limit, attempts: max } }),
    );
  }

  async signOut(scope: RequestScope): Promise<void> {
    const actor = scope.access.requireUser();
    await this.tx.run(async (tx) => {
      await this.repo.revokeSession(tx, actor.sessionId);
      await this.audit.record(tx, { ...auditActor(scope), teamId: null, action: 'user.signOut', targetType: 'Session', targetId: actor.sessionId });
    });
  }

  private async openSession(tx: Parameters<Parameters<TransactionRunner['run']>[0]>[0], userId: string, userAgent: string | null) {
    const secret = newSessionSecret();
    const expiresAt = new Date(Date.now() + this.config.sessionTtlHours * 3600_000);
    await this.repo.createSession(tx, { userId, tokenHash: sha256Hex(secret), expiresAt, userAgent });
    return { sessionSecret: secret, expiresAt };
  }

  /** Resolves the actor of a request from its session cookie or bearer token. */
  async resolveActor(sessionSecret: string | undefined, bearer: string | undefined): Promise<Actor | null> {
    if (bearer !== undefined) {
      const row = bearer.startsWith(TOKEN_PREFIX) ? await this.repo.findTokenByHash(sha256Hex(bearer)) : null;
      if (!row) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Unknown API token');
      if (row.revokedAt) throw new DomainError(ErrorCode.UNAUTHENTICATED, `API token "${row.name}" was revoked at ${row.revokedAt.toISOString()}`);
      if (row.expiresAt && row.expiresAt <= new Date()) {
        throw new DomainError(ErrorCode.UNAUTHENTICATED, `API token "${row.name}" expired at ${row.expiresAt.toISOString()}`);
      }
      // A token acts with at most its creator's current rights: removed from the team, it stops
      // working; demoted, its scopes shrink to what the new role may grant.
      const [membership] = await this.repo.membershipsOf(row.createdById, [row.teamId]);
      if (!membership) {
        throw new DomainError(ErrorCode.UNAUTHENTICATED, `API token "${row.name}" no longer works: its creator is not a member of its team any more`);
      }
      const cap = maxScopeForRole(membership.role);
      const scopes = [...new Set(row.scopes.map((s) => (scopeWithin(s, cap) ? s : cap)))];
      // lastUsedAt is shown to people at minute precision; writing it on every request would put a
      // committed UPDATE (a WAL flush) in front of each of a pipeline's hundreds of file downloads.
      if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= TOKEN_TOUCH_INTERVAL_MS) await this.repo.touchToken(row.id);
      return { kind: 'token', tokenId: row.id, teamId: row.teamId, scopes, createdById: row.createdById, ownerRole: membership.role };
    }
    if (sessionSecret) {
      const s = await this.repo.findSessionByHash(sha256Hex(sessionSecret));
      if (s && !s.revokedAt && s.expiresAt > new Date()) return { kind: 'user', userId: s.userId, sessionId: s.id };
    }
    return null;
  }

  async createToken(scope: RequestScope, input: { teamId: string; name: string; scopes: string[]; expiresAt?: Date | null }) {
    const user = scope.access.requireUser();
    const data = validate(tokenInput, input);
    const { role } = await scope.access.require('token.create', data.teamId, { type: 'Team', id: data.teamId });
    const max = maxScopeForRole(role!);
    const tooHigh = data.scopes.find((s) => !scopeWithin(s, max));
    if (tooHigh) throw userError(['scopes'], `scopes contains "${tooHigh}": your role ${role} may grant at most ${max}`, 'SCOPE_TOO_HIGH');
    if (data.expiresAt && data.expiresAt <= new Date()) {
      throw userError(['expiresAt'], `expiresAt = "${data.expiresAt.toISOString()}": must be in the future`);
    }
    const secret = newTokenSecret();
    const scopes = [...new Set(data.scopes)] as Scope[];
    return this.tx.run(async (tx) => {
      const token = await this.repo.createToken(tx, {
        teamId: data.teamId,
        createdById: user.userId,
        name: data.name,
        prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
        tokenHash: sha256Hex(secret),
        scopes,
        expiresAt: data.expiresAt ?? null,
      });
      await this.audit.record(tx, { ...auditActor(scope), teamId: data.teamId, action: 'token.create', targetType: 'ApiToken', targetId: token.id, data: { name: data.name, scopes } });
      return { token, secret };
    });
  }

  async revokeToken(scope: RequestScope, tokenId: string): Promise<TokenRow> {
    const token = await this.repo.findToken(tokenId);
    if (!token) throw notFound('ApiToken', tokenId);
    const { role } = await scope.access.require('token.revoke', token.teamId, { type: 'ApiToken', id: tokenId });
    const actor = scope.access.requireActor();
    const own = actor.kind === 'user' && actor.userId === token.createdById;
    if (actor.kind === 'user' && !own && role !== 'ADMIN' && role !== 'OWNER') {
      throw new DomainError(ErrorCode.FORBIDDEN, 'Only the token\'s creator or a team admin can revoke it');
    }
    if (token.revokedAt) return token;
    return this.tx.run(async (tx) => {
      const t = await this.repo.revokeToken(tx, tokenId);
      await this.audit.record(tx, { ...auditActor(scope), teamId: token.teamId, action: 'token.revoke', targetType: 'ApiToken', targetId: tokenId });
      return t;
    });
  }

  async getToken(scope: RequestScope, id: string): Promise<TokenRow> {
    const t = await this.repo.findToken(id);
    if (!t) throw notFound('ApiToken', id);
    await scope.access.require('token.list', t.teamId, { type: 'ApiToken', id });
    return t;
  }

  async listTokens(scope: RequestScope, teamId: string, k: Keyset<TimeCursor>) {
    await scope.access.require('token.list', teamId, { type: 'Team', id: teamId });
    return this.repo.listTokens(teamId, k);
  }

  usersByIds(ids: readonly string[]): Promise<UserRow[]> {
    return this.repo.findUsersByIds(ids);
  }
}
