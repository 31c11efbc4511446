// Database lifecycle (no Prisma client): embedded server, external URL, migrations, test databases.
export * from './database.ts';
export * from './embedded.ts';
export { migrateDatabase, appliedMigrations, migrationNames, runPrismaCli, prismaCliEnv, repoRoot } from './migrate.ts';
export { connectionFields } from './migration-adapter.ts';
export { closeWithin, onParentExit } from './shutdown.ts';
export { APP_ROLE, EMBEDDED_APP_PASSWORD, appConnection, enableAppLogin, withAppLogin, type AppConnection } from './app-role.ts';
