// The API's configuration: read once at boot from the environment, validated, every problem
// reported together. Nothing else in the API reads process.env.
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseStorageEnv, type StorageConfig } from '@slicewise/storage';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** TRUST_PROXY: which hops may set X-Forwarded-For (Express's trust proxy: addresses, CIDRs, loopback, linklocal, uniquelocal, or a hop count). */
const trustProxy = z
  .string()
  .trim()
  .refine(
    (v) => v === '' || /^\d{1,2}$/.test(v) || v.split(',').every((p) => /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(p.trim())),
    'must be empty (trust no proxy), a hop count, or a comma list of addresses/CIDRs or loopback, linklocal, uniquelocal',
  );

const schema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// connection string').optional(),
  DATABASE_APP_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// connection string').optional(),
  SLICEWISE_DATA_DIR: z.string().min(1).default('.data'),
  SLICEWISE_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 90).default(24 * 14),
  COOKIE_SECURE: bool.default(false),
  SIGNIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(5),
  SIGNIN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86400).default(60),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(50).default(15),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(10).max(1_000_000).default(5000),
  WEB_ORIGIN: z.string().default('http://localhost:3000'),
  MODELS_DIR: z.string().min(1).optional(),
  STORAGE_DIR: z.string().min(1).optional(),
  MAX_COHORT_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  MAX_PREVIEW_SIZE: z.coerce.number().int().min(1).max(64).default(8),
  MAX_OPEN_VOLUMES_PER_TEAM: z.coerce.number().int().min(1).max(10_000_000).default(20_000),
  MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).max(2 ** 31).default(64 * 1024 * 1024),
  SIGNING_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  CODE_REVISION: z.string().max(100).optional(),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  WEBHOOK_BACKOFF_SECONDS: z.coerce.number().min(0.01).max(3600).default(5),
  JOB_EXPIRE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  TRUST_PROXY: trustProxy.default(''),
  WEB_PROXY_SECRET: z.union([z.literal(''), z.string().min(32, 'at least 32 characters')]).optional(),
  SIGNIN_ACCOUNT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100_000).default(20),
  SIGNIN_ACCOUNT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  // 250,000: a person browsing (cohort pages poll their progress, ~1,000 points a page with thumbnails) and editing
  // a distribution (a live preview per pause) stays far below it; 50,000 ran out within a minute of normal use.
  GRAPHQL_BUDGET_POINTS: z.coerce.number().int().min(10).max(100_000_000).default(250_000),
  GRAPHQL_BUDGET_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(5000),
  GRAPHQL_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  // PostgreSQL connections of this API process (Prisma and the per-request reads share them). When every one is
  // busy for 2 s a request answers 503 SERVICE_BUSY with retry-after, never a 500.
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  // How long a request waits for a free connection before it answers 503 SERVICE_BUSY (a saturated database
  // sheds load instead of piling requests up until their clients give up).
  DATABASE_POOL_WAIT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  CPU_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  CPU_QUEUE_MAX: z.coerce.number().int().min(0).max(10_000).default(32),
  MAX_UPLOAD_VOXELS: z.coerce.number().int().min(1).max(2 ** 31).default(256 ** 3),
  MAX_UPLOAD_DECOMPRESSED_BYTES: z.coerce.number().int().min(1024).max(2 ** 31).default(256 * 1024 * 1024),
  MAX_UPLOAD_INFLATION_RATIO: z.coerce.number().min(2).max(100_000).default(1100),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool.default(false),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(1500),
});

