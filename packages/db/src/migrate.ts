// Applies prisma/migrations with Prisma's own `migrate deploy` (the JS schema engine, offline).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectionFields } from './migration-adapter.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const migrationsDir = path.join(repoRoot, 'prisma', 'migrations');

/** Environment every Prisma CLI call needs to run offline (stack-notes.md). */
export function prismaCliEnv(databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? '/bin/true',
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true',
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
}

export function migrationNames(): string[] {
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Names of migrations recorded as finished in the database ([] for an empty database). */
export async function appliedMigrations(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client(connectionFields(databaseUrl));
  await client.connect();
  try {
    const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('public._prisma_migrations')::text AS t`);
    if (!exists.rows[0]?.t) return [];
    const res = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    return res.rows.map((r) => r.migration_name).sort();
  } finally {
    await client.end();
  }
}

export interface MigrateResult {
  applied: string[];
  skipped: boolean;
}

/**
 * Brings the database up to date. When nothing is pending the CLI is not started at all (it costs
 * seconds); otherwise `prisma migrate deploy` runs and must report success.
 */
export async function migrateDatabase(databaseUrl: string): Promise<MigrateResult> {
  const wanted = migrationNames();
  const before = new Set(await appliedMigrations(databaseUrl));
  const pending = wanted.filter((m) => !before.has(m));
  if (pending.length === 0) return { applied: [], skipped: true };
  await runPrismaCli(['migrate', 'deploy'], databaseUrl, /All migrations have been successfully applied|No pending migrations/);
  const after = new Set(await appliedMigrations(databaseUrl));
  const missing = wanted.filter((m) => !after.has(m));
  if (missing.length > 0) {
    // Guards against the silent no-op stack-notes.md warns about.
    throw new Error(`prisma migrate deploy finished but these migrations are not applied: ${missing.join(', ')}`);
  }
  return { applied: pending, skipped: false };
}

/**
 * Runs the Prisma CLI. Prisma 6.19's CLI stays alive ~10 s after it has finished its work; once it has
 * printed `doneMarker` (its work is committed) the process is ended instead of waited for.
 */
export function runPrismaCli(args: string[], databaseUrl: string, doneMarker?: RegExp): Promise<string> {
  const cli = path.join(repoRoot, 'node_modules', 'prisma', 'build', 'index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: repoRoot,
      env: prismaCliEnv(databaseUrl),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let done = false;
    const onData = (b: Buffer) => {
      out += b.toString();
      if (!done && doneMarker?.test(out)) {
        done = true;
        setTimeout(() => child.kill('SIGTERM'), 200);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 || done) resolve(out);
      else reject(new Error(`prisma ${args.join(' ')} failed (exit ${code}):\n${out.trim()}`));
    });
  });
}
