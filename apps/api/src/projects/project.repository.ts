import { Prisma } from '@slicewise/db';
import { direction, type Keyset, type TimeCursor } from '../common/keyset.ts';
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

  /** Newest first per team, the first `take` after the cursor, for many teams in ONE query. */
  projectsOfTeams(teamIds: readonly string[], k: Keyset<TimeCursor>, includeArchived: boolean) {
    const dir = direction(k, 'desc');
    const order = Prisma.raw(dir === 'asc' ? 'ASC' : 'DESC');
    const cmp = Prisma.raw(dir === 'asc' ? '>' : '<');
    return clientOf(this.db).$queryRaw<(ProjectRow & { rn: bigint })[]>`
      SELECT * FROM (
        SELECT p.*, row_number() OVER (PARTITION BY p."teamId" ORDER BY p."createdAt" ${order}, p.id ${order}) AS rn
        FROM "Project" p
        WHERE p."teamId" = ANY(${[...teamIds]}::uuid[])
          AND (${includeArchived} OR p."archivedAt" IS NULL)
          AND (${k.cursor?.createdAt ?? null}::timestamptz IS NULL
               OR (p."createdAt", p.id) ${cmp} (${k.cursor?.createdAt ?? null}::timestamptz, ${k.cursor?.id ?? null}::uuid))
      ) x WHERE x.rn <= ${k.take}
      ORDER BY x."teamId", x.rn`;
  }
}
