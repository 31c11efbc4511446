// A real generation worker PROCESS (apps/worker) on a test harness's database and storage folder, for the
// tests that follow a cohort from requestCohort to files: the worker claims jobs exactly as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@slicewise/db/server';
import type { Harness } from './harness.ts';

const root = path.resolve(import.meta.dirname, '../../..');

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the worker printed so far (for assertion messages). */
  log(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export async function startWorkerProcess(h: Harness, env: Record<string, string> = {}): Promise<WorkerProcess> {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: path.join(root, 'apps/worker'),
    env: {
      ...process.env,
      DATABASE_URL: h.dbUrl,
      STORAGE_DIR: h.storageDir,
      MODELS_DIR: path.join(root, 'models'),
      HEALTH_PORT: String(await freePort()),
      POLL_INTERVAL_MS: '200',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  return {
    child,
    log: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
