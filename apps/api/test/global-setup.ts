// One PostgreSQL per test run (embedded, or DATABASE_URL's server) with a migrated template; clones
// inherit the job queue's schema too.
import type { TestProject } from 'vitest/node';
import { provideTestServer } from '@slicewise/db/testing';
import { APP_ROLE } from '@slicewise/db/server';
import { ensureQueueSchema, grantQueueAccess } from '@slicewise/queue';

export default (project: TestProject) =>
  provideTestServer(project, async (url) => {
    await ensureQueueSchema(url);
    await grantQueueAccess(url, APP_ROLE);
  });
