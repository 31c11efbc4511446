// One PostgreSQL per test run (embedded, or DATABASE_URL's server) with a migrated template.
import type { TestProject } from 'vitest/node';
import { startTestServer } from '@slicewise/db/testing';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startTestServer(process.env.DATABASE_URL || undefined);
  project.provide('pgAdminUrl', server.adminUrl);
  project.provide('pgTemplate', server.template);
  return () => server.teardown();
}
