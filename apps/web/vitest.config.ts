import { defineProject } from 'vitest/config';

// Unit tests of the web app's pure helpers (the pages are exercised by /e2e in Chromium).
export default defineProject({
  test: {
    name: 'web',
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
