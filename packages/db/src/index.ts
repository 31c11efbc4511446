// The Prisma client and its generated types. Importable only from *.repository.ts files.
export * from './generated/client.ts';
export { createPrismaClient, sqlOf, type ClientOptions, type Sql } from './client.ts';
