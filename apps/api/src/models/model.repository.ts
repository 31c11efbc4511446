import type { Prisma } from '@slicewise/db';
import { clientOf, type Db } from '../common/transaction.repository.ts';

export interface ModelRow {
  id: string;
  name: string;
  version: string;
  metadata: Record<string, unknown>;
  fileHashes: Record<string, string>;
  registeredAt: Date;
}

export class ModelRepository {
  constructor(private readonly db: Db) {}

  /** Insert the (name, version) once; a known version is left as registered. */
  async upsert(m: { name: string; version: string; metadata: object; fileHashes: Record<string, string> }): Promise<ModelRow> {
    const row = await clientOf(this.db).model.upsert({
      where: { name_version: { name: m.name, version: m.version } },
      create: { name: m.name, version: m.version, metadata: m.metadata as Prisma.InputJsonValue, fileHashes: m.fileHashes },
      update: {},
    });
    return row as unknown as ModelRow;
  }

  async find(id: string): Promise<ModelRow | null> {
    return (await clientOf(this.db).model.findUnique({ where: { id } })) as unknown as ModelRow | null;
  }

  async findByIds(ids: readonly string[]): Promise<ModelRow[]> {
    return (await clientOf(this.db).model.findMany({ where: { id: { in: [...ids] } } })) as unknown as ModelRow[];
  }

  async listLatest(names: string[]): Promise<ModelRow[]> {
    const rows = await clientOf(this.db).model.findMany({ where: { name: { in: names } }, orderBy: [{ name: 'asc' }, { registeredAt: 'desc' }] });
    const seen = new Set<string>();
    return (rows as unknown as ModelRow[]).filter((r) => (seen.has(r.name) ? false : (seen.add(r.name), true)));
  }

  /** Seconds per volume of the most recent successful volumes of a model (for estimates). */
  async recentVolumeSeconds(modelId: string, limit = 50): Promise<number[]> {
    const rows = await clientOf(this.db).$queryRaw<{ s: number }[]>`
      SELECT EXTRACT(EPOCH FROM (v."finishedAt" - v."startedAt"))::float8 AS s
      FROM "Volume" v JOIN "Cohort" c ON c.id = v."cohortId"
      WHERE c."modelId" = ${modelId}::uuid AND v.status = 'SUCCEEDED' AND v."startedAt" IS NOT NULL AND v."finishedAt" IS NOT NULL
      ORDER BY v."finishedAt" DESC LIMIT ${limit}`;
    return rows.map((r) => r.s).filter((s) => Number.isFinite(s) && s > 0);
  }
}
