// Worker process: config -> queue schema -> models on demand -> claim loop; SIGTERM/SIGINT: graceful stop, exit 0.
import { closeWithin, onParentExit } from '@slicewise/db/server';
import { ensureQueueSchema, VolumeQueueConsumer } from '@slicewise/queue';
import { createStorage, describeStorage, LocalStorage, waitForStorage } from '@slicewise/storage';
import { ConfigError, loadConfig } from './config.ts';
import { startHealthServer } from './health.ts';
import { createLogger } from './log.ts';
import { ORT_VERSION } from './onnx/index.ts';
import { ModelCache } from './pipeline/model-cache.ts';
import { VolumeProcessor } from './pipeline/run-volume.ts';
import { VolumeRepository } from './pipeline/volume.repository.ts';
import { Worker } from './worker.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: e.message })}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.logLevel, { workerId: config.workerId });
  log.info(
    {
      modelsDir: config.modelsDir,
      storage: describeStorage(config.storage),
      concurrency: config.concurrency,
      intraOpThreads: config.intraOpThreads,
      executionProvider: config.executionProvider,
      leaseSeconds: config.leaseSeconds,
      ortVersion: ORT_VERSION,
      codeRevision: config.codeRevision,
    },
    'worker starting',
  );
  // the database may still be starting (orchestrators start processes together): retry for up to a minute
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureQueueSchema(config.databaseUrl);
      break;
    } catch (e) {
      if (attempt >= 30) throw e;
      log.warn({ err: e, attempt }, 'database not reachable yet; retrying in 2 s');
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  const repo = new VolumeRepository(config.databaseUrl);
  const storage = createStorage(config.storage);
  await waitForStorage(storage, { onRetry: (e, attempt) => log.warn({ err: e.message, attempt }, 'storage not usable yet; retrying in 2 s') });
  // temporary files of writers killed mid-write (never visible under a key); older than an hour = abandoned.
  // (S3: an interrupted multipart upload is aborted by the writer; a killed one is left to the bucket's
  // AbortIncompleteMultipartUpload lifecycle rule, see docs.)
  if (storage instanceof LocalStorage) {
    void storage
      .sweepTemporary(3_600_000)
      .then((n) => n > 0 && log.info({ removed: n }, 'removed abandoned temporary files from storage'))
      .catch((e) => log.warn({ err: e }, 'temporary file sweep failed'));
  }
  const models = new ModelCache(
    config.modelsDir,
    {
      executionProvider: config.executionProvider,
      intraOpThreads: config.intraOpThreads,
      onFallback: (reason) => log.warn({ requested: 'cuda', used: 'cpu', reason }, 'execution provider fallback to CPU (recorded in provenance)'),
    },
    config.verifyModelHashes,
  );
  const consumer = await VolumeQueueConsumer.start({
    databaseUrl: config.databaseUrl,
    leaseSeconds: config.jobExpireSeconds,
    maintenanceIntervalSeconds: config.maintenanceIntervalSeconds,
    maxConnections: 2 + config.concurrency,
    onError: (e) => log.warn({ err: e }, 'queue error'),
  });
  const worker = new Worker(consumer, new VolumeProcessor({ repo, storage, models, config, log }), repo, storage, config, log);
  const health = await startHealthServer(config.healthHost, config.healthPort, {
    checkDb: () => repo.ping(),
    accepting: () => worker.accepting,
    details: () => ({ workerId: config.workerId, ...worker.stats, models: models.loadedNames() }),
  });
  worker.start();
  log.info({ healthPort: health.port }, 'worker ready');

  const bounded = (what: string, close: () => Promise<unknown>) =>
    closeWithin(what, close, 5_000, (w, ms) => log.warn({ what: w, ms }, 'shutdown: a resource did not close in time; exiting anyway'));
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: no new jobs');
    try {
      await worker.stop(config.shutdownGraceMs);
      log.debug('shutdown: claim loops stopped');
      // Nothing is running any more: release resources, but never hang on one. After a database restart
      // node-postgres' pool.end() (under Prisma's $disconnect) can wait forever on a connection the
      // server dropped (db-restart.test.ts reproduces it); the process must still exit 0.
      await bounded('queue', () => consumer.stop());
      await bounded('models', () => models.dispose());
      await bounded('database pool', () => repo.close());
      await bounded('health server', () => health.close());
      log.info({ stats: worker.stats }, 'worker stopped');
      process.exit(0);
    } catch (e) {
      log.error({ err: e }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // its parent (npm, npm start) killed outright: stop like on SIGTERM rather than generate on as an orphan
  onParentExit(() => void shutdown('parent exited'));
}

main().catch((e) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'worker crashed', err: String((e as Error)?.stack ?? e) })}\n`);
  process.exit(1);
});
