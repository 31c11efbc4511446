import type { Prisma, ReferenceFile } from '@slicewise/db';
import { clientOf, type Db, type Tx } from '../common/transaction.repository.ts';

/** A reference-mask upload; `features` is the JSON the service measured (reference.service.ts). */
export type ReferenceRow = ReferenceFile;

export class ReferenceRepository {
  constructor(private readonly db: Db) {}

  findBySha(projectId: string, sha256: string): Promise<ReferenceRow | null> {
    return clientOf(this.db).referenceFile.findUnique({ where: { projectId_sha256: { projectId, sha256 } } });
  }
  create(tx: Tx, r: Omit<ReferenceRow, 'id' | 'createdAt' | 'features'> & { features: object }): Promise<ReferenceRow> {
    return clientOf(this.db, tx).referenceFile.create({ data: { ...r, features: r.features as Prisma.InputJsonValue } });
  }
  findMany(ids: readonly string[]): Promise<ReferenceRow[]> {
    return clientOf(this.db).referenceFile.findMany({ where: { id: { in: [...ids] } } });
  }
  listForProject(projectId: string, take: number): Promise<ReferenceRow[]> {
    return clientOf(this.db).referenceFile.findMany({ where: { projectId }, orderBy: { createdAt: 'desc' }, take });
  }
}
