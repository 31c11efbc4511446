/**
 * Storage configuration from the environment, shared by the API and the workers so both accept and
 * refuse exactly the same values. The apps' config modules pass their env in (they alone read
 * process.env); every problem names the variable, its value and what is allowed.
 *
 *   STORAGE=local (default)   STORAGE_DIR                      a folder (the app supplies its default)
 *   STORAGE=s3                S3_BUCKET (required), S3_ENDPOINT, S3_PUBLIC_ENDPOINT, S3_REGION (or AWS_REGION), S3_FORCE_PATH_STYLE,
 *                             S3_PREFIX, S3_PART_BYTES, S3_PRESIGN_SECONDS; credentials: the AWS SDK chain
 */
import { LocalStorage } from './local.ts';
import { MIN_PART_BYTES, S3Storage } from './s3.ts';
import type { Storage } from './storage.ts';
import { validateKey } from './storage.ts';

export type StorageConfig =
  | { kind: 'local'; dir: string; presignSeconds: 0 }
  | {
      kind: 's3';
      bucket: string;
      endpoint?: string;
      /** Endpoint in presigned redirect URLs (what clients outside the cluster reach); default: endpoint. */
      publicEndpoint?: string;
      region: string;
      forcePathStyle: boolean;
      prefix: string;
      partBytes: number;
      /** Lifetime of redirect URLs handed to clients that accept them; 0 = always stream through the API. */
      presignSeconds: number;
    };

export const STORAGE_ENV_KEYS = ['STORAGE', 'S3_BUCKET', 'S3_ENDPOINT', 'S3_PUBLIC_ENDPOINT', 'S3_REGION', 'AWS_REGION', 'S3_FORCE_PATH_STYLE', 'S3_PREFIX', 'S3_PART_BYTES', 'S3_PRESIGN_SECONDS'] as const;

// S3 bucket naming rules (3-63 chars, lowercase letters, digits, dots, hyphens; starts and ends alphanumeric)
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function intIn(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name}=${JSON.stringify(raw)}: must be an integer in ${min}..${max}`);
    return def;
  }
  return n;
}

/**
 * `localDir` is the already-resolved STORAGE_DIR (or its default) of the calling app. Returns the config,
 * or the list of problems (empty list never returned with a config).
 */
export function parseStorageEnv(env: NodeJS.ProcessEnv, localDir: string): { config: StorageConfig; problems: [] } | { config: null; problems: string[] } {
  const problems: string[] = [];
  const kind = env.STORAGE && env.STORAGE !== '' ? env.STORAGE : 'local';
  if (kind !== 'local' && kind !== 's3') return { config: null, problems: [`STORAGE=${JSON.stringify(kind)}: must be "local" or "s3"`] };
  if (kind === 'local') {
    const s3Only = ['S3_BUCKET', 'S3_ENDPOINT'].filter((k) => env[k]);
    if (s3Only.length) problems.push(`${s3Only.join(', ')} set but STORAGE is "local": set STORAGE=s3 to use the bucket, or unset them`);
    return problems.length ? { config: null, problems } : { config: { kind: 'local', dir: localDir, presignSeconds: 0 }, problems: [] };
  }
  const bucket = env.S3_BUCKET ?? '';
  if (!bucket) problems.push('S3_BUCKET is required when STORAGE=s3');
  else if (!BUCKET_RE.test(bucket) || bucket.includes('..')) problems.push(`S3_BUCKET=${JSON.stringify(bucket)}: must be an S3 bucket name (3-63 lowercase letters, digits, '.', '-')`);
  const url = (name: 'S3_ENDPOINT' | 'S3_PUBLIC_ENDPOINT', example: string): string | undefined => {
    const raw = env[name];
    if (!raw) return undefined;
    try {
      const u = new URL(raw);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      if (u.pathname !== '/' || u.search) throw new Error('path');
      return raw.replace(/\/$/, '');
    } catch {
      problems.push(`${name}=${JSON.stringify(raw)}: must be an http:// or https:// URL with no path (e.g. ${example})`);
      return undefined;
    }
  };
  const endpoint = url('S3_ENDPOINT', 'http://minio:9000; unset for AWS');
  const publicEndpoint = url('S3_PUBLIC_ENDPOINT', 'https://s3.example.org');
  const region = env.S3_REGION || env.AWS_REGION || (endpoint ? 'us-east-1' : '');
  if (!region) problems.push('S3_REGION (or AWS_REGION) is required for AWS S3 (no S3_ENDPOINT set)');
  else if (!/^[a-z0-9-]{2,32}$/.test(region)) problems.push(`S3_REGION=${JSON.stringify(region)}: must look like "eu-west-1"`);
  let forcePathStyle = false;
  if (env.S3_FORCE_PATH_STYLE) {
    if (!['true', 'false', '1', '0'].includes(env.S3_FORCE_PATH_STYLE)) problems.push(`S3_FORCE_PATH_STYLE=${JSON.stringify(env.S3_FORCE_PATH_STYLE)}: must be true or false`);
    forcePathStyle = env.S3_FORCE_PATH_STYLE === 'true' || env.S3_FORCE_PATH_STYLE === '1';
  }
  let prefix = '';
  if (env.S3_PREFIX) {
    try {
      prefix = validateKey(env.S3_PREFIX);
    } catch (e) {
      problems.push(`S3_PREFIX=${JSON.stringify(env.S3_PREFIX)}: ${(e as Error).message}`);
    }
  }
  const partBytes = intIn(env, 'S3_PART_BYTES', 8 * 1024 * 1024, MIN_PART_BYTES, 5 * 1024 * 1024 * 1024, problems);
  const presignSeconds = intIn(env, 'S3_PRESIGN_SECONDS', 300, 0, 7 * 24 * 3600, problems);
  if (problems.length) return { config: null, problems };
  return { config: { kind: 's3', bucket, endpoint, publicEndpoint, region, forcePathStyle, prefix, partBytes, presignSeconds }, problems: [] };
}

export function createStorage(c: StorageConfig): Storage {
  if (c.kind === 'local') return new LocalStorage(c.dir);
  return new S3Storage({ bucket: c.bucket, endpoint: c.endpoint, publicEndpoint: c.publicEndpoint, region: c.region, forcePathStyle: c.forcePathStyle, prefix: c.prefix, partBytes: c.partBytes });
}

/** One line for start-up logs (no secrets: credentials never pass through here). */
export function describeStorage(c: StorageConfig): string {
  return c.kind === 'local' ? `local folder ${c.dir}` : `s3://${c.bucket}/${c.prefix ? `${c.prefix}/` : ''}${c.endpoint ? ` at ${c.endpoint}` : ` (AWS ${c.region})`}`;
}

/**
 * At start: the backend answers. Retries (a MinIO started beside us may still be booting), then throws
 * the backend's own message, which names the variables to check.
 */
export async function waitForStorage(storage: Storage, opts: { attempts?: number; delayMs?: number; onRetry?: (e: Error, attempt: number) => void } = {}): Promise<void> {
  if (!storage.check) return;
  const attempts = opts.attempts ?? 30;
  for (let i = 1; ; i++) {
    try {
      await storage.check();
      return;
    } catch (e) {
      if (i >= attempts) throw e;
      opts.onRetry?.(e as Error, i);
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 2000));
    }
  }
}
