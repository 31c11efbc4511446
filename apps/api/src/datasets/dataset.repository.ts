import type { DatasetTag, DatasetVersion, Prisma } from '@slicewise/db';
import { GENERATED_VOLUME_STATUSES } from '@slicewise/lifecycle';
import { timeKeyset, type Keyset, type TimeCursor } from '../common/keyset.ts';
import { clientOf, type Db, type Tx } from '../common/transaction.repository.ts';

export type DatasetVersionRow = DatasetVersion;
export type TagRow = DatasetTag;
/** A version without its manifest columns (they hold the whole manifest, twice). */
export type DatasetVersionMeta = Omit<DatasetVersionRow, 'manifest' | 'manifestText'>;
const META_SELECT = { id: true, projectId: true, dataset: true, manifestHash: true, volumeCount: true, description: true, createdById: true, createdAt: true } as const;

export class DatasetRepository {
  constructor(private readonly db: Db) {}

  /** Cohorts with their model, distribution version and requester, for a manifest. */
  cohortsForManifest(projectId: string, ids: readonly string[]) {
    return clientOf(this.db).cohort.findMany({
      where: { projectId, id: { in: [...ids] } },
      include: { model: true, distributionVersion: true },
    });
  }
  volumesForManifest(cohortIds: readonly string[], filter: { onlyAccepted: boolean; volumeIds?: string[] | undefined }) {
    return clientOf(this.db).volume.findMany({
      where: {
        cohortId: { in: [...cohortIds] },
        status: { in: [...GENERATED_VOLUME_STATUSES] },
        ...(filter.onlyAccepted ? { reviewState: 'ACCEPTED' } : {}),
        ...(filter.volumeIds ? { id: { in: filter.volumeIds } } : {}),
      },
      orderBy: [{ cohortId: 'asc' }, { subjectIndex: 'asc' }],
    });
  }
  usersByIds(ids: readonly string[]) {
    return clientOf(this.db).user.findMany({ where: { id: { in: [...ids] } }, select: { id: true, email: true, name: true } });
  }
  findByHash(projectId: string, dataset: string, manifestHash: string, tx?: Tx): Promise<DatasetVersionRow | null> {
    return clientOf(this.db, tx).datasetVersion.findUnique({ where: { projectId_dataset_manifestHash: { projectId, dataset, manifestHash } } });
  }
  find(id: string): Promise<DatasetVersionRow | null> {
    return clientOf(this.db).datasetVersion.findUnique({ where: { id } });
  }
  findMeta(id: string): Promise<DatasetVersionMeta | null> {
    return clientOf(this.db).datasetVersion.findUnique({ where: { id }, select: META_SELECT });
  }
  /** A hash prefix (>= 8 hex) is accepted like git's abbreviated hashes, when unambiguous. */
  findMetaByHashPrefix(projectId: string, dataset: string, prefix: string): Promise<DatasetVersionMeta[]> {
    return clientOf(this.db).datasetVersion.findMany({ where: { projectId, dataset, manifestHash: { startsWith: prefix } }, take: 2, select: META_SELECT });
  }
  async manifestTextOf(id: string): Promise<string | null> {
    return (await clientOf(this.db).datasetVersion.findUnique({ where: { id }, select: { manifestText: true } }))?.manifestText ?? null;
  }
  findMany(ids: readonly string[]): Promise<DatasetVersionRow[]> {
    return clientOf(this.db).datasetVersion.findMany({ where: { id: { in: [...ids] } } });
  }
  create(tx: Tx, v: Omit<DatasetVersionRow, 'id' | 'createdAt' | 'manifest'> & { manifest: object }, volumeIds: string[]): Promise<DatasetVersionRow> {
    return clientOf(this.db, tx).datasetVersion.create({
      data: { ...v, manifest: v.manifest as Prisma.InputJsonValue, volumes: { create: volumeIds.map((volumeId) => ({ volumeId })) } },
    });
  }
  findTag(projectId: string, dataset: string, name: string, tx?: Tx): Promise<TagRow | null> {
    return clientOf(this.db, tx).datasetTag.findUnique({ where: { projectId_dataset_name: { projectId, dataset, name } } });
  }
  async setTag(tx: Tx, t: { projectId: string; dataset: string; name: string; datasetVersionId: string }): Promise<TagRow> {
    return clientOf(this.db, tx).datasetTag.upsert({
      where: { projectId_dataset_name: { projectId: t.projectId, dataset: t.dataset, name: t.name } },
      create: t,
      update: { datasetVersionId: t.datasetVersionId, updatedAt: new Date() },
    });
  }
  /** Every tag of one dataset, with the manifest hash it points at. */
  tagsOfDataset(projectId: string, dataset: string) {
    return clientOf(this.db).datasetTag.findMany({ where: { projectId, dataset }, orderBy: { name: 'asc' }, include: { datasetVersion: { select: { manifestHash: true } } } });
  }
  tagsOf(versionIds: readonly string[]): Promise<TagRow[]> {
    return clientOf(this.db).datasetTag.findMany({ where: { datasetVersionId: { in: [...versionIds] } }, orderBy: { name: 'asc' } });
  }
  listForProject(projectId: string, k: Keyset<TimeCursor>, dataset?: string): Promise<DatasetVersionRow[]> {
    const q = timeKeyset(k, 'desc');
    return clientOf(this.db).datasetVersion.findMany({ ...q, where: { projectId, ...(dataset ? { dataset } : {}), ...q.where } });
  }
  findProjectBySlug(teamIds: readonly string[], slug: string) {
    return clientOf(this.db).project.findMany({ where: { slug, teamId: { in: [...teamIds] } }, take: 2 });
  }

  createTrainingRun(tx: Tx, r: { projectId: string; name: string; url: string | null; metadata: object }, versionIds: string[]) {
    return clientOf(this.db, tx).trainingRun.create({
      data: { ...r, metadata: r.metadata as Prisma.InputJsonValue, datasets: { create: versionIds.map((datasetVersionId) => ({ datasetVersionId })) } },
      include: { datasets: true },
    });
  }
  trainingRunsUsing(versionId: string) {
    return clientOf(this.db).trainingRun.findMany({ where: { datasets: { some: { datasetVersionId: versionId } } }, include: { datasets: true }, orderBy: { createdAt: 'desc' } });
  }
  findTrainingRun(id: string) {
    return clientOf(this.db).trainingRun.findUnique({ where: { id }, include: { datasets: true } });
  }
  /** Versions (and their projects) containing a file with this sha256. */
  versionsWithFile(sha256: string) {
    return clientOf(this.db).datasetVersionVolume.findMany({
      where: { volume: { OR: [{ imageSha256: sha256 }, { maskSha256: sha256 }] } },
      include: { datasetVersion: true, volume: { include: { cohort: { include: { model: true, distributionVersion: { include: { distribution: true } } } } } } },
    });
  }
  volumesWithFile(sha256: string) {
    return clientOf(this.db).volume.findMany({
      where: { OR: [{ imageSha256: sha256 }, { maskSha256: sha256 }] },
      include: { cohort: { include: { model: true, distributionVersion: { include: { distribution: true } } } } },
    });
  }
}
