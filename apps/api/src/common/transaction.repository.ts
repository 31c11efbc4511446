// Transactions without leaking Prisma: services get an opaque `Tx` and hand it to repositories.
import { sqlOf, type PrismaClient, type Prisma, type Sql } from '@slicewise/db';

declare const txBrand: unique symbol;
/** An open transaction (opaque outside repositories). */
export type Tx = { readonly [txBrand]: true };
/** The database handle the process holds (opaque outside repositories). */
export type Db = { readonly [txBrand]: 'db' };

export type Client = PrismaClient | Prisma.TransactionClient;

export function asDb(prisma: PrismaClient): Db {
  return prisma as unknown as Db;
}
export function prismaOf(db: Db): PrismaClient {
  return db as unknown as PrismaClient;
}
/** Plain SQL on the pool, for the per-request hot reads (see `Sql` in packages/db/src/client.ts). */
export function sqlFor(db: Db): Sql {
  return sqlOf(prismaOf(db));
}
/** Inside a transaction when given one, else the pool. */
export function clientOf(db: Db, tx?: Tx): Client {
  return (tx as unknown as Prisma.TransactionClient | undefined) ?? prismaOf(db);
}

export class TransactionRunner {
  constructor(private readonly db: Db) {}
  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return prismaOf(this.db).$transaction((tx) => fn(tx as unknown as Tx), { timeout: 20_000 });
  }
}
