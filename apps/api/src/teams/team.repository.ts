import { timeKeyset, type Keyset, type TimeCursor } from '../common/keyset.ts';
import { pagePerParent } from '../common/window.repository.ts';
import { clientOf, sqlFor, type Db, type Tx } from '../common/transaction.repository.ts';
import type { Role } from '../auth/permissions.ts';

export interface TeamRow {
  id: string;
  slug: string;
  name: string;
  approvalThreshold: number | null;
  createdAt: Date;
}
export interface MembershipRow {
  id: string;
  teamId: string;
  userId: string;
  role: Role;
  createdAt: Date;
}

const TEAM_COLUMNS = 'id, slug, name, "approvalThreshold", "createdAt"';

export class TeamRepository {
  constructor(private readonly db: Db) {}

  // Both read on most team-scoped requests: plain SQL (sqlFor), not a Prisma call.
  async findTeam(id: string): Promise<TeamRow | null> {
    const [row] = await sqlFor(this.db).query<TeamRow>('team.byId', `SELECT ${TEAM_COLUMNS} FROM "Team" WHERE id = $1::uuid`, [id]);
    return row ?? null;
  }
  /** A team and the user's role in it (null: not a member), in one round trip. */
  async findTeamWithRole(id: string, userId: string): Promise<{ team: TeamRow; role: Role | null } | null> {
    const [row] = await sqlFor(this.db).query<TeamRow & { viewerRole: Role | null }>(
      'team.byIdWithRole',
      `SELECT ${TEAM_COLUMNS.replace(/(^|, )/g, '$1t.')}, m.role::text AS "viewerRole"
       FROM "Team" t LEFT JOIN "Membership" m ON m."teamId" = t.id AND m."userId" = $2::uuid
       WHERE t.id = $1::uuid`,
      [id, userId],
    );
    if (!row) return null;
    const { viewerRole, ...team } = row;
    return { team, role: viewerRole };
  }
  findTeamsByIds(ids: readonly string[]): Promise<TeamRow[]> {
    return sqlFor(this.db).query<TeamRow>('team.byIds', `SELECT ${TEAM_COLUMNS} FROM "Team" WHERE id = ANY($1::uuid[])`, [[...ids]]);
  }
  async slugTaken(slug: string): Promise<boolean> {
    return (await clientOf(this.db).team.count({ where: { slug } })) > 0;
  }
  createTeam(tx: Tx, data: { slug: string; name: string }, ownerId: string): Promise<TeamRow> {
    return clientOf(this.db, tx).team.create({ data: { ...data, memberships: { create: { userId: ownerId, role: 'OWNER' } } } });
  }
  updateTeam(tx: Tx, id: string, data: { name?: string; approvalThreshold?: number | null }): Promise<TeamRow> {
    return clientOf(this.db, tx).team.update({ where: { id }, data });
  }

  /** Teams the user belongs to, oldest membership first; cursor = membership (createdAt, id). */
  async teamsOfUser(userId: string, k: Keyset<TimeCursor>) {
    const q = timeKeyset(k, 'asc');
    return clientOf(this.db).membership.findMany({ ...q, where: { userId, ...q.where }, include: { team: true } });
  }

  findMembership(id: string): Promise<MembershipRow | null> {
    return clientOf(this.db).membership.findUnique({ where: { id } });
  }
  findMembershipOf(teamId: string, userId: string, tx?: Tx): Promise<MembershipRow | null> {
    return clientOf(this.db, tx).membership.findUnique({ where: { teamId_userId: { teamId, userId } } });
  }
  addMember(tx: Tx, teamId: string, userId: string, role: Role): Promise<MembershipRow> {
    return clientOf(this.db, tx).membership.create({ data: { teamId, userId, role } });
  }
  setRole(tx: Tx, id: string, role: Role): Promise<MembershipRow> {
    return clientOf(this.db, tx).membership.update({ where: { id }, data: { role } });
  }
  async removeMember(tx: Tx, id: string): Promise<void> {
    await clientOf(this.db, tx).membership.delete({ where: { id } });
  }
  /** Locks the team's owner rows so two concurrent demotions cannot both pass the last-owner check. */
  async countOwnersForUpdate(tx: Tx, teamId: string): Promise<number> {
    const rows = await clientOf(this.db, tx).$queryRaw<{ id: string }[]>`
      SELECT id FROM "Membership" WHERE "teamId" = ${teamId}::uuid AND role = 'OWNER' FOR UPDATE`;
    return rows.length;
  }

  /**
   * Members of several teams in ONE query (for DataLoader): the first `take` of each team after the
   * cursor, by (createdAt, id).
   */
  membersOfTeams(teamIds: readonly string[], k: Keyset<TimeCursor>) {
    return pagePerParent<MembershipRow>(this.db, 'Membership', teamIds, k, 'asc');
  }

  findUserByEmail(email: string) {
    return clientOf(this.db).user.findUnique({ where: { email }, select: { id: true, email: true } });
  }
}
