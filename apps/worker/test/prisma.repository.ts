// Test helper: a Prisma client, as the API holds one (only *.repository.ts files may import @slicewise/db).
import { createPrismaClient } from '@slicewise/db';

export function prismaFor(url: string) {
  return createPrismaClient(url, { maxConnections: 2 });
}
