import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, REPO_ROOT } from './config.ts';

describe('loadConfig', () => {
  it('requires DATABASE_URL and applies defaults', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h/db', CODE_REVISION: 'abc' });
    expect(c).toMatchObject({ executionProvider: 'cpu', concurrency: 1, jobExpireSeconds: 60, codeRevision: 'abc', modelsDir: `${REPO_ROOT}/models`, storageDir: `${REPO_ROOT}/.data/storage` });
    expect(c.intraOpThreads).toBeGreaterThanOrEqual(1);
  });
  it('names the variable and value, hides the database URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://secret@h', EXECUTION_PROVIDER: 'tpu', WORKER_CONCURRENCY: '0' })).toThrow(
      /DATABASE_URL=\(hidden\).*WORKER_CONCURRENCY="0".*EXECUTION_PROVIDER="tpu": Invalid option/,
    );
    try {
      loadConfig({ DATABASE_URL: 'mysql://secret@h' });
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
  });
  it('the queue backstop must lie well behind the claim lease', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' })).toMatchObject({ leaseSeconds: 15, jobExpireSeconds: 60, maxInterruptions: 10, claimCheckEverySteps: 1 });
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db', LEASE_SECONDS: '40', JOB_EXPIRE_SECONDS: '60' })).toThrow(/JOB_EXPIRE_SECONDS=60 must be at least twice LEASE_SECONDS=40/);
  });
  it('reads the storage backend: local by default, S3 checked at start naming the variable', () => {
    const base = { DATABASE_URL: 'postgres://u@h/db', CODE_REVISION: 'abc' };
    expect(loadConfig(base).storage).toEqual({ kind: 'local', dir: `${REPO_ROOT}/.data/storage`, presignSeconds: 0 });
    expect(loadConfig({ ...base, STORAGE: 's3', S3_BUCKET: 'slicewise', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' }).storage).toMatchObject({
      kind: 's3',
      bucket: 'slicewise',
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
    });
    expect(() => loadConfig({ ...base, STORAGE: 's3' })).toThrow(/S3_BUCKET is required when STORAGE=s3/);
    expect(() => loadConfig({ ...base, STORAGE: 'nfs' })).toThrow(/STORAGE="nfs": must be "local" or "s3"/);
  });
});
