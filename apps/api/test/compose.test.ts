// No Docker engine runs here, so docker-compose.yml is checked by structure.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../../..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');

describe('docker-compose.yml', () => {
  it('has postgres, api, worker and web', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'web', 'worker']);
    expect(compose.services.postgres.image).toMatch(/^postgres:1[5-8]$/);
  });

  it('points api and worker at the same database, which must be healthy first', () => {
    for (const s of ['api', 'worker']) {
      expect(compose.services[s].environment.DATABASE_URL).toMatch(/^postgresql:\/\/[^@]+@postgres:5432\//);
    }
    expect(compose.services.api.environment.DATABASE_URL).toBe(compose.services.worker.environment.DATABASE_URL);
    expect(compose.services.api.depends_on.postgres.condition).toBe('service_healthy');
    expect(compose.services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
  });

  it('builds every app service from a Dockerfile stage that exists, and shares file storage', () => {
    for (const s of ['api', 'worker', 'web']) {
      const target = compose.services[s].build.target;
      expect(dockerfile, `stage ${target}`).toMatch(new RegExp(`^FROM .* AS ${target}$`, 'm'));
    }
    expect(compose.services.api.volumes).toEqual(compose.services.worker.volumes);
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['pgdata', 'storage']));
  });

  it('exposes the API and web ports and wires the web app to the API', () => {
    expect(compose.services.api.ports).toContain('4000:4000');
    expect(compose.services.web.ports).toContain('3000:3000');
    expect(compose.services.web.environment.SLICEWISE_API_URL).toBe('http://api:4000');
  });
});
