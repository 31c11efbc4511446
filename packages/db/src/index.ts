// The Prisma client and its generated types. Importable only from *.repository.ts files.
export * from './generated/client.ts';
export { createPrismaClient, type ClientOptions } from './client.ts';
