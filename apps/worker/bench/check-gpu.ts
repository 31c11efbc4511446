/**
 * npm run check:gpu   (root)  =  npm run check:gpu -w @slicewise/worker
 *
 * One small cohort through the real pipeline (VolumeProcessor: DB, ORT, NIfTI, storage, provenance) with
 * EXECUTION_PROVIDER=cuda, on a real PostgreSQL (embedded, or a fresh database on DATABASE_URL's server).
 * Prints ONE JSON line on stdout: provider requested and used (from the recorded provenance), seconds per
 * volume (after one warm-up volume), and peak GPU memory of this process from nvidia-smi when available.
 * Exit 0 only when the volumes ran on CUDA. Without a GPU, the CUDA provider libraries or the CUDA/cuDNN
 * runtime, it stops before starting anything, naming what is missing (exit 2).
 * Env: CHECK_GPU_MODEL (default: the default model in MODELS_DIR), CHECK_GPU_VOLUMES (3), CHECK_GPU_STEPS (default: the model's own sampler settings).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startTestServer } from '@slicewise/db/testing';
import { defaultModel } from '@slicewise/models';
import { LocalStorage } from '@slicewise/storage';
import { loadConfig, REPO_ROOT } from '../src/config.ts';
import { missingGpuPrerequisites, systemProbe } from '../src/gpu-prereqs.ts';
import { createLogger } from '../src/log.ts';
import { ORT_VERSION } from '../src/onnx/index.ts';
import { ModelCache } from '../src/pipeline/model-cache.ts';
import { VolumeProcessor } from '../src/pipeline/run-volume.ts';
import { VolumeRepository } from '../src/pipeline/volume.repository.ts';
import { createHarness, seedCohort } from '../test/helpers.ts';

const progress = (msg: string, extra: Record<string, unknown> = {}) => process.stderr.write(`${JSON.stringify({ progress: msg, ...extra })}\n`);

/** This process's GPU memory in MiB (nvidia-smi per-process accounting), or null where not reported. */
function gpuMemoryMiB(): number | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 5000 });
    for (const line of out.split('\n')) {
      const [pid, mem] = line.split(',').map((s) => s.trim());
      if (Number(pid) === process.pid) return Number(mem);
    }
    return null;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const missing = missingGpuPrerequisites(systemProbe);
  if (missing.length) {
    process.stderr.write(`check:gpu cannot run: the CUDA execution provider needs\n${missing.map((m) => `  - MISSING ${m.what}\n      fix: ${m.fix}`).join('\n')}\n`);
    process.stdout.write(`${JSON.stringify({ ok: false, requested: 'cuda', missing: missing.map((m) => m.what) })}\n`);
    return 2;
  }
  const modelsDir = path.resolve(REPO_ROOT, process.env.MODELS_DIR ?? 'models');
  const modelName = process.env.CHECK_GPU_MODEL ?? (await defaultModel(modelsDir));
  if (!modelName) throw new Error(`no model in ${modelsDir} (MODELS_DIR)`);
  const nVolumes = Number(process.env.CHECK_GPU_VOLUMES ?? 3);
  // undefined: the model's default sampler settings (what users get)
  const steps = process.env.CHECK_GPU_STEPS === undefined ? undefined : Number(process.env.CHECK_GPU_STEPS);
  const gpu = systemProbe.nvidiaSmiList()!.split('\n')[0]!.replace(/ \(UUID.*$/, '');
  progress('starting', { model: modelName, nVolumes, steps, gpu });

  const server = await startTestServer(process.env.DATABASE_URL || undefined);
  const h = await createHarness(server.adminUrl, server.template);
  const log = createLogger('warn');
  let peakMiB: number | null = null;
  const sampler = setInterval(() => {
    const m = gpuMemoryMiB();
    if (m !== null) peakMiB = Math.max(peakMiB ?? 0, m);
  }, 250);
  try {
    // the worker's own defaults, on CUDA, with this check's database and folders
    const config = loadConfig({
      DATABASE_URL: h.db.url, MODELS_DIR: modelsDir, STORAGE_DIR: h.storageDir, EXECUTION_PROVIDER: 'cuda', ORT_INTRA_OP_THREADS: '1',
      HEALTH_PORT: '0', WORKER_ID: 'check-gpu', CODE_REVISION: 'check-gpu', LOG_LEVEL: 'warn',
    });
    const repo = new VolumeRepository(h.db.url, { maxConnections: 2 });
    const models = new ModelCache(modelsDir, { executionProvider: 'cuda', intraOpThreads: 1, onFallback: (reason) => progress('CUDA fallback', { reason }) });
    const proc = new VolumeProcessor({ repo, storage: new LocalStorage(h.storageDir), models, config, log });
    const c = await seedCohort(h, { size: nVolumes + 1, modelName, samplerSettings: steps === undefined ? {} : { numInferenceSteps: steps } });
    const ms: number[] = [];
    for (let i = 0; i <= nVolumes; i++) {
      const t0 = performance.now();
      const out = await proc.process({ jobId: 'check-gpu', volumeId: c.volumeIds[i]!, cohortId: c.cohortId, subjectIndex: i }, new AbortController(), { retryCount: 0 }, { claim: null, keys: [] });
      if (out.kind !== 'succeeded') throw new Error(`volume ${i} was ${out.kind}`);
      if (i > 0) ms.push(performance.now() - t0); // volume 0 warms up (model load, CUDA context, kernels)
      progress(`volume ${i}/${nVolumes}${i === 0 ? ' (warm-up)' : ''}`, { ms: Math.round(performance.now() - t0) });
    }
    const [p] = await h.q(`SELECT provenance FROM "Volume" WHERE id = $1`, [c.volumeIds[1]]);
    const provider = p.provenance.runtime.executionProvider as { requested: string; used: string; fallbackReason: string | null };
    await models.dispose();
    await repo.close();
    const secondsPerVolume = Math.round((ms.reduce((a, b) => a + b, 0) / ms.length) * 1000) / 1e6;
    process.stdout.write(
      `${JSON.stringify({ ok: provider.used === 'cuda', requested: provider.requested, used: provider.used, fallbackReason: provider.fallbackReason, model: modelName, steps, volumes: nVolumes, secondsPerVolume, peakGpuMemoryMiB: peakMiB, gpu, ortVersion: ORT_VERSION })}\n`,
    );
    return provider.used === 'cuda' ? 0 : 1;
  } finally {
    clearInterval(sampler);
    await h.close();
    await server.teardown();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`check:gpu failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
