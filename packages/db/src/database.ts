// Where the platform's PostgreSQL comes from: DATABASE_URL when given, else an embedded server
// whose data lives in a local folder (reused by the next start).
import net from 'node:net';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.ts';
import { connectionFields } from './migration-adapter.ts';

export interface DatabaseSettings {
  /** An external server's database; when absent an embedded PostgreSQL 17 is started. */
  databaseUrl?: string | undefined;
  embeddedDataDir: string;
  embeddedPort: number;
  /** Database name on the embedded server. */
  embeddedDatabase?: string;
  verbose?: boolean;
}

export interface ResolvedDatabase {
  url: string;
  embedded: EmbeddedDatabase | null;
  stop(): Promise<void>;
}

export async function resolveDatabase(s: DatabaseSettings): Promise<ResolvedDatabase> {
  if (s.databaseUrl) {
    await waitForServer(s.databaseUrl, 15_000);
    return { url: s.databaseUrl, embedded: null, stop: async () => {} };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: s.embeddedDataDir, port: s.embeddedPort, verbose: s.verbose ?? false });
  const name = s.embeddedDatabase ?? 'slicewise';
  await ensureDatabase(embedded.adminUrl, name);
  return { url: embedded.urlFor(name), embedded, stop: () => embedded.stop() };
}

export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new pg.Client(connectionFields(adminUrl));
  await client.connect();
  try {
    const res = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (res.rowCount === 0) {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`);
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client(connectionFields(adminUrl));
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Replace the database name of a connection string. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export async function waitForServer(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ ...connectionFields(url), connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (err) {
      last = err;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`PostgreSQL at ${redact(url)} is not reachable after ${timeoutMs} ms: ${String(last)}`);
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
