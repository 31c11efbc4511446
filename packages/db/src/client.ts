// The Prisma client. Only repositories (and this package) import it: see eslint.config.js.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client.ts';
import { connectionFields } from './migration-adapter.ts';

export interface ClientOptions {
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Called once per SQL statement sent (for query-count tests and metrics), Prisma's and `sqlOf`'s. */
  onQuery?: (sql: string) => void;
  /** A role to SET at session start (packages/db/src/app-role.ts, fallback 3). */
  role?: string | null;
  /** PostgreSQL's statement_timeout for every statement of this client (ms). */
  statementTimeoutMs?: number;
  /** How long a query waits for a free pooled connection before it fails (ms; default: without limit). */
  connectionWaitMs?: number;
}

/**
 * Plain SQL on the client's own pool, for the few reads every request makes (session, token,
 * membership, a team, a page of children). Each Prisma 6.19 call (engineType "client") spends
 * 0.5-1 ms of this process's CPU compiling and interpreting its query plan in WebAssembly, 5-10x the
 * round trip itself (`npm run bench:api`, README "Benchmarks"); these statements skip that and are
 * prepared once per connection under their name.
 *
 * Rows come back as node-postgres builds them, with one change so they match what Prisma's
 * `$queryRaw` returns: int8 (BIGINT, `row_number()`) becomes a bigint, not a string (int8[] is not converted). Enum columns
 * arrive as text; enum ARRAYS must be cast in the statement (`scopes::text[]`), pg does not know
 * their type. Outside transactions only: a transaction's statements stay on its Prisma client.
 */
export interface Sql {
  query<T>(name: string, text: string, values: readonly unknown[]): Promise<T[]>;
}

const INT8_OID = 20;
const rowTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (v: string) => BigInt(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

const sqlByClient = new WeakMap<PrismaClient, Sql>();

/** The plain-SQL reader of a client made by createPrismaClient (same pool, same role and timeouts). */
export function sqlOf(client: PrismaClient): Sql {
  const sql = sqlByClient.get(client);
  if (!sql) throw new Error('sqlOf: this PrismaClient was not made by createPrismaClient');
  return sql;
}

export function createPrismaClient(url: string, opts: ClientOptions = {}): PrismaClient {
  if (opts.role && !/^[a-z_][a-z0-9_]*$/.test(opts.role)) throw new Error(`invalid role name ${JSON.stringify(opts.role)}`);
  // One pool for Prisma and sqlOf: a request's reads never wait for connections of a second pool.
  const pool = new pg.Pool({
    ...connectionFields(url),
    max: opts.maxConnections ?? 10,
    allowExitOnIdle: true,
    ...(opts.role ? { options: `-c role=${opts.role}` } : {}),
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    ...(opts.connectionWaitMs ? { connectionTimeoutMillis: opts.connectionWaitMs } : {}),
  });
  // The adapter ends the pool on $disconnect, as it did when it owned it.
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  const onQuery = opts.onQuery;
  const client = onQuery ? new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] }) : new PrismaClient({ adapter });
  if (onQuery) (client as PrismaClient<'query'>).$on('query', (e) => onQuery(e.query));
  sqlByClient.set(client, {
    async query<T>(name: string, text: string, values: readonly unknown[]) {
      onQuery?.(text);
      const r = await pool.query({ name, text, values: values as unknown[], types: rowTypes });
      return r.rows as T[];
    },
  });
  return client;
}
