import type { ConditionDistribution, DistributionVersion, Prisma } from '@slicewise/db';
import { numberKeyset, type Keyset, type TimeCursor } from '../common/keyset.ts';
import { pagePerParent } from '../common/window.repository.ts';
import { clientOf, type Db, type Tx } from '../common/transaction.repository.ts';

export type DistributionRow = ConditionDistribution;
/** A distribution version; `spec` stays JSON here: services validate it against a model (validateSpec). */
export type VersionRow = DistributionVersion;

export class DistributionRepository {
  constructor(private readonly db: Db) {}

  find(id: string): Promise<DistributionRow | null> {
    return clientOf(this.db).conditionDistribution.findUnique({ where: { id } });
  }
  findVersion(id: string): Promise<(VersionRow & { distribution: DistributionRow }) | null> {
    return clientOf(this.db).distributionVersion.findUnique({ where: { id }, include: { distribution: true } });
  }
  async nameTaken(projectId: string, name: string, tx?: Tx): Promise<boolean> {
    return (await clientOf(this.db, tx).conditionDistribution.count({ where: { projectId, name } })) > 0;
  }
  create(tx: Tx, d: { teamId: string; projectId: string; name: string; description: string; createdById: string | null }): Promise<DistributionRow> {
    return clientOf(this.db, tx).conditionDistribution.create({ data: d });
  }
  /** Next version number, taken under a row lock on the distribution so concurrent edits cannot collide. */
  async addVersion(tx: Tx, v: { distributionId: string; modelId: string; spec: object; specHash: string; createdById: string | null; sourceFiles?: object }): Promise<VersionRow> {
    const c = clientOf(this.db, tx);
    await c.$queryRaw`SELECT id FROM "ConditionDistribution" WHERE id = ${v.distributionId}::uuid FOR UPDATE`;
    const last = await c.distributionVersion.findFirst({ where: { distributionId: v.distributionId }, orderBy: { version: 'desc' }, select: { version: true } });
    return c.distributionVersion.create({
      data: {
        distributionId: v.distributionId,
        version: (last?.version ?? 0) + 1,
        spec: v.spec as Prisma.InputJsonValue,
        specHash: v.specHash,
        modelId: v.modelId,
        createdById: v.createdById,
        sourceFiles: (v.sourceFiles ?? []) as Prisma.InputJsonValue,
      },
    });
  }
  latestVersion(distributionId: string): Promise<VersionRow | null> {
    return clientOf(this.db).distributionVersion.findFirst({ where: { distributionId }, orderBy: { version: 'desc' } });
  }
  /** Newest version first. */
  listVersions(distributionId: string, k: Keyset<number>): Promise<VersionRow[]> {
    const q = numberKeyset('version', k, 'desc');
    return clientOf(this.db).distributionVersion.findMany({ ...q, where: { distributionId, ...q.where } });
  }
  /** Newest first, for many projects in ONE query. */
  listForProjects(projectIds: readonly string[], k: Keyset<TimeCursor>) {
    return pagePerParent<DistributionRow>(this.db, 'ConditionDistribution', projectIds, k, 'desc');
  }
  findVersionsByIds(ids: readonly string[]): Promise<VersionRow[]> {
    return clientOf(this.db).distributionVersion.findMany({ where: { id: { in: [...ids] } } });
  }
  async cohortsUsing(versionId: string): Promise<number> {
    return clientOf(this.db).cohort.count({ where: { distributionVersionId: versionId } });
  }
}
