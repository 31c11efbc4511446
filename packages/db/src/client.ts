// The Prisma client. Only repositories (and this package) import it: see eslint.config.js.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';
import { connectionFields } from './migration-adapter.ts';

export interface ClientOptions {
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Called once per SQL statement sent (for query-count tests and metrics). */
  onQuery?: (sql: string) => void;
}

export function createPrismaClient(url: string, opts: ClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ ...connectionFields(url), max: opts.maxConnections ?? 10, allowExitOnIdle: true });
  if (!opts.onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const onQuery = opts.onQuery;
  client.$on('query', (e) => onQuery(e.query));
  return client;
}
