// One PostgreSQL per test run (embedded, or DATABASE_URL's server) with a migrated template.
import type { TestProject } from 'vitest/node';
import { provideTestServer } from '@slicewise/db/testing';

export default (project: TestProject) => provideTestServer(project);