function gitRevision(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

export type ApiConfig = {
  databaseUrl: string | undefined;
  /** The app role's connection (no DDL, no trigger control); unset: DATABASE_URL with SET ROLE slicewise_app. */
  databaseAppUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  host: string;
  port: number;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  sessionTtlHours: number;
  cookieSecure: boolean;
  signInMaxAttempts: number;
  signInWindowSeconds: number;
  maxDepth: number;
  maxCost: number;
  webOrigin: string;
  modelsDir: string;
  storageDir: string;
  /** STORAGE=local (STORAGE_DIR) or STORAGE=s3 (S3_*): see @slicewise/storage config. */
  storage: StorageConfig;
  maxCohortSize: number;
  maxPreviewSize: number;
  maxOpenVolumesPerTeam: number;
  jobExpireSeconds: number;
  maxUploadBytes: number;
  /** HMAC key of short-lived download links (random per process when unset). */
  signingSecret: string;
  codeRevision: string | null;
  webhooks: { pollMs: number; maxAttempts: number; backoffBaseSeconds: number; timeoutMs: number; allowPrivateTargets: boolean };
  /** Express `trust proxy`: false, a hop count, or a list of trusted addresses/CIDRs. */
  trustProxy: false | number | string[];
  /** Shared with the web app, which sends the browser's address with it. */
  webProxySecret: string | null;
  signInAccountMaxAttempts: number;
  signInAccountWindowSeconds: number;
  budgetPoints: number;
  budgetWindowSeconds: number;
  maxBodyBytes: number;
  maxTokens: number;
  requestTimeoutMs: number;
  databasePoolSize: number;
  databasePoolWaitMs: number;
  cpuWorkers: number;
  cpuQueueMax: number;
  maxUploadVoxels: number;
  maxUploadDecompressedBytes: number;
  maxUploadInflationRatio: number;
  shutdownGraceMs: number;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`),
    );
  }
  const c = parsed.data;
  const storageDir = path.resolve(c.STORAGE_DIR ?? path.join(c.SLICEWISE_DATA_DIR, 'storage'));
  const storage = parseStorageEnv(env, storageDir);
  if (!storage.config) throw new ConfigError(storage.problems);
  return {
    databaseUrl: c.DATABASE_URL,
    databaseAppUrl: c.DATABASE_APP_URL,
    dataDir: path.resolve(c.SLICEWISE_DATA_DIR),
    embeddedPgPort: c.SLICEWISE_PG_PORT,
    host: c.API_HOST,
    port: c.API_PORT,
    logLevel: c.LOG_LEVEL,
    sessionTtlHours: c.SESSION_TTL_HOURS,
    cookieSecure: c.COOKIE_SECURE,
    signInMaxAttempts: c.SIGNIN_MAX_ATTEMPTS,
    signInWindowSeconds: c.SIGNIN_WINDOW_SECONDS,
    maxDepth: c.GRAPHQL_MAX_DEPTH,
    maxCost: c.GRAPHQL_MAX_COST,
    webOrigin: c.WEB_ORIGIN,
    modelsDir: path.resolve(c.MODELS_DIR ?? path.join(repoRoot, 'models')),
    storageDir,
    storage: storage.config,
    maxCohortSize: c.MAX_COHORT_SIZE,
    maxPreviewSize: c.MAX_PREVIEW_SIZE,
    maxOpenVolumesPerTeam: c.MAX_OPEN_VOLUMES_PER_TEAM,
    jobExpireSeconds: c.JOB_EXPIRE_SECONDS,
    maxUploadBytes: c.MAX_UPLOAD_BYTES,
    signingSecret: c.SIGNING_SECRET ?? randomBytes(32).toString('hex'),
    codeRevision: c.CODE_REVISION ?? gitRevision(),
    webhooks: { pollMs: c.WEBHOOK_POLL_MS, maxAttempts: c.WEBHOOK_MAX_ATTEMPTS, backoffBaseSeconds: c.WEBHOOK_BACKOFF_SECONDS, timeoutMs: 10_000, allowPrivateTargets: c.WEBHOOK_ALLOW_PRIVATE_TARGETS },
    trustProxy: c.TRUST_PROXY === '' ? false : /^\d+$/.test(c.TRUST_PROXY) ? Number(c.TRUST_PROXY) : c.TRUST_PROXY.split(',').map((p) => p.trim()),
    webProxySecret: c.WEB_PROXY_SECRET || null,
    signInAccountMaxAttempts: c.SIGNIN_ACCOUNT_MAX_ATTEMPTS,
    signInAccountWindowSeconds: c.SIGNIN_ACCOUNT_WINDOW_SECONDS,
    budgetPoints: c.GRAPHQL_BUDGET_POINTS,
    budgetWindowSeconds: c.GRAPHQL_BUDGET_WINDOW_SECONDS,
    maxBodyBytes: c.GRAPHQL_MAX_BODY_BYTES,
    maxTokens: c.GRAPHQL_MAX_TOKENS,
    requestTimeoutMs: c.REQUEST_TIMEOUT_MS,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    databasePoolWaitMs: c.DATABASE_POOL_WAIT_MS,
    // One core stays with the event loop (and PostgreSQL) on small machines.
    cpuWorkers: c.CPU_WORKERS ?? Math.max(1, Math.min(4, os.availableParallelism() - 1)),
    cpuQueueMax: c.CPU_QUEUE_MAX,
    maxUploadVoxels: c.MAX_UPLOAD_VOXELS,
    maxUploadDecompressedBytes: c.MAX_UPLOAD_DECOMPRESSED_BYTES,
    maxUploadInflationRatio: c.MAX_UPLOAD_INFLATION_RATIO,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
  };
}
