// No Docker engine runs here, so docker-compose.yml is checked by structure (YAML merge keys resolved as
// Compose resolves them), and every variable it sets is checked by the apps' own config parsers.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseStorageEnv } from '@slicewise/storage';
import { loadApiConfig } from '../src/config.ts';
import { loadConfig as loadWorkerConfig } from '../../worker/src/config.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const env = (s: string) => compose.services[s].environment as Record<string, string>;

describe('docker-compose.yml', () => {
  it('has postgres, minio (+ its bucket job), api, the workers and web', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'createbucket', 'minio', 'postgres', 'web', 'worker', 'worker-gpu']);
    expect(compose.services.postgres.image).toMatch(/^postgres:1[5-8]$/);
    expect(compose.services.minio.image).toMatch(/^minio\/minio:RELEASE\./); // pinned, never :latest
    expect(compose.services.createbucket.image).toMatch(/^minio\/mc:RELEASE\./);
  });

  it('points api and workers at the same database, which must be healthy first', () => {
    for (const s of ['api', 'worker', 'worker-gpu']) {
      expect(env(s).DATABASE_URL).toMatch(/^postgresql:\/\/[^@]+@postgres:5432\//);
      expect(env(s).DATABASE_URL).toBe(env('api').DATABASE_URL);
    }
    expect(compose.services.api.depends_on.postgres.condition).toBe('service_healthy');
    expect(compose.services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
  });

  it('creates the bucket after MinIO is healthy; api and workers start only once it exists', () => {
    expect(compose.services.minio.healthcheck.test.join(' ')).toContain('ready');
    expect(compose.services.createbucket.depends_on.minio.condition).toBe('service_healthy');
    const script = compose.services.createbucket.command.join(' ');
    expect(script).toContain(`mc alias set local ${env('api').S3_ENDPOINT} ${compose.services.minio.environment.MINIO_ROOT_USER} ${compose.services.minio.environment.MINIO_ROOT_PASSWORD}`);
    expect(script).toContain(`mc mb --ignore-existing local/${env('api').S3_BUCKET}`);
    for (const s of ['api', 'worker', 'worker-gpu']) expect(compose.services[s].depends_on.createbucket.condition).toBe('service_completed_successfully');
  });

  it('stores files only in the bucket: no volume shared between app services, the same S3 settings everywhere, valid for the apps', () => {
    for (const s of ['api', 'worker', 'worker-gpu', 'web']) expect(compose.services[s].volumes, s).toBeUndefined();
    expect(Object.keys(compose.volumes).sort()).toEqual(['objects', 'pgdata']);
    const keys = ['STORAGE', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION', 'S3_FORCE_PATH_STYLE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
    for (const s of ['worker', 'worker-gpu']) for (const k of keys) expect(env(s)[k], `${s} ${k}`).toBe(env('api')[k]);
    expect(env('api').STORAGE).toBe('s3');
    expect(env('api').AWS_ACCESS_KEY_ID).toBe(compose.services.minio.environment.MINIO_ROOT_USER);
    expect(env('api').AWS_SECRET_ACCESS_KEY).toBe(compose.services.minio.environment.MINIO_ROOT_PASSWORD);
    // the apps' own parsers accept exactly this configuration
    expect(parseStorageEnv(env('api'), '/unused').problems).toEqual([]);
    expect(loadApiConfig(env('api')).storage).toMatchObject({ kind: 's3', endpoint: 'http://minio:9000', publicEndpoint: 'http://localhost:9000', forcePathStyle: true });
    expect(loadWorkerConfig(env('worker')).storage).toMatchObject({ kind: 's3', bucket: env('api').S3_BUCKET });
    expect(loadWorkerConfig(env('worker-gpu')).executionProvider).toBe('cuda');
  });

  it('builds every app service from a Dockerfile stage that exists', () => {
    for (const s of ['api', 'worker', 'worker-gpu', 'web']) {
      const target = compose.services[s].build.target;
      expect(dockerfile, `stage ${target}`).toMatch(new RegExp(`^FROM .* AS ${target}$`, 'm'));
    }
  });

  it('the gpu profile: a CUDA worker image with onnxruntime-node CUDA provider, EXECUTION_PROVIDER=cuda and a reserved GPU', () => {
    const gpu = compose.services['worker-gpu'];
    expect(gpu.profiles).toEqual(['gpu']);
    expect(compose.services.worker.profiles).toBeUndefined(); // the CPU worker runs without a profile
    expect(env('worker-gpu').EXECUTION_PROVIDER).toBe('cuda');
    expect(env('worker').EXECUTION_PROVIDER).toBe('cpu');
    expect(gpu.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }]);
    const stage = /^FROM (\S+) AS worker-gpu$([\s\S]*?)(?=^FROM )/m.exec(dockerfile);
    expect(stage, 'worker-gpu stage').not.toBeNull();
    expect(stage![1]).toMatch(/^nvidia\/cuda:12\.[\d.]+-cudnn-runtime-/); // CUDA 12 + cuDNN 9: what ORT 1.30's CUDA EP links
    expect(stage![2]).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(stage![2]).toContain('libonnxruntime_providers_cuda.so');
    expect(stage![2]).toMatch(/ENV EXECUTION_PROVIDER=cuda/);
    // the base image skips the CUDA download (offline builds); only the gpu stage fetches it
    expect(/^FROM node:20\S* AS base$([\s\S]*?)(?=^FROM )/m.exec(dockerfile)![1]).toContain('npm_config_onnxruntime_node_install=skip');
  });

  it('exposes the API, web and MinIO ports and wires the web app to the API', () => {
    expect(compose.services.api.ports).toContain('4000:4000');
    expect(compose.services.web.ports).toContain('3000:3000');
    expect(compose.services.minio.ports).toContain('9000:9000');
    expect(env('api').S3_PUBLIC_ENDPOINT).toBe('http://localhost:9000');
    expect(compose.services.web.environment.SLICEWISE_API_URL).toBe('http://api:4000');
  });
});
