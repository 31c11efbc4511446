/**
 * npm run bench -w @slicewise/worker  (root: npm run bench:sampler)
 *
 * Per-volume time of the real pipeline (VolumeProcessor: DB read, condition draw, ORT denoiser + sampler,
 * decoder, NIfTI encode + atomic write + sha256, feature measurement, one-transaction DB record) against a
 * real PostgreSQL (embedded, or a fresh database on DATABASE_URL's server), with 1 and 2 ORT threads;
 * achieved denoiser GFLOP/s (FLOPs counted on the PyTorch twin of the graph) against a MatMul peak measured
 * by ORT in the same run; and the same weights sampled by the PyTorch reference (models/training) for a
 * speed ratio. Env: BENCH_MODEL (default: the largest model in MODELS_DIR), BENCH_STEPS (50),
 * BENCH_VOLUMES (per thread setting; default 5 up to 32^3, else 2), BENCH_THREADS ("1,2"), BENCH_TORCH=0
 * (skip the PyTorch reference), BENCH_TORCH_VOLUMES (default: all up to 32^3, else 1).
 * Progress lines on stderr; ONE JSON object on the last stdout line.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startTestServer } from '@slicewise/db/testing';
import { largestModel, loadModel } from '@slicewise/models';
import { LocalStorage } from '@slicewise/storage';
import { loadConfig, REPO_ROOT } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { measureMatMulPeak, ORT_VERSION } from '../src/onnx/index.ts';
import { ModelCache } from '../src/pipeline/model-cache.ts';
import { VolumeProcessor } from '../src/pipeline/run-volume.ts';
import { VolumeRepository } from '../src/pipeline/volume.repository.ts';
import { createHarness, seedCohort } from '../test/helpers.ts';

const progress = (msg: string, extra: Record<string, unknown> = {}) => process.stderr.write(`${JSON.stringify({ progress: msg, ...extra })}\n`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const PY = '/usr/bin/python3';
const TORCH_SCRIPT = path.join(REPO_ROOT, 'apps/worker/bench/torch_reference.py');

async function main() {
  const modelsDir = path.resolve(REPO_ROOT, process.env.MODELS_DIR ?? 'models');
  const modelName = process.env.BENCH_MODEL ?? (await largestModel(modelsDir));
  if (!modelName) throw new Error(`no model in ${modelsDir}`);
  const model = await loadModel(modelsDir, modelName);
  const meta = model.metadata;
  const isFixture = String((meta.training as { data_source?: string } | undefined)?.data_source ?? '').startsWith('none: RANDOM WEIGHTS');
  const steps = Number(process.env.BENCH_STEPS ?? 50);
  const voxels = meta.volume.shape_dhw.reduce((a, b) => a * b, 1);
  const nVolumes = Number(process.env.BENCH_VOLUMES ?? (voxels <= 32 ** 3 ? 5 : 2));
  const threadList = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
  const guided = meta.conditioning.null_condition !== undefined;
  progress('model', { model: modelName, shapeDhw: meta.volume.shape_dhw, randomWeightFixture: isFixture, steps, nVolumes, threadList });

  const server = await startTestServer(process.env.DATABASE_URL || undefined);
  const h = await createHarness(server.adminUrl, server.template);
  const log = createLogger('warn');
  const results: Record<string, unknown>[] = [];
  const conds: number[][] = [];
  let denoiserCallsPerVolume = 0;
  try {
    // PyTorch reference: same weights, same steps / eta / guidance, same conditions, run right after the
    // worker's volumes with the same thread count (the machine's load drifts; back to back is fairer)
    const torch: Record<string, unknown>[] = [];
    const torchVolumes = Number(process.env.BENCH_TORCH_VOLUMES ?? (voxels <= 32 ** 3 ? nVolumes : 1));
    const runTorch = (threads: number, ours: Record<string, unknown>) => {
      if (process.env.BENCH_TORCH === '0') return;
      progress(`PyTorch reference (${threads} thread(s))`);
      const out = execFileSync(
        PY,
        [TORCH_SCRIPT, 'sample', '--model-dir', model.dir, '--steps', String(steps), '--threads', String(threads),
          '--eta', String(meta.sampler_defaults.eta), '--guidance', String(meta.sampler_defaults.guidance_scale), '--conds', JSON.stringify(conds.slice(0, torchVolumes))],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const r = JSON.parse(out.trim().split('\n').pop()!);
      torch.push({
        threads,
        volumes: r.n,
        perVolumeS: round(r.perVolumeS),
        denoiserS: round(r.denoiserS),
        decoderS: round(r.decoderS),
        weights: r.weights,
        torch: r.torch,
        // generation only (sampling + decoding) on both sides: the fair comparison
        speedupOverTorch: round(r.perVolumeS / (ours.generationS as number), 2),
        speedupWholePipeline: round(r.perVolumeS / (ours.perVolumeS as number), 2),
      });
    };
    for (const threads of threadList) {
      // the worker's own defaults (what users get), with this bench's database, folders and thread count
      const config = loadConfig({
        DATABASE_URL: h.db.url, MODELS_DIR: modelsDir, STORAGE_DIR: h.storageDir, ORT_INTRA_OP_THREADS: String(threads),
        HEALTH_PORT: '0', WORKER_ID: `bench-${threads}t`, CODE_REVISION: 'bench', LOG_LEVEL: 'warn',
      });
      const repo = new VolumeRepository(h.db.url, { maxConnections: 2 });
      const models = new ModelCache(modelsDir, { executionProvider: 'cpu', intraOpThreads: threads });
      const proc = new VolumeProcessor({ repo, storage: new LocalStorage(h.storageDir), models, config, log });
      const c = await seedCohort(h, { size: nVolumes + 1, modelName, samplerSettings: { numInferenceSteps: steps } });
      const rows: Record<string, number>[] = [];
      for (let i = 0; i <= nVolumes; i++) {
        const t0 = performance.now();
        const out = await proc.process({ jobId: 'bench', volumeId: c.volumeIds[i]!, cohortId: c.cohortId, subjectIndex: i }, new AbortController(), { retryCount: 0 }, { claim: null, keys: [] });
        const wallMs = performance.now() - t0;
        if (out.kind !== 'succeeded') throw new Error(`bench volume ${i} was ${out.kind}`);
        if (i === 0) {
          progress(`warm-up volume (${threads} thread(s), includes model load)`, { ms: Math.round(wallMs) });
          continue;
        }
        rows.push({ ...out.timings, wallMs });
        progress(`volume ${i}/${nVolumes} (${threads} thread(s))`, { ms: Math.round(wallMs) });
      }
      const [p] = await h.q(`SELECT provenance FROM "Volume" WHERE id = $1`, [c.volumeIds[1]]);
      denoiserCallsPerVolume = p.provenance.scheduler.denoiserCalls;
      if (conds.length === 0) {
        for (const id of c.volumeIds.slice(1)) conds.push((await h.q(`SELECT "requestedCondition" FROM "Volume" WHERE id = $1`, [id]))[0].requestedCondition.vector);
      }
      const t = (k: string) => mean(rows.map((r) => r[k]!));
      results.push({
        threads,
        perVolumeS: round(t('wallMs') / 1000),
        volumesPerMinute: round(60_000 / t('wallMs'), 2),
        partsS: {
          denoiser: round(t('denoiserMs') / 1000),
          samplerOverhead: round(t('samplerOverheadMs') / 1000),
          decoder: round(t('decoderMs') / 1000),
          niftiAndHashing: round((t('niftiEncodeMs') + t('storageWriteAndHashMs')) / 1000),
          database: round((t('databaseReadMs') + t('databaseRecordMs')) / 1000),
          conditionAndMeasure: round((t('conditionMs') + t('measureMs')) / 1000),
        },
        generationS: round((t('denoiserMs') + t('samplerOverheadMs') + t('decoderMs')) / 1000),
      });
      runTorch(threads, results[results.length - 1]!);
      await models.dispose();
      await repo.close();
    }

    // FLOPs of one denoiser call (2B rows under guidance), counted on the PyTorch twin
    const rows = guided ? 2 : 1;
    progress('counting denoiser FLOPs (PyTorch hooks)');
    const flops = JSON.parse(execFileSync(PY, [TORCH_SCRIPT, 'flops', '--model-dir', model.dir, '--rows', String(rows)], { encoding: 'utf8' }).trim().split('\n').pop()!);
    const flopsPerVolume = flops.flopsPerCall * denoiserCallsPerVolume;
    const peaks: Record<string, number> = {};
    for (const threads of threadList) {
      progress(`MatMul peak (${threads} thread(s))`);
      peaks[threads] = round((await measureMatMulPeak(1024, threads, 6)).gflops, 2);
    }
    for (const r of results) {
      const th = r.threads as number;
      const dS = (r.partsS as { denoiser: number }).denoiser;
      r.denoiserGflops = round(flopsPerVolume / dS / 1e9, 2);
      r.matmulPeakGflops = peaks[th];
      r.fractionOfPeak = round(flopsPerVolume / dS / 1e9 / peaks[th]!, 3);
    }

    const summary = {
      bench: 'worker-sampler',
      model: modelName,
      randomWeightFixture: isFixture,
      note: isFixture ? 'no trained model in models/: tiny-random fixture used (16^3, random weights)' : undefined,
      shapeDhw: meta.volume.shape_dhw,
      latentCdhw: meta.latent.stacked_shape_cdhw,
      steps,
      sampler: meta.sampler_defaults.sampler,
      guidance: guided ? meta.sampler_defaults.guidance_scale : null,
      denoiserCallsPerVolume,
      denoiserRowsPerCall: rows,
      denoiserGflopPerCall: round(flops.flopsPerCall / 1e9, 4),
      volumesPerThreadSetting: nVolumes,
      results,
      torch,
      ortVersion: ORT_VERSION,
      node: process.version,
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      targets: { perVolumeS64cubed50steps2cores: 5, speedupOverTorch: 1.5 },
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await h.close();
    await server.teardown();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
