// Nested connections without N+1: the first page of children for MANY parents in one query
// (row_number() over each parent's keyset order). Used by the DataLoaders of nested lists.
import { Prisma } from '@slicewise/db';
import { direction, type Keyset, type Order, type TimeCursor } from './keyset.ts';
import { clientOf, type Db } from './transaction.repository.ts';

/** Tables and parent columns this may read (identifiers never come from input). */
const CHILD_LISTS = {
  Membership: 'teamId',
  Project: 'teamId',
  ConditionDistribution: 'projectId',
  Cohort: 'projectId',
} as const;
export type ChildTable = keyof typeof CHILD_LISTS;

export async function pagePerParent<T>(
  db: Db,
  table: ChildTable,
  parentIds: readonly string[],
  k: Keyset<TimeCursor>,
  base: Order,
  extraWhere: Prisma.Sql = Prisma.sql`TRUE`,
): Promise<(T & { rn: bigint })[]> {
  const parent = Prisma.raw(`"${CHILD_LISTS[table]}"`);
  const dir = direction(k, base);
  const order = Prisma.raw(dir === 'asc' ? 'ASC' : 'DESC');
  const cmp = Prisma.raw(dir === 'asc' ? '>' : '<');
  return clientOf(db).$queryRaw<(T & { rn: bigint })[]>`
    SELECT * FROM (
      SELECT c.*, row_number() OVER (PARTITION BY c.${parent} ORDER BY c."createdAt" ${order}, c.id ${order}) AS rn
      FROM ${Prisma.raw(`"${table}"`)} c
      WHERE c.${parent} = ANY(${[...parentIds]}::uuid[])
        AND ${extraWhere}
        AND (${k.cursor?.createdAt ?? null}::timestamptz IS NULL
             OR (c."createdAt", c.id) ${cmp} (${k.cursor?.createdAt ?? null}::timestamptz, ${k.cursor?.id ?? null}::uuid))
    ) x WHERE x.rn <= ${k.take}
    ORDER BY x.${parent}, x.rn`;
}
