import type { Keyset, TimeCursor } from '../common/keyset.ts';
import { pagePerParent } from '../common/window.repository.ts';
import { clientOf, sqlFor, type Db, type Tx } from '../common/transaction.repository.ts';
import type { Role } from '../auth/permissions.ts';

export interface ProjectRow {
  id: string;
  teamId: string;
  slug: string;
  name: string;
  description: string;
  createdAt: Date;
  archivedAt: Date | null;
}

export class ProjectRepository {
  constructor(private readonly db: Db) {}

  findProject(id: string): Promise<ProjectRow | null> {
    return clientOf(this.db).project.findUnique({ where: { id } });
  }
  /** A project and the user's role in its team (null: not a member), in one round trip (plain SQL, sqlFor). */
  async findProjectWithRole(id: string, userId: string): Promise<{ project: ProjectRow; role: Role | null } | null> {
    const [row] = await sqlFor(this.db).query<ProjectRow & { viewerRole: Role | null }>(
      'project.byIdWithRole',
      `SELECT p.id, p."teamId", p.slug, p.name, p.description, p."createdAt", p."archivedAt", m.role::text AS "viewerRole"
       FROM "Project" p LEFT JOIN "Membership" m ON m."teamId" = p."teamId" AND m."userId" = $2::uuid
       WHERE p.id = $1::uuid`,
      [id, userId],
    );
    if (!row) return null;
    const { viewerRole, ...project } = row;
    return { project, role: viewerRole };
  }
  findProjectsByIds(ids: readonly string[]): Promise<ProjectRow[]> {
    return clientOf(this.db).project.findMany({ where: { id: { in: [...ids] } } });
  }
  async slugTaken(teamId: string, slug: string, tx?: Tx): Promise<boolean> {
    return (await clientOf(this.db, tx).project.count({ where: { teamId, slug } })) > 0;
  }
  create(tx: Tx, data: { teamId: string; slug: string; name: string; description: string }): Promise<ProjectRow> {
    return clientOf(this.db, tx).project.create({ data });
  }
  update(tx: Tx, id: string, data: { name?: string; description?: string; archivedAt?: Date }): Promise<ProjectRow> {
    return clientOf(this.db, tx).project.update({ where: { id }, data });
  }

  /** Newest first per team, for many teams in ONE query. */
  projectsOfTeams(teamIds: readonly string[], k: Keyset<TimeCursor>, includeArchived: boolean) {
    return pagePerParent<ProjectRow>(this.db, 'Project', teamIds, k, 'desc', includeArchived ? 'all' : 'unarchived');
  }
}
