import type { Prisma } from '@slicewise/db';
import { clientOf, type Db, type Tx } from '../common/transaction.repository.ts';

export interface ReferenceRow {
  id: string;
  teamId: string;
  projectId: string;
  sha256: string;
  filename: string;
  bytes: number;
  features: Record<string, unknown>;
  createdAt: Date;
}

export class ReferenceRepository {
  constructor(private readonly db: Db) {}

  findBySha(projectId: string, sha256: string): Promise<ReferenceRow | null> {
    return clientOf(this.db).referenceFile.findUnique({ where: { projectId_sha256: { projectId, sha256 } } }) as never;
  }
  create(tx: Tx, r: Omit<ReferenceRow, 'id' | 'createdAt'>): Promise<ReferenceRow> {
    return clientOf(this.db, tx).referenceFile.create({ data: { ...r, features: r.features as Prisma.InputJsonValue } }) as never;
  }
  findMany(ids: readonly string[]): Promise<ReferenceRow[]> {
    return clientOf(this.db).referenceFile.findMany({ where: { id: { in: [...ids] } } }) as never;
  }
  listForProject(projectId: string, take: number): Promise<ReferenceRow[]> {
    return clientOf(this.db).referenceFile.findMany({ where: { projectId }, orderBy: { createdAt: 'desc' }, take }) as never;
  }
}
