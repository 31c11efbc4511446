import type { Keyset, TimeCursor } from '../common/keyset.ts';
import { pagePerParent } from '../common/window.repository.ts';
import { clientOf, type Db, type Tx } from '../common/transaction.repository.ts';

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
