import { timeKeyset, type Keyset, type TimeCursor } from '../common/keyset.ts';
import { clientOf, sqlFor, type Db, type Tx } from '../common/transaction.repository.ts';
import type { Role, Scope } from './permissions.ts';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  createdAt: Date;
}

export interface SessionRow {
  id: string;
  userId: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface TokenRow {
  id: string;
  teamId: string;
  createdById: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

export class AuthRepository {
  constructor(private readonly db: Db) {}

  findUserByEmail(email: string): Promise<UserRow | null> {
    return clientOf(this.db).user.findUnique({ where: { email } });
  }

  async findUsersByIds(ids: readonly string[]): Promise<UserRow[]> {
    return clientOf(this.db).user.findMany({ where: { id: { in: [...ids] } } });
  }

  /** null when the email is taken (unique violation), so callers can report it as a field error. */
  async createUser(tx: Tx, data: { email: string; name: string; passwordHash: string }): Promise<UserRow | null> {
    const c = clientOf(this.db, tx);
    const existing = await c.user.findUnique({ where: { email: data.email }, select: { id: true } });
    if (existing) return null;
    return c.user.create({ data });
  }

  createSession(tx: Tx, data: { userId: string; tokenHash: string; expiresAt: Date; userAgent: string | null }) {
    return clientOf(this.db, tx).session.create({ data });
  }

  // Session, token and membership reads run on every authenticated request: plain SQL (sqlFor),
  // which costs this process a tenth of a Prisma call. Still one read per request: nothing is cached,
  // so a sign-out, a revoked token or a removed member takes effect on the very next request.
  async findSessionByHash(tokenHash: string): Promise<SessionRow | null> {
    const [row] = await sqlFor(this.db).query<SessionRow>(
      'session.byHash',
      'SELECT id, "userId", "expiresAt", "revokedAt" FROM "Session" WHERE "tokenHash" = $1',
      [tokenHash],
    );
    return row ?? null;
  }

  async touchSession(id: string): Promise<void> {
    await clientOf(this.db).session.update({ where: { id }, data: { lastSeenAt: new Date() } });
  }

  async revokeSession(tx: Tx, id: string): Promise<void> {
    await clientOf(this.db, tx).session.update({ where: { id }, data: { revokedAt: new Date() } });
  }

  async findTokenByHash(tokenHash: string): Promise<TokenRow | null> {
    const [row] = await sqlFor(this.db).query<TokenRow>(
      'apiToken.byHash',
      // scopes::text[]: node-postgres cannot parse an array of an enum type it does not know.
      'SELECT id, "teamId", "createdById", name, prefix, scopes::text[] AS scopes, "expiresAt", "revokedAt", "lastUsedAt", "createdAt" FROM "ApiToken" WHERE "tokenHash" = $1',
      [tokenHash],
    );
    return row ?? null;
  }

  async touchToken(id: string): Promise<void> {
    await clientOf(this.db).apiToken.update({ where: { id }, data: { lastUsedAt: new Date() } });
  }

  createToken(
    tx: Tx,
    data: { teamId: string; createdById: string; name: string; prefix: string; tokenHash: string; scopes: Scope[]; expiresAt: Date | null },
  ): Promise<TokenRow> {
    return clientOf(this.db, tx).apiToken.create({ data }) as Promise<TokenRow>;
  }

  findToken(id: string): Promise<TokenRow | null> {
    return clientOf(this.db).apiToken.findUnique({ where: { id } }) as Promise<TokenRow | null>;
  }

  async revokeToken(tx: Tx, id: string): Promise<TokenRow> {
    return clientOf(this.db, tx).apiToken.update({ where: { id }, data: { revokedAt: new Date() } }) as Promise<TokenRow>;
  }

  /** Newest first. */
  listTokens(teamId: string, k: Keyset<TimeCursor>): Promise<TokenRow[]> {
    const q = timeKeyset(k, 'desc');
    return clientOf(this.db).apiToken.findMany({ ...q, where: { teamId, ...q.where } }) as Promise<TokenRow[]>;
  }

  async teamIdsOf(userId: string): Promise<string[]> {
    const rows = await sqlFor(this.db).query<{ teamId: string }>('membership.teamIdsOf', 'SELECT "teamId" FROM "Membership" WHERE "userId" = $1::uuid', [userId]);
    return rows.map((m) => m.teamId);
  }

  membershipsOf(userId: string, teamIds: readonly string[]): Promise<{ teamId: string; role: Role }[]> {
    return sqlFor(this.db).query<{ teamId: string; role: Role }>(
      'membership.rolesOf',
      'SELECT "teamId", role::text AS role FROM "Membership" WHERE "userId" = $1::uuid AND "teamId" = ANY($2::uuid[])',
      [userId, [...teamIds]],
    );
  }
}
