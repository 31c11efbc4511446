// Prisma CLI configuration. Prisma 6.19 migrates offline through its JS schema engine and a
// driver adapter (stack-notes.md). DATABASE_URL is set by scripts/prisma.ts (the embedded
// PostgreSQL when none is configured).
import { defineConfig } from 'prisma/config';
import { createMigrationAdapter } from './packages/db/src/migration-adapter.ts';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  engine: 'js',
  experimental: { adapter: true },
  adapter: async () => createMigrationAdapter(process.env.DATABASE_URL ?? ''),
});
