// The API as a process: health/readiness against the database, structured logs, SIGTERM.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@slicewise/db/server';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const apiDir = path.resolve(import.meta.dirname, '..');

describe('api process', () => {
  it('reports health and readiness, logs JSON with request ids, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: apiDir,
      env: { ...process.env, DATABASE_URL: h.dbUrl, API_PORT: String(port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while (!out.includes('api listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('api listening');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { headers: { 'x-request-id': 'ready-probe-0001' } });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok' });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(lines.find((l) => l.requestId === 'ready-probe-0001' && l.path === '/readyz')).toMatchObject({ status: 200 });
    expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM' });
  });

  it('refuses to start with an invalid configuration and names every problem', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: apiDir,
      env: { ...process.env, DATABASE_URL: 'mysql://x', API_PORT: 'eighty', LOG_LEVEL: 'loud' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/DATABASE_URL="mysql:\/\/x": must be a postgresql:\/\/ connection string/);
    expect(err).toMatch(/API_PORT="eighty"/);
    expect(err).toMatch(/LOG_LEVEL="loud"/);
  });
});
