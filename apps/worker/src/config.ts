/**
 * Worker configuration: the ONLY file that reads process.env. Parsed once at boot by a zod schema;
 * every error names the variable, the value and what is allowed.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseStorageEnv, type StorageConfig } from '@slicewise/storage';

/** Repository root: relative MODELS_DIR / STORAGE_DIR are resolved against it (not the cwd of npm -w). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const schema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'),
  MODELS_DIR: z.string().min(1).default('models'),
  STORAGE_DIR: z.string().min(1).default('.data/storage'),
  /** Volumes processed at the same time by this process. */
  WORKER_CONCURRENCY: int(1, 64).default(1),
  /** ORT intra-op threads per session; 0 = cores / concurrency. */
  ORT_INTRA_OP_THREADS: int(0, 256).default(0),
  EXECUTION_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),
  /** Claim lease: an attempt not heart-beaten for this long is handed to another worker (takeover). */
  LEASE_SECONDS: int(2, 3600).default(15),
  /** How often this worker looks for lapsed claims of any worker (takeover). */
  REAP_INTERVAL_MS: int(200, 600_000).default(5000),
  /** Interruptions (worker lost, killed, cut off) one volume may suffer per retry round before it FAILS. */
  MAX_INTERRUPTIONS: int(1, 1000).default(10),
  /** pg-boss's own expiry of a claimed job: a backstop behind the lease (extended by every heartbeat). */
  JOB_EXPIRE_SECONDS: int(2, 86_400).default(60),
  /** How often pg-boss maintenance looks for lapsed claims (serialised across workers). */
  MAINTENANCE_INTERVAL_SECONDS: int(1, 3600).default(15),
  /** Idle poll interval when no job is ready. */
  POLL_INTERVAL_MS: int(50, 60_000).default(1000),
  /** The claim (still ours?) and the cohort (cancelled?) are checked every this many denoising steps. */
  CLAIM_CHECK_EVERY_STEPS: int(1, 1000).default(1),
  /** Slices per decoder call (bounded memory). */
  DECODE_BATCH_SLICES: int(1, 4096).default(16),
  HEALTH_PORT: int(0, 65_535).default(8090),
  HEALTH_HOST: z.string().default('127.0.0.1'),
  /** On SIGTERM: wait this long for running volumes, then abort them and give their jobs back. */
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(20_000),
  WORKER_ID: z.string().min(1).max(200).optional(),
  CODE_REVISION: z.string().min(1).max(100).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Verify model file hashes at load (always on in production; never silently skipped). */
  VERIFY_MODEL_HASHES: bool.default(true),
  /** Testing only: sleep this long after every denoising step (lets tests kill a worker mid-volume). */
  STEP_DELAY_MS: int(0, 60_000).default(0),
  /** Testing only: sleep this long between writing a volume's files and recording it (cancel races). */
  RECORD_DELAY_MS: int(0, 60_000).default(0),
  /** Testing only: the first N tries of every volume get an empty mask before quality control (forces a regeneration). */
  QC_TEST_EMPTY_MASK_TRIES: int(0, 10).default(0),
});

export interface WorkerConfig {
  databaseUrl: string;
  modelsDir: string;
  storageDir: string;
  /** STORAGE=local (STORAGE_DIR) or STORAGE=s3 (S3_*, AWS credential chain). */
  storage: StorageConfig;
  concurrency: number;
  intraOpThreads: number;
  executionProvider: 'cpu' | 'cuda';
  leaseSeconds: number;
  reapIntervalMs: number;
  maxInterruptions: number;
  jobExpireSeconds: number;
  maintenanceIntervalSeconds: number;
  pollIntervalMs: number;
  claimCheckEverySteps: number;
  decodeBatchSlices: number;
  healthPort: number;
  healthHost: string;
  shutdownGraceMs: number;
  workerId: string;
  codeRevision: string;
  logLevel: string;
  verifyModelHashes: boolean;
  stepDelayMs: number;
  recordDelayMs: number;
  qcTestEmptyMaskTries: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function gitRevision(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const r = schema.safeParse(picked);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const key = String(i.path[0]);
      const shown = key === 'DATABASE_URL' ? '(hidden)' : JSON.stringify(picked[key]);
      return `${key}=${shown}: ${i.message}`;
    });
    throw new ConfigError(`invalid worker configuration: ${lines.join('; ')}`);
  }
  const c = r.data;
  if (c.JOB_EXPIRE_SECONDS < 2 * c.LEASE_SECONDS) {
    throw new ConfigError(
      `invalid worker configuration: JOB_EXPIRE_SECONDS=${c.JOB_EXPIRE_SECONDS} must be at least twice LEASE_SECONDS=${c.LEASE_SECONDS} (pg-boss's expiry is the backstop behind the lease; raise JOB_EXPIRE_SECONDS or lower LEASE_SECONDS)`,
    );
  }
  const storageDir = path.resolve(REPO_ROOT, c.STORAGE_DIR);
  const storage = parseStorageEnv(env, storageDir);
  if (!storage.config) throw new ConfigError(`invalid worker configuration: ${storage.problems.join('; ')}`);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return {
    databaseUrl: c.DATABASE_URL,
    modelsDir: path.resolve(REPO_ROOT, c.MODELS_DIR),
    storageDir,
    storage: storage.config,
    concurrency: c.WORKER_CONCURRENCY,
    intraOpThreads: c.ORT_INTRA_OP_THREADS || Math.max(1, Math.floor(cores / c.WORKER_CONCURRENCY)),
    executionProvider: c.EXECUTION_PROVIDER,
    leaseSeconds: c.LEASE_SECONDS,
    reapIntervalMs: c.REAP_INTERVAL_MS,
    maxInterruptions: c.MAX_INTERRUPTIONS,
    jobExpireSeconds: c.JOB_EXPIRE_SECONDS,
    maintenanceIntervalSeconds: c.MAINTENANCE_INTERVAL_SECONDS,
    pollIntervalMs: c.POLL_INTERVAL_MS,
    claimCheckEverySteps: c.CLAIM_CHECK_EVERY_STEPS,
    decodeBatchSlices: c.DECODE_BATCH_SLICES,
    healthPort: c.HEALTH_PORT,
    healthHost: c.HEALTH_HOST,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    workerId: c.WORKER_ID ?? `${os.hostname()}:${process.pid}`,
    codeRevision: c.CODE_REVISION ?? gitRevision(),
    logLevel: c.LOG_LEVEL,
    verifyModelHashes: c.VERIFY_MODEL_HASHES,
    stepDelayMs: c.STEP_DELAY_MS,
    recordDelayMs: c.RECORD_DELAY_MS,
    qcTestEmptyMaskTries: c.QC_TEST_EMPTY_MASK_TRIES,
  };
}
