// Starts what the browser needs, as `npm start` would, but isolated: a fresh migrated database
// (embedded PostgreSQL unless DATABASE_URL), the API process and the production web build, each on
// a free port. Build the web app only when its sources are newer than the last build.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const webDir = path.join(repoRoot, 'apps/web');
const apiDir = path.join(repoRoot, 'apps/api');
const nextBin = path.join(repoRoot, 'node_modules/next/dist/bin/next');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs: number, proc?: ChildProcess, logs?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`${url}: process exited with ${proc.exitCode} before it was ready\n${logs?.() ?? ''}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url} was not ready after ${timeoutMs / 1000} s\n${logs?.() ?? ''}`);
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** `next build` unless .next/BUILD_ID is newer than every source and config file. */
export async function ensureWebBuild(): Promise<{ built: boolean; seconds: number }> {
  const buildId = path.join(webDir, '.next/BUILD_ID');
  const sources = Math.max(
    newestMtimeMs(path.join(webDir, 'src')),
    ...['next.config.ts', 'package.json', 'tsconfig.json'].map((f) => fs.statSync(path.join(webDir, f)).mtimeMs),
  );
  if (fs.existsSync(buildId) && fs.statSync(buildId).mtimeMs > sources) return { built: false, seconds: 0 };
  const t = Date.now();
  const child = startChild('next build', [nextBin, 'build'], webDir, { NEXT_TELEMETRY_DISABLED: '1' });
  const code = await new Promise<number | null>((resolve) => child.proc.on('exit', resolve));
  if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${child.logs()}`);
  return { built: true, seconds: (Date.now() - t) / 1000 };
}

export interface Child {
  proc: ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

export function startChild(name: string, args: string[], cwd: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  const keep = (d: Buffer) => {
    buf = (buf + d.toString()).slice(-20_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return {
    proc,
    logs: () => `--- ${name} (last output) ---\n${buf}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

const workerDir = path.join(repoRoot, 'apps/worker');
export const hasWorker = () => fs.existsSync(path.join(workerDir, 'src/main.ts'));

/**
 * A fixture model for the browser flows: a copy of a committed model folder (`from`) under another name, with
 * its declared purpose and with or without its `quality_control` block. Only the files its metadata lists are
 * copied, and the copy's metadata.name is its folder name (model loading requires that).
 */
export interface FixtureModel {
  name: string;
  from: string;
  purpose?: 'production' | 'demo' | 'test-fixture';
  qualityControl?: boolean;
}

/**
 * The browser flows' models, all copies of the random-weight test fixture (generation then takes about a second
 * per volume, whatever real models models/ ships; a 64^3 one takes seconds per volume on CPU):
 *  - `tiny-random` declared `demo`: the web app never offers test fixtures (issue 14), and the browser flows need
 *    a fast model to choose; the API's and worker's tests use the committed folder, which keeps the fixture flag.
 *    Its copy leaves out `quality_control`: random weights fail quality control by design, and most flows are
 *    about everything else (generation, viewing, review, publishing); QC then shows as not run, with the reason.
 *  - `tiny-random-qc` declared `demo` WITH the fixture's quality control: every volume fails it (random weights),
 *    which is how the browser sees QC_FAILED volumes, their reasons, every try, and the publish waiver.
 *  - `tiny-random-fixture` declared `test-fixture`: listed by the API, and proof that the picker hides it.
 */
export const BROWSER_MODELS: readonly FixtureModel[] = [
  { name: 'tiny-random', from: 'tiny-random', purpose: 'demo', qualityControl: false },
  { name: 'tiny-random-qc', from: 'tiny-random', purpose: 'demo', qualityControl: true },
  { name: 'tiny-random-fixture', from: 'tiny-random', purpose: 'test-fixture', qualityControl: false },
];

/** A models folder holding only the given models: fixture copies, or committed folders by name (kept as they are). */
export function fixtureModelsDir(storageDir: string, models: readonly (FixtureModel | string)[] = BROWSER_MODELS): string {
  const dir = path.join(path.dirname(storageDir), 'models');
  for (const entry of models) {
    const m: FixtureModel = typeof entry === 'string' ? { name: entry, from: entry } : entry;
    // A copy, not a symlink: model listing reads real directories only.
    const copy = path.join(dir, m.name);
    if (fs.existsSync(copy)) continue;
    const src = path.join(repoRoot, 'models', m.from);
    const metadata = JSON.parse(fs.readFileSync(path.join(src, 'metadata.json'), 'utf8')) as { files: Record<string, unknown> } & Record<string, unknown>;
    fs.mkdirSync(copy, { recursive: true });
    for (const f of Object.keys(metadata.files)) fs.copyFileSync(path.join(src, f), path.join(copy, f));
    metadata.name = m.name;
    if (m.purpose) metadata.purpose = m.purpose;
    if (m.qualityControl === false) delete metadata.quality_control;
    fs.writeFileSync(path.join(copy, 'metadata.json'), JSON.stringify(metadata, null, 1));
  }
  return dir;
}

/** The generation worker on the same database and storage folder as the API. */
export async function startWorker(databaseUrl: string, storageDir: string, models?: readonly (FixtureModel | string)[]): Promise<Child> {
  const healthPort = await freePort();
  const child = startChild('worker', ['--import', 'tsx', 'src/main.ts'], workerDir, {
    DATABASE_URL: databaseUrl,
    STORAGE_DIR: storageDir,
    MODELS_DIR: fixtureModelsDir(storageDir, models),
    HEALTH_PORT: String(healthPort),
    POLL_INTERVAL_MS: '200',
    LOG_LEVEL: 'warn',
  });
  await waitForHttp(`http://127.0.0.1:${healthPort}/healthz`, 90_000, child.proc, child.logs).catch(async (err: unknown) => {
    await child.stop();
    throw err;
  });
  return child;
}

export async function startApi(databaseUrl: string, storageDir: string, models?: readonly (FixtureModel | string)[]): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const dataDir = path.dirname(storageDir);
  const child = startChild('api', ['--import', 'tsx', 'src/main.ts'], apiDir, {
    DATABASE_URL: databaseUrl,
    API_PORT: String(port),
    API_HOST: '127.0.0.1',
    SLICEWISE_DATA_DIR: dataDir,
    STORAGE_DIR: storageDir,
    MODELS_DIR: fixtureModelsDir(storageDir, models),
    LOG_LEVEL: 'warn',
    SIGNIN_MAX_ATTEMPTS: '100',
    // The webhook test's receiver listens on loopback, which production refuses as a target.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`, 90_000, child.proc, child.logs);
  return { url, child };
}

export async function startWeb(apiUrl: string): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  // The same front as production (apps/web/server.ts: body limits, the browser's address).
  const child = startChild('web', ['--import', 'tsx', 'server.ts'], webDir, {
    NEXT_TELEMETRY_DISABLED: '1',
    SLICEWISE_API_URL: apiUrl,
    PORT: String(port),
    WEB_HOST: '127.0.0.1',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/sign-in`, 60_000, child.proc, child.logs);
  return { url, child };
}
