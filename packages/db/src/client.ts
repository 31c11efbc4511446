// The Prisma client. Only repositories (and this package) import it: see eslint.config.js.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';
import { connectionFields } from './migration-adapter.ts';

export interface ClientOptions {
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Called once per SQL statement sent (for query-count tests and metrics). */
  onQuery?: (sql: string) => void;
  /** A role to SET at session start (packages/db/src/app-role.ts, fallback 3). */
  role?: string | null;
  /** PostgreSQL's statement_timeout for every statement of this client (ms). */
  statementTimeoutMs?: number;
}

export function createPrismaClient(url: string, opts: ClientOptions = {}): PrismaClient {
  if (opts.role && !/^[a-z_][a-z0-9_]*$/.test(opts.role)) throw new Error(`invalid role name ${JSON.stringify(opts.role)}`);
  const adapter = new PrismaPg({
    ...connectionFields(url),
    max: opts.maxConnections ?? 10,
    allowExitOnIdle: true,
    ...(opts.role ? { options: `-c role=${opts.role}` } : {}),
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
  });
  if (!opts.onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const onQuery = opts.onQuery;
  client.$on('query', (e) => onQuery(e.query));
  return client;
}
