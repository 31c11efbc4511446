// The driver adapter Prisma's JS schema engine migrates through (prisma.config.ts).
// @prisma/adapter-pg 6.19 has three known defects on the migrate path (stack-notes.md); this
// wrapper fixes each at its root instead of working around it in every migration:
//  1. pg_catalog column types (name, char, regproc, ...) are rejected as "could not be
//     deserialized" (prisma/orm#27403): their values already arrive as strings, so report them as text.
//  2. executeScript splits a migration on ';', which breaks any PL/pgSQL body: send the script
//     whole (the simple query protocol runs multi-statement scripts natively).
//  3. A shadow database configured from a connection string points at the real database, and is
//     dropped before its pool closes: use discrete connection fields and close the pool first.
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';

const TEXT_OID = 25;
const TEXT_ARRAY_OID = 1009;
/** char, name, int2vector, regproc, pg_node_tree, regclass. */
const CATALOG_SCALAR_OIDS = new Set([18, 19, 22, 24, 194, 2205]);
/** Their array types. */
const CATALOG_ARRAY_OIDS = new Set([1002, 1003, 1006, 1008, 2210]);

interface Field {
  dataTypeID: number;
}
interface Queryable {
  performIO(query: unknown): Promise<{ fields: Field[] }>;
  executeScript(script: string): Promise<void>;
  startTransaction(isolationLevel?: string): Promise<Queryable>;
  client: pg.Pool | pg.PoolClient;
  dispose(): Promise<void>;
}

export function connectionFields(url: string): pg.PoolConfig {
  const u = new URL(url);
  return {
    host: decodeURIComponent(u.hostname),
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres',
    // Lets the CLI exit as soon as it is done instead of waiting out the pool's idle timeout.
    allowExitOnIdle: true,
  };
}

function patch<T extends object>(adapter: T): T {
  const q = adapter as unknown as Queryable;
  const performIO = q.performIO.bind(q);
  q.performIO = async (query) => {
    const result = await performIO(query);
    for (const f of result.fields) {
      if (CATALOG_SCALAR_OIDS.has(f.dataTypeID)) f.dataTypeID = TEXT_OID;
      else if (CATALOG_ARRAY_OIDS.has(f.dataTypeID)) f.dataTypeID = TEXT_ARRAY_OID;
    }
    return result;
  };
  if (typeof q.startTransaction === 'function') {
    const start = q.startTransaction.bind(q);
    q.startTransaction = async (level) => patch(await start(level));
  }
  q.executeScript = async (script: string) => {
    await performIO({ sql: script, args: [], argTypes: [] });
  };
  return adapter;
}

export function createMigrationAdapter(url: string): SqlMigrationAwareDriverAdapterFactory {
  const fields = connectionFields(url);
  const inner = new PrismaPg(fields);
  return {
    provider: 'postgres',
    adapterName: inner.adapterName,
    async connect() {
      return patch(await inner.connect());
    },
    async connectToShadowDb() {
      const admin = new pg.Pool({ ...fields, max: 1 });
      const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID().replace(/-/g, '')}`;
      await admin.query(`CREATE DATABASE "${database}"`);
      const shadow = patch(await new PrismaPg({ ...fields, database }).connect());
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        await admin.end();
      };
      return shadow;
    },
  };
}
