// Test helpers: a fresh database per suite, rows inserted with plain SQL, worker processes spawned for real.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@slicewise/db/testing';
import { parseModelMetadata, resolveQcSettings, resolveSamplerSettings, type ModelMetadata, type QcOverrides, type SamplerOverrides } from '@slicewise/models';
import { enqueueVolumeJobs, ensureQueueSchema, type QueuePolicy } from '@slicewise/queue';

export const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(WORKER_DIR, '../..');
export const MODELS_DIR = path.join(REPO_ROOT, 'models');

export interface Harness {
  db: TestDatabase;
  client: pg.Client;
  q: (text: string, values?: unknown[]) => Promise<any[]>;
  storageDir: string;
  close(): Promise<void>;
}

export async function createHarness(adminUrl: string, template: string): Promise<Harness> {
  const db = await createTestDatabase(adminUrl, template);
  await ensureQueueSchema(db.url);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-storage-'));
  return {
    db,
    client,
    storageDir,
    q: async (text, values = []) => (await client.query(text, values)).rows,
    async close() {
      await client.end();
      await db.drop().catch(() => {});
      fs.rmSync(storageDir, { recursive: true, force: true });
    },
  };
}

export interface SeededCohort {
  teamId: string;
  cohortId: string;
  volumeIds: string[];
  modelId: string;
}

