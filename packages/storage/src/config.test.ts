import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStorage, S3Storage, createStorage, describeStorage, parseStorageEnv, waitForStorage, StorageError, type Storage } from './index.ts';

const problemsOf = (env: NodeJS.ProcessEnv) => parseStorageEnv(env, '/srv/storage').problems;

describe('parseStorageEnv', () => {
  it('defaults to the local folder the app resolved', () => {
    expect(parseStorageEnv({}, '/srv/storage').config).toEqual({ kind: 'local', dir: '/srv/storage', presignSeconds: 0 });
    expect(createStorage(parseStorageEnv({}, '/srv/storage').config!)).toBeInstanceOf(LocalStorage);
  });

  it('reads a full S3 configuration', () => {
    const r = parseStorageEnv(
      { STORAGE: 's3', S3_BUCKET: 'slicewise', S3_ENDPOINT: 'http://minio:9000/', S3_FORCE_PATH_STYLE: 'true', S3_PREFIX: 'prod/v1', S3_PART_BYTES: String(16 * 2 ** 20), S3_PRESIGN_SECONDS: '120' },
      '/unused',
    );
    expect(r.config).toEqual({ kind: 's3', bucket: 'slicewise', endpoint: 'http://minio:9000', publicEndpoint: undefined, region: 'us-east-1', forcePathStyle: true, prefix: 'prod/v1', partBytes: 16 * 2 ** 20, presignSeconds: 120 });
    const s = createStorage(r.config!) as S3Storage;
    expect(s).toBeInstanceOf(S3Storage);
    expect(s.describe('a/b')).toBe('s3://slicewise/prod/v1/a/b at http://minio:9000');
    expect(describeStorage(r.config!)).toBe('s3://slicewise/prod/v1/ at http://minio:9000');
    s.close();
  });

  it('AWS without an endpoint needs a region (S3_REGION or AWS_REGION)', () => {
    expect(problemsOf({ STORAGE: 's3', S3_BUCKET: 'b-1' })).toEqual(['S3_REGION (or AWS_REGION) is required for AWS S3 (no S3_ENDPOINT set)']);
    expect(parseStorageEnv({ STORAGE: 's3', S3_BUCKET: 'b-1', AWS_REGION: 'eu-west-1' }, '').config).toMatchObject({ region: 'eu-west-1', endpoint: undefined });
  });

  it.each([
    [{ STORAGE: 'gcs' }, 'STORAGE="gcs": must be "local" or "s3"'],
    [{ STORAGE: 's3' }, 'S3_BUCKET is required when STORAGE=s3'],
    [{ STORAGE: 's3', S3_BUCKET: 'Bad_Bucket', S3_ENDPOINT: 'http://x:9000' }, 'S3_BUCKET="Bad_Bucket": must be an S3 bucket name'],
    [{ STORAGE: 's3', S3_BUCKET: 'b-1', S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT="minio:9000": must be an http:// or https:// URL'],
    [{ STORAGE: 's3', S3_BUCKET: 'b-1', S3_ENDPOINT: 'http://minio:9000/bucket' }, 'S3_ENDPOINT="http://minio:9000/bucket": must be an http:// or https:// URL with no path'],
    [{ STORAGE: 's3', S3_BUCKET: 'b-1', S3_ENDPOINT: 'http://m:9000', S3_PUBLIC_ENDPOINT: 's3.example.org' }, 'S3_PUBLIC_ENDPOINT="s3.example.org": must be an http:// or https:// URL'],
    [{ STORAGE: 's3', S3_BUCKET: 'b-1', S3_ENDPOINT: 'http://m:9000', S3_FORCE_PATH_STYLE: 'yes' }, 'S3_FORCE_PATH_STYLE="yes": must be true or false'],
    [{ STORAGE: 's3', S3_BUCKET: 'b-1', S3_ENDPOINT: 'http://m:9000', S3_PREFIX: '../x' }, 'S3_PREFIX="../x": key'],
    [{ STORAGE: 's3', S3_BUCKET: 'b-1', S3_ENDPOINT: 'http://m:9000', S3_PART_BYTES: '1000' }, 'S3_PART_BYTES="1000": must be an integer in 5242880..'],
    [{ STORAGE: 's3', S3_BUCKET: 'b-1', S3_ENDPOINT: 'http://m:9000', S3_PRESIGN_SECONDS: '-1' }, 'S3_PRESIGN_SECONDS="-1": must be an integer in 0..604800'],
    [{ S3_BUCKET: 'b-1' }, 'S3_BUCKET set but STORAGE is "local"'],
  ])('%j is refused naming the variable', (env, message) => {
    const p = problemsOf(env);
    expect(p.length).toBeGreaterThan(0);
    expect(p.join('\n')).toContain(message);
    expect(parseStorageEnv(env, '/x').config).toBeNull();
  });
});

describe('waitForStorage', () => {
  it('retries a failing check, then throws its message', async () => {
    let calls = 0;
    const failing = { check: async () => (calls++, Promise.reject(new StorageError('UNAVAILABLE', 'bucket "x" does not exist (S3_BUCKET)'))) } as unknown as Storage;
    const retries: number[] = [];
    await expect(waitForStorage(failing, { attempts: 3, delayMs: 1, onRetry: (_e, i) => retries.push(i) })).rejects.toThrow('(S3_BUCKET)');
    expect(calls).toBe(3);
    expect(retries).toEqual([1, 2]);
  });

  it('a local folder that cannot be created is reported with STORAGE_DIR', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'storage-check-')), 'a-file');
    fs.writeFileSync(file, 'not a folder');
    await expect(new LocalStorage(path.join(file, 'storage')).check()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('(STORAGE_DIR)') });
  });
});
