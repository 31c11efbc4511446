// End-to-end suite: one PostgreSQL, the API and the built web app, started by global-setup.ts on
// free ports; tests drive Debian's Chromium through page objects (src/pages).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'e2e',
    include: ['src/**/*.e2e.test.ts'],
    globalSetup: ['./src/global-setup.ts'],
    // One browser and one stack shared by files that run one after the other (2 cores).
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
