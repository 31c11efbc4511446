// Test databases: one server per test run (embedded, or DATABASE_URL's server), one migrated
// template database, and a fresh clone of it per suite (CREATE DATABASE ... TEMPLATE: ~100 ms).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase, freePort, withDatabase } from './database.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.ts';
import { migrateDatabase } from './migrate.ts';
import { EMBEDDED_APP_PASSWORD, enableAppLogin, withAppLogin } from './app-role.ts';

export interface TestServer {
  /** Maintenance connection string of the server. */
  adminUrl: string;
  template: string;
  teardown(): Promise<void>;
}

/** For a vitest globalSetup: start (or reuse) the server and migrate the template once. */
export async function startTestServer(externalUrl?: string): Promise<TestServer> {
  let embedded: EmbeddedDatabase | null = null;
  let tmp: string | null = null;
  let adminUrl: string;
  if (externalUrl) {
    adminUrl = withDatabase(externalUrl, 'postgres');
  } else {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slicewise-test-pg-'));
    // As root the server runs as the `postgres` user, which must be able to enter this folder.
    fs.chmodSync(tmp, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'data'), port: await freePort() });
    adminUrl = embedded.adminUrl;
  }
  const template = `slicewise_template_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(adminUrl, template);
  await migrateDatabase(withDatabase(adminUrl, template));
  // Suites connect as the application role, as the API does in production.
  await enableAppLogin(adminUrl, EMBEDDED_APP_PASSWORD);
  return {
    adminUrl,
    template,
    async teardown() {
      if (embedded) {
        await embedded.stop();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      } else {
        await dropDatabase(adminUrl, template);
      }
    },
  };
}

export interface TestDatabase {
  /** The owner's (superuser's) connection: migrations, fixtures, assertions. */
  url: string;
  /** The application role's connection (slicewise_app): what the API under test uses (absent for hand-made databases). */
  appUrl?: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one suite. */
export async function createTestDatabase(adminUrl: string, template: string): Promise<TestDatabase> {
  const name = `slicewise_test_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(adminUrl, name, template);
  const url = withDatabase(adminUrl, name);
  return { url, appUrl: withAppLogin(url, EMBEDDED_APP_PASSWORD), name, drop: () => dropDatabase(adminUrl, name) };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

/**
 * The body of a vitest globalSetup: one server per test run (embedded, or DATABASE_URL's server) and
 * its migrated template, optionally prepared further (e.g. the job queue's schema, which clones then
 * inherit). Suites read `inject('pgAdminUrl')` / `inject('pgTemplate')` and call createTestDatabase.
 */
export async function provideTestServer(
  project: { provide(key: 'pgAdminUrl' | 'pgTemplate', value: string): void },
  prepareTemplate?: (templateUrl: string) => Promise<void>,
): Promise<() => Promise<void>> {
  const server = await startTestServer(process.env.DATABASE_URL || undefined);
  if (prepareTemplate) await prepareTemplate(withDatabase(server.adminUrl, server.template));
  project.provide('pgAdminUrl', server.adminUrl);
  project.provide('pgTemplate', server.template);
  return () => server.teardown();
}
