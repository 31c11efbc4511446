// The API process: configuration, database (embedded unless DATABASE_URL), migrations, HTTP.
import path from 'node:path';
import { APP_ROLE, appConnection, closeWithin, migrateDatabase, onParentExit, redact, resolveDatabase } from '@slicewise/db/server';
import { ensureQueueSchema, grantQueueAccess } from '@slicewise/queue';
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
  await grantQueueAccess(database.url, APP_ROLE);
  // Everything after the migrations runs as the application role (no DDL, append-only audit).
  const app = await appConnection({ ownerUrl: database.url, appUrl: config.databaseAppUrl, embedded: !!database.embedded });
  logger.info({ role: APP_ROLE, how: app.how, ...(app.how === 'SET ROLE' ? { hint: 'set DATABASE_APP_URL to a login of slicewise_app' } : {}) }, 'database role');
  // A statement cannot outlive its request by much (REQUEST_TIMEOUT_MS), whatever it is.
  const { db, close } = openDb(app.url, { role: app.role, statementTimeoutMs: config.requestTimeoutMs + 5_000, maxConnections: config.databasePoolSize, connectionWaitMs: config.databasePoolWaitMs });
  const server = await createApiServer(db, config, logger);
  // the bucket (or folder) must be usable before the first download or upload is accepted
  await waitForStorage(server.services.storage, { onRetry: (e, attempt) => logger.warn({ err: e.message, attempt }, 'storage not usable yet; retrying in 2 s') });
  logger.info({ storage: describeStorage(config.storage) }, 'storage ready');
  await server.services.models.registerAll(logger);
  await server.services.cpu.warm();
  const port = await server.listen(config.port, config.host);
  logger.info({ url: `http://${config.host}:${port}/graphql` }, 'api listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // bounded: after a database restart the pg pool's end() can wait forever (packages/db/src/shutdown.ts)
    const late = (what: string, ms: number) => logger.warn({ what, ms }, 'shutdown: a resource did not close in time; exiting anyway');
    // Ctrl-C must not wait out long requests: SHUTDOWN_GRACE_MS for requests in flight, then closed.
    await closeWithin('http server', () => server.stop(), config.shutdownGraceMs + 500, late);
    await closeWithin('database pool', close, 500, late);
    await closeWithin('database', () => database.stop(), 1_000, late);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // its parent (npm, npm start) killed outright: stop like on SIGTERM rather than hold API_PORT as an orphan
  onParentExit(() => void shutdown('parent exited'));
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
