export * from './storage.ts';
export { LocalStorage, readAll } from './local.ts';
export { S3Storage, MIN_PART_BYTES, type S3StorageOptions, type VerifyCounts } from './s3.ts';
export { parseStorageEnv, createStorage, describeStorage, waitForStorage, STORAGE_ENV_KEYS, type StorageConfig } from './config.ts';
