import { createPrismaClient, type ClientOptions } from '@slicewise/db';
import { asDb, prismaOf, type Db } from './transaction.repository.ts';

/** Opens the process's database handle (a Prisma client on a pg pool). */
export function openDb(url: string, opts: ClientOptions = {}): { db: Db; close(): Promise<void> } {
  const prisma = createPrismaClient(url, opts);
  return { db: asDb(prisma), close: () => prismaOf(asDb(prisma)).$disconnect() };
}
