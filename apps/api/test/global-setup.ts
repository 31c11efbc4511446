// One PostgreSQL per test run (embedded, or DATABASE_URL's server) with a migrated template;
// each suite clones it (see harness.ts).
import type { TestProject } from 'vitest/node';
import { startTestServer } from '@slicewise/db/testing';
import { withDatabase } from '@slicewise/db/server';
import { ensureQueueSchema } from '@slicewise/queue';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startTestServer(process.env.DATABASE_URL || undefined);
  // Cloned databases inherit the job queue's schema too.
  await ensureQueueSchema(withDatabase(server.adminUrl, server.template));
  project.provide('pgAdminUrl', server.adminUrl);
  project.provide('pgTemplate', server.template);
  return () => server.teardown();
}