function modelMetadata(name: string, modelsDir = MODELS_DIR): ModelMetadata {
  // a test of a missing model folder still needs settings: any model's defaults will do
  const dir = fs.existsSync(path.join(modelsDir, name, 'metadata.json')) ? path.join(modelsDir, name) : path.join(MODELS_DIR, 'tiny-random');
  return parseModelMetadata(JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')));
}

function modelFileHashes(name: string): Record<string, string> {
  const metaPath = path.join(MODELS_DIR, name, 'metadata.json');
  if (!fs.existsSync(metaPath)) return {};
  const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
  return Object.fromEntries(Object.entries(meta.files as Record<string, { sha256: string }>).map(([k, v]) => [k, v.sha256]));
}

/** Team, project, distribution (+ version), model, cohort and its volumes; jobs enqueued in the same transaction. */
export async function seedCohort(
  h: Harness,
  opts: {
    size: number;
    teamId?: string;
    modelName?: string;
    /** Overrides of the model's sampler defaults, resolved as the API does at request time. */
    samplerSettings?: SamplerOverrides;
    /** Stored as given instead (what an old or broken row would hold). */
    rawSamplerSettings?: unknown;
    /** Model folders (default: the repository's models/). */
    modelsDir?: string;
    /** Quality control, resolved as the API does. Default off: most suites test other things with the random-weight fixture, which fails QC. */
    qc?: QcOverrides;
    spec?: unknown;
    seed?: number;
    preview?: boolean;
    policy?: Partial<QueuePolicy>;
  },
): Promise<SeededCohort> {
  const sql = (text: string, values: unknown[]) => h.client.query(text, values);
  const teamId = opts.teamId ?? randomUUID();
  const projectId = randomUUID(), distId = randomUUID(), dvId = randomUUID(), modelId = randomUUID(), cohortId = randomUUID();
  const modelName = opts.modelName ?? 'tiny-random';
  const spec = opts.spec ?? { version: 1, kind: 'training', name: 'training distribution' };
  const volumeIds: string[] = [];
  await sql('BEGIN', []);
  try {
    await sql(`INSERT INTO "Team"(id, slug, name) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING`, [teamId, `team-${teamId.slice(0, 8)}`]);
    await sql(`INSERT INTO "Project"(id, "teamId", slug, name) VALUES ($1, $2, $3, $3)`, [projectId, teamId, `p-${projectId.slice(0, 8)}`]);
    await sql(`INSERT INTO "ConditionDistribution"(id, "teamId", "projectId", name) VALUES ($1, $2, $3, 'dist')`, [distId, teamId, projectId]);
    await sql(`INSERT INTO "DistributionVersion"(id, "distributionId", version, spec, "specHash") VALUES ($1, $2, 1, $3, $4)`, [
      dvId,
      distId,
      JSON.stringify(spec),
      createHash('sha256').update(JSON.stringify(spec)).digest('hex'),
    ]);
    await sql(`INSERT INTO "Model"(id, name, version, metadata, "fileHashes") VALUES ($1, $2, $3, '{}', $4)`, [
      modelId,
      modelName,
      `v-${modelId.slice(0, 8)}`,
      JSON.stringify(modelFileHashes(modelName)),
    ]);
    await sql(
      `INSERT INTO "Cohort"(id, "teamId", "projectId", "distributionVersionId", "modelId", name, size, seed, "samplerSettings", "qcSettings", "isPreview", status)
       VALUES ($1, $2, $3, $4, $5, 'test cohort', $6, $7, $8, $9, $10, 'QUEUED')`,
      [
        cohortId, teamId, projectId, dvId, modelId, opts.size, opts.seed ?? 1234,
        JSON.stringify(opts.rawSamplerSettings ?? resolveSamplerSettings(modelMetadata(modelName, opts.modelsDir), opts.samplerSettings)),
        JSON.stringify(resolveQcSettings(modelMetadata(modelName, opts.modelsDir), opts.qc ?? { enabled: false })),
        opts.preview ?? false,
      ],
    );
    for (let i = 0; i < opts.size; i++) {
      const id = randomUUID();
      volumeIds.push(id);
      await sql(`INSERT INTO "Volume"(id, "cohortId", "subjectIndex", seed) VALUES ($1, $2, $3, $4)`, [id, cohortId, i, 1000 + i]);
    }
    await enqueueVolumeJobs(
      sql,
      volumeIds.map((volumeId, subjectIndex) => ({ volumeId, cohortId, teamId, subjectIndex })),
      { preview: opts.preview ?? false, policy: { retryDelaySeconds: 1, retryBackoff: false, expireInSeconds: 5, ...opts.policy } },
    );
    await sql('COMMIT', []);
  } catch (e) {
    await sql('ROLLBACK', []);
    throw e;
  }
  return { teamId, cohortId, volumeIds, modelId };
}

export interface WorkerProcess {
  child: ChildProcess;
  lines: any[];
  exited: Promise<number | null>;
  waitForLine(pred: (l: any) => boolean, timeoutMs?: number): Promise<any>;
}

export function startWorker(h: Harness, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: WORKER_DIR,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: h.db.url,
      MODELS_DIR,
      STORAGE_DIR: h.storageDir,
      HEALTH_PORT: '0',
      POLL_INTERVAL_MS: '200',
      LEASE_SECONDS: '10', // a loaded machine must not lose a live claim; kill.test.ts sets its own short lease
      REAP_INTERVAL_MS: '500',
      JOB_EXPIRE_SECONDS: '60',
      MAINTENANCE_INTERVAL_SECONDS: '1',
      ORT_INTRA_OP_THREADS: '1',
      CODE_REVISION: 'test-revision',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: any[] = [];
  const waiters: { pred: (l: any) => boolean; resolve: (l: any) => void }[] = [];
  let buf = '';
  const onData = (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const raw = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let l: any;
      try {
        l = JSON.parse(raw);
      } catch {
        l = { raw };
      }
      lines.push(l);
      for (const w of [...waiters]) if (w.pred(l)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(l); }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    lines,
    exited,
    waitForLine(pred, timeoutMs = 30_000) {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; last lines: ${JSON.stringify(lines.slice(-5))}`)), timeoutMs);
        waiters.push({ pred, resolve: (l) => { clearTimeout(t); resolve(l); } });
      });
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function stopWorker(w: WorkerProcess): Promise<number | null> {
  if (w.child.exitCode !== null) return w.child.exitCode;
  w.child.kill('SIGTERM');
  return w.exited;
}

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}
