/**
 * Pull benchmark: a 200-volume version (fake 16^3 NIfTI files in a temporary LocalStorage) served by a
 * minimal node:http server in this process; `slicewise pull` runs as a child process (the real bin).
 * Measures a fresh pull, an idempotent re-run (everything verified, nothing downloaded) and --verify-only.
 *
 *   npm run bench -w @slicewise/cli [-- --volumes 200 --shape 16]
 *
 * Prints one JSON line at the end.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildManifest, manifestBytes, manifestHash } from '@slicewise/datasets';
import { writeFakeVersion } from '@slicewise/datasets/testing';
import { LocalStorage } from '@slicewise/storage';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const volumes = arg('volumes', 200);
const shape = arg('shape', 16);
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slicewise-pull-bench-'));
try {
  const storage = new LocalStorage(path.join(dir, 'storage'));
  const manifest = buildManifest(await writeFakeVersion(storage, { volumes, cohorts: 2, seed: 1, shapeDhw: [shape, shape, shape] }));
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  const server = http.createServer(async (req, res) => {
    const url = decodeURI(req.url ?? '');
    if (url.endsWith('/manifest.json')) return void res.writeHead(200, { 'content-type': 'application/json', 'x-manifest-sha256': manifestHash(manifest) }).end(manifestBytes(manifest));
    const f = byPath.get(url.replace(/^.*\/files\//, ''));
    if (!f) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    res.writeHead(200, { 'content-length': String(f.bytes) });
    (await storage.get(f.storageKey)).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bin = fileURLToPath(new URL('../bin/slicewise.js', import.meta.url));
  const out = path.join(dir, 'out');
  const exec = (args: string[]) =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, SLICEWISE_API_URL: api, SLICEWISE_TOKEN: 'bench' }, stdio: ['ignore', 'ignore', 'inherit'] });
      p.on('close', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`slicewise exited ${code}`))));
    });
  const spec = 'bench/data@v1';
  const fresh = await exec(['pull', spec, '--out', out]);
  const rerun = await exec(['pull', spec, '--out', out, '--quiet']);
  const verify = await exec(['pull', spec, '--out', out, '--verify-only', '--quiet']);
  const idle = await exec(['--help']); // process start-up (node + tsx) alone
  server.close();
  const bytes = manifest.totals.bytes;
  process.stdout.write(
    JSON.stringify({
      bench: 'cli-pull',
      volumes,
      files: manifest.files.length,
      bytes,
      freshPullSeconds: +fresh.toFixed(2),
      rerunSeconds: +rerun.toFixed(2),
      verifyOnlySeconds: +verify.toFixed(2),
      processStartSeconds: +idle.toFixed(2),
      freshMBps: +(bytes / 1e6 / fresh).toFixed(1),
    }) + '\n',
  );
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
