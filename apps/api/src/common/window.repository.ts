// Nested connections without N+1: the first page of children for MANY parents in one query
// (row_number() over each parent's keyset order). Used by the DataLoaders of nested lists.
// Plain SQL (sqlFor): it runs on most list requests, and Prisma's $queryRaw cost ~0.5 ms of CPU more.
import { direction, type Keyset, type Order, type TimeCursor } from './keyset.ts';
import { sqlFor, type Db } from './transaction.repository.ts';

/** Tables and parent columns this may read (identifiers never come from input). */
const CHILD_LISTS = {
  Membership: 'teamId',
  Project: 'teamId',
  ConditionDistribution: 'projectId',
  Cohort: 'projectId',
} as const;
export type ChildTable = keyof typeof CHILD_LISTS;

/** Row filters a caller may add (fixed SQL: each variant is its own prepared statement). */
const FILTERS = { all: 'TRUE', unarchived: 'c."archivedAt" IS NULL' } as const;
export type ChildFilter = keyof typeof FILTERS;

export async function pagePerParent<T>(
  db: Db,
  table: ChildTable,
  parentIds: readonly string[],
  k: Keyset<TimeCursor>,
  base: Order,
  filter: ChildFilter = 'all',
): Promise<(T & { rn: bigint })[]> {
  const parent = `"${CHILD_LISTS[table]}"`;
  const dir = direction(k, base);
  const order = dir === 'asc' ? 'ASC' : 'DESC';
  const cmp = dir === 'asc' ? '>' : '<';
  const text = `
    SELECT * FROM (
      SELECT c.*, row_number() OVER (PARTITION BY c.${parent} ORDER BY c."createdAt" ${order}, c.id ${order}) AS rn
      FROM "${table}" c
      WHERE c.${parent} = ANY($1::uuid[])
        AND ${FILTERS[filter]}
        AND ($2::timestamptz IS NULL OR (c."createdAt", c.id) ${cmp} ($2::timestamptz, $3::uuid))
    ) x WHERE x.rn <= $4
    ORDER BY x.${parent}, x.rn`;
  return sqlFor(db).query<T & { rn: bigint }>(`pagePerParent.${table}.${dir}.${filter}`, text, [
    [...parentIds],
    k.cursor?.createdAt ?? null,
    k.cursor?.id ?? null,
    k.take,
  ]);
}
