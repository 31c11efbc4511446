// Reads for the replay audit of a dataset version (which volumes it holds).
import { createPrismaClient, type PrismaClient } from '@slicewise/db';

export class ReplayAuditRepository {
  private readonly prisma: PrismaClient;

  constructor(databaseUrl: string) {
    this.prisma = createPrismaClient(databaseUrl, { maxConnections: 1 });
  }

  async version(id: string): Promise<{ id: string; dataset: string; manifestHash: string; volumeIds: string[] } | null> {
    const v = await this.prisma.datasetVersion.findUnique({ where: { id }, include: { volumes: { select: { volumeId: true } } } });
    return v ? { id: v.id, dataset: v.dataset, manifestHash: v.manifestHash, volumeIds: v.volumes.map((x) => x.volumeId).sort() } : null;
  }

  close(): Promise<void> {
    return this.prisma.$disconnect();
  }
}
