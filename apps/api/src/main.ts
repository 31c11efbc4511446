// The API process: configuration, database (embedded unless DATABASE_URL), migrations, HTTP.
import path from 'node:path';
import { closeWithin, migrateDatabase, redact, resolveDatabase } from '@slicewise/db/server';
import { ensureQueueSchema } from '@slicewise/queue';
import { describeStorage, waitForStorage } from '@slicewise/storage';
import { ConfigError, loadApiConfig } from './config.ts';
import { openDb } from './common/database.repository.ts';
import { createLogger } from './common/logger.ts';
import { createApiServer } from './server.ts';

async function main() {
  let config;
  try {
    config = loadApiConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const database = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    embeddedDataDir: path.join(config.dataDir, 'postgres'),
    embeddedPort: config.embeddedPgPort,
  });
  const migrated = await migrateDatabase(database.url);
  logger.info({ database: redact(database.url), embedded: !!database.embedded, applied: migrated.applied }, 'database ready');
  await ensureQueueSchema(database.url);
  const { db, close } = openDb(database.url);
  const server = await createApiServer(db, config, logger);
  // the bucket (or folder) must be usable before the first download or upload is accepted
  await waitForStorage(server.services.storage, { onRetry: (e, attempt) => logger.warn({ err: e.message, attempt }, 'storage not usable yet; retrying in 2 s') });
  logger.info({ storage: describeStorage(config.storage) }, 'storage ready');
  await server.services.models.registerAll(logger);
  const port = await server.listen(config.port, config.host);
  logger.info({ url: `http://${config.host}:${port}/graphql` }, 'api listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // bounded: after a database restart the pg pool's end() can wait forever (packages/db/src/shutdown.ts)
    const late = (what: string, ms: number) => logger.warn({ what, ms }, 'shutdown: a resource did not close in time; exiting anyway');
    await closeWithin('http server', () => server.stop(), 15_000, late); // Apollo's own drain grace is 10 s
    await closeWithin('database pool', close, 5_000, late);
    await database.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
