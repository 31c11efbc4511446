import type { Model, Prisma } from '@slicewise/db';
import type { ModelMetadata } from '@slicewise/models';
import { clientOf, type Db } from '../common/transaction.repository.ts';

/** A registered model. JSON fields narrowed: `metadata` passed parseModelMetadata when it was registered. */
export type ModelRow = Omit<Model, 'metadata' | 'fileHashes'> & { metadata: ModelMetadata; fileHashes: Record<string, string> };

/** The one place a stored model becomes a ModelRow. */
const asModelRow = (m: Model): ModelRow => m as Omit<Model, 'metadata' | 'fileHashes'> as ModelRow;

export class ModelRepository {
  constructor(private readonly db: Db) {}

  /** Insert the (name, version) once; a known version is left as registered. */
  async upsert(m: { name: string; version: string; metadata: object; fileHashes: Record<string, string> }): Promise<ModelRow> {
    const row = await clientOf(this.db).model.upsert({
      where: { name_version: { name: m.name, version: m.version } },
      create: { name: m.name, version: m.version, metadata: m.metadata as Prisma.InputJsonValue, fileHashes: m.fileHashes },
      update: {},
    });
    return asModelRow(row);
  }

  async find(id: string): Promise<ModelRow | null> {
    const m = await clientOf(this.db).model.findUnique({ where: { id } });
    return m && asModelRow(m);
  }

  async findByIds(ids: readonly string[]): Promise<ModelRow[]> {
    return (await clientOf(this.db).model.findMany({ where: { id: { in: [...ids] } } })).map(asModelRow);
  }

  /** Rows of exact (name, version) registrations. */
  async findByNameVersions(pairs: readonly { name: string; version: string }[]): Promise<ModelRow[]> {
    if (pairs.length === 0) return [];
    const rows = await clientOf(this.db).model.findMany({ where: { OR: pairs.map((p) => ({ name: p.name, version: p.version })) } });
    return rows.map(asModelRow);
  }

  async listLatest(names: string[]): Promise<ModelRow[]> {
    const rows = await clientOf(this.db).model.findMany({ where: { name: { in: names } }, orderBy: [{ name: 'asc' }, { registeredAt: 'desc' }] });
    const seen = new Set<string>();
    return rows.map(asModelRow).filter((r) => (seen.has(r.name) ? false : (seen.add(r.name), true)));
  }
}
