// Keyset (cursor) pagination in both directions, for the Relay connections. A list has a base
// order; `first/after` walks it forwards, `last/before` backwards (query in the flipped order, then
// reverse the page). Repositories turn a Keyset into their query with these helpers.

export interface TimeCursor {
  createdAt: Date;
  id: string;
}

export interface Keyset<C> {
  /** Rows to fetch: the page size plus one (the extra row tells whether more exist). */
  take: number;
  cursor?: C | undefined;
  /** true for last/before. */
  backward: boolean;
}

export type Order = 'asc' | 'desc';

export function direction(k: Keyset<unknown>, base: Order): Order {
  return k.backward ? (base === 'asc' ? 'desc' : 'asc') : base;
}

/** Prisma `where` / `orderBy` for lists ordered by (createdAt, id). */
export function timeKeyset(k: Keyset<TimeCursor>, base: Order) {
  const dir = direction(k, base);
  const cmp = dir === 'asc' ? 'gt' : 'lt';
  const where = k.cursor ? { OR: [{ createdAt: { [cmp]: k.cursor.createdAt } }, { createdAt: k.cursor.createdAt, id: { [cmp]: k.cursor.id } }] } : {};
  return { where, orderBy: [{ createdAt: dir }, { id: dir }], take: k.take };
}

/** Prisma `where` / `orderBy` for lists ordered by one numeric column. */
export function numberKeyset<F extends string>(field: F, k: Keyset<number>, base: Order) {
  const dir = direction(k, base);
  const where = k.cursor !== undefined ? { [field]: { [dir === 'asc' ? 'gt' : 'lt']: k.cursor } } : {};
  return { where, orderBy: { [field]: dir } as Record<F, Order>, take: k.take };
}
