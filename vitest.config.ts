import { defineConfig } from 'vitest/config';

// Every workspace with its own vitest.config.ts is a project; `npm run test:unit` runs them all.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'scripts/vitest.config.ts'],
  },
});
