import 'reflect-metadata';
// Relay conventions: global IDs, cursors, and bounded connection arguments.
import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { DomainError, ErrorCode } from '../common/errors.ts';
import type { Keyset, TimeCursor } from '../common/keyset.ts';

export const MAX_PAGE = 100;

/** Global ID = base64url("Type:rawId"). */
export function toGlobalId(type: string, id: string): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

/**
 * The GraphQL object of a row: the row's columns (type-graphql sends declared @Fields only, so a column
 * without one never leaves the server), its global id, its raw id, then `overrides` for fields that are
 * not the column as it is. Rows with secrets (users, tokens) are mapped field by field instead.
 */
export function nodeOf<T extends object>(cls: new () => T, type: string, row: { id: string }, overrides: Partial<T> = {}): T {
  return Object.assign(new cls(), row, { id: toGlobalId(type, row.id), rawId: row.id }, overrides);
}

/** Types whose raw ids are numbers (bigint identity columns); every other type has uuid ids. */
const NUMERIC_ID_TYPES = new Set(['AuditEvent']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Decodes a global id. The raw id must have its type's own format (a uuid, or digits for numeric
 * types), so a forged `Project:1` is NOT_FOUND here instead of a database error later.
 */
export function fromGlobalId(globalId: string, expected?: string): { type: string; id: string } {
  const raw = globalId.length <= 200 ? Buffer.from(globalId, 'base64url').toString('utf8') : '';
  const i = raw.indexOf(':');
  const type = i > 0 ? raw.slice(0, i) : '';
  const id = i > 0 ? raw.slice(i + 1) : '';
  const wellFormed = NUMERIC_ID_TYPES.has(type) ? /^[1-9]\d{0,17}$/.test(id) : UUID.test(id);
  if (!type || !wellFormed || (expected && type !== expected)) {
    throw new DomainError(
      ErrorCode.NOT_FOUND,
      `${expected ?? 'Object'} ${JSON.stringify(globalId)} was not found (not a valid ${expected ?? ''} id)`.replace('  ', ' '),
      { id: globalId },
    );
  }
  return { type, id };
}

export interface KeysetCursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(c: KeysetCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined | null, field = 'after'): KeysetCursor | undefined {
  if (cursor == null) return undefined;
  try {
    if (cursor.length > 200) throw new Error('too long');
    const [iso, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(iso);
    // A forged cursor must not reach the database: a uuid and a date PostgreSQL can store.
    const year = createdAt.getUTCFullYear();
    if (typeof iso !== 'string' || Number.isNaN(createdAt.getTime()) || year < 1 || year > 9999 || typeof id !== 'string' || !UUID.test(id)) throw new Error('bad');
    return { createdAt, id };
  } catch {
    throw new DomainError(ErrorCode.BAD_INPUT, `${field} = ${JSON.stringify(cursor)} is not a cursor returned by this connection`, { field });
  }
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Forward page size, 1..${MAX_PAGE}. One of first/last is required.` })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Backward page size, 1..${MAX_PAGE}.` })
  last?: number | null;

  @Field(() => String, { nullable: true })
  before?: string | null;
}

/** Validates first/last: exactly one, within 1..MAX_PAGE. Returns the page size. */
export function pageSize(args: PageArgs): number {
  const { first, last } = args;
  if (first == null && last == null) {
    throw new DomainError(ErrorCode.BAD_INPUT, `A connection needs "first" or "last" (1..${MAX_PAGE})`, { field: 'first' });
  }
  if (first != null && last != null) {
    throw new DomainError(ErrorCode.BAD_INPUT, 'Pass either "first" or "last", not both', { field: 'last' });
  }
  const n = (first ?? last)!;
  const field = first != null ? 'first' : 'last';
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw new DomainError(ErrorCode.BAD_INPUT, `${field} = ${n}: must be between 1 and ${MAX_PAGE}`, { field });
  }
  if (first != null && args.before != null) throw new DomainError(ErrorCode.BAD_INPUT, '"before" goes with "last"; use "after" with "first"', { field: 'before' });
  if (last != null && args.after != null) throw new DomainError(ErrorCode.BAD_INPUT, '"after" goes with "first"; use "before" with "last"', { field: 'after' });
  return n;
}

/**
 * The keyset a connection's arguments ask for: `first/after` forwards, `last/before` backwards, with
 * the cursor decoded by `decode` (which names the argument in its error).
 */
export function pageOf<C>(args: PageArgs, decode: (cursor: string, field: string) => C): { size: number; keyset: Keyset<C> } {
  const size = pageSize(args);
  const backward = args.last != null;
  const raw = backward ? args.before : args.after;
  const keyset: Keyset<C> = { take: size + 1, backward };
  if (raw != null) keyset.cursor = decode(raw, backward ? 'before' : 'after');
  return { size, keyset };
}

export const timeCursor = (cursor: string, field: string): TimeCursor => decodeCursor(cursor, field)!;
/** A cursor over an int4 column (version numbers, subject indices). */
export function numberCursor(cursor: string, field: string): number {
  const n = /^-?\d{1,10}$/.test(cursor) ? Number(cursor) : NaN;
  if (!(n >= -(2 ** 31) && n < 2 ** 31)) throw new DomainError(ErrorCode.BAD_INPUT, `${field} = ${JSON.stringify(cursor)} is not a cursor returned by this connection`, { field });
  return n;
}
/** A cursor over a bigint column (audit event ids). */
export function bigNumberCursor(cursor: string, field: string): number {
  if (!/^-?\d{1,15}$/.test(cursor)) throw new DomainError(ErrorCode.BAD_INPUT, `${field} = ${JSON.stringify(cursor)} is not a cursor returned by this connection`, { field });
  return Number(cursor);
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => Boolean) hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
}

/**
 * Builds a connection from up to `size + 1` rows in query order (the extra row tells whether more
 * exist in that direction); a backward page is put back into the list's order.
 */
export function toConnection<R, T>(rows: R[], page: { size: number; keyset: Keyset<unknown> }, cursorOf: (r: R) => string, toNode: (r: R) => T): Connection<T> {
  const { size, keyset } = page;
  const slice = rows.slice(0, size);
  if (keyset.backward) slice.reverse();
  const more = rows.length > size;
  const edges = slice.map((r) => ({ cursor: cursorOf(r), node: toNode(r) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: keyset.backward ? keyset.cursor !== undefined : more,
      hasPreviousPage: keyset.backward ? more : keyset.cursor !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
