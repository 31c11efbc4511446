/**
 * npm run bench -w @slicewise/worker  (root: npm run bench:sampler)
 *
 * Per-volume time of the real pipeline (VolumeProcessor: DB read, condition draw, ORT denoiser + sampler,
 * decoder, NIfTI encode + atomic write + sha256, feature measurement, one-transaction DB record) against a
 * real PostgreSQL (embedded, or a fresh database on DATABASE_URL's server), per ORT thread count, in two arms:
 *   default  the model's declared sampler_defaults (what users get);
 *   ddim     DDIM, BENCH_STEPS (50) steps, 'leading' spacing, guidance at every step: the quality baseline of the
 *            sampler study (models/training/sbldm/sampler_study.py) and the settings of earlier benches.
 * Each arm is followed, with the same thread count, by the PyTorch reference (models/training, same weights, the
 * SAME complete sampler settings, same conditions and noise streams): a same-settings ratio per arm, and the
 * matched-quality ratio (our default arm against PyTorch's DDIM arm). Also: per-part times, the peak RSS of the
 * bench process sampled during each arm (and PyTorch's), achieved denoiser GFLOP/s (FLOPs counted on the PyTorch
 * twin of the graph, per denoiser row) as a fraction of a MatMul peak measured by ORT in the same run, and the load
 * average before and after (the machine may be shared).
 * Env: BENCH_MODEL (default: the model that declares default: true), BENCH_ARMS ("default,ddim"), BENCH_STEPS
 * (the ddim arm's steps, 50), BENCH_VOLUMES (default arm, per thread setting; 5), BENCH_BASELINE_VOLUMES (ddim
 * arm; 5 up to 32^3, else 2), BENCH_THREADS ("1,2"), BENCH_TORCH=0 (skip the PyTorch reference),
 * BENCH_TORCH_VOLUMES (per arm; default: the arm's volumes up to 32^3, else 3 for the default arm and 1 for ddim),
 * BENCH_TORCH_OMP_WAIT_POLICY (PASSIVE: PyTorch's OpenMP threads do not busy-wait, like the worker's ORT threads),
 * BENCH_QC ("off": one generation per volume, comparable with PyTorch; "model": the model's declared quality-control
 * defaults as a cohort gets them, so a volume failing QC is generated again and `qcTriesPerVolume` says how often).
 * Progress lines on stderr; ONE JSON object on the last stdout line.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { startTestServer } from '@slicewise/db/testing';
import { defaultModel, loadModel, samplerDefaultsOf, type SamplerSettings } from '@slicewise/models';
import { LocalStorage } from '@slicewise/storage';
import { loadConfig, REPO_ROOT } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { measureMatMulPeak, ORT_VERSION } from '../src/onnx/index.ts';
import { makeScheduler } from '../src/pipeline/generate.ts';
import { ModelCache } from '../src/pipeline/model-cache.ts';
import { VolumeProcessor } from '../src/pipeline/run-volume.ts';
import { VolumeRepository } from '../src/pipeline/volume.repository.ts';
import { createHarness, seedCohort } from '../test/helpers.ts';
import { BenchOptionError, positiveInt, threadList } from './options.ts';

const progress = (msg: string, extra: Record<string, unknown> = {}) => process.stderr.write(`${JSON.stringify({ progress: msg, ...extra })}\n`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const MiB = 1024 * 1024;
const PY = '/usr/bin/python3';
const TORCH_SCRIPT = path.join(REPO_ROOT, 'apps/worker/bench/torch_reference.py');
const ARMS = ['default', 'ddim'] as const;
type Arm = (typeof ARMS)[number];

/** BENCH_ARMS: a comma-separated subset of default,ddim (unset: both). */
function parseArms(raw: string | undefined): Arm[] {
  if (raw === undefined || raw.trim() === '') return [...ARMS];
  const names = raw.split(',').map((x) => x.trim());
  const bad = names.filter((n) => !(ARMS as readonly string[]).includes(n));
  if (bad.length || names.length === 0) throw new BenchOptionError(`BENCH_ARMS = ${JSON.stringify(raw)}: allowed arms are ${ARMS.join(', ')} (comma-separated)`);
  return ARMS.filter((a) => names.includes(a));
}

/** Denoiser rows of one volume: 2 per step inside the guidance interval (all steps when null), else 1. */
function rowsPerVolume(meta: Parameters<typeof makeScheduler>[0], s: SamplerSettings, guided: boolean): { calls: number; rows: number } {
  const sched = makeScheduler(meta, s);
  sched.setTimesteps(s.numInferenceSteps);
  const ts = sched.timesteps;
  if (!guided) return { calls: ts.length, rows: ts.length };
  const gi = s.guidanceInterval;
  const inside = ts.filter((t) => gi === null || (t >= gi[0] && t <= gi[1])).length;
  return { calls: ts.length, rows: ts.length + inside };
}

/** Samples this process's RSS every few ms while `fn` runs (ORT runs off the JS thread, so timers keep firing). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakRssMiB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakRssMiB: round(peak / MiB, 1) };
  } finally {
    clearInterval(timer);
  }
}

async function main() {
  const modelsDir = path.resolve(REPO_ROOT, process.env.MODELS_DIR ?? 'models');
  const modelName = process.env.BENCH_MODEL || (await defaultModel(modelsDir));
  if (!modelName) throw new BenchOptionError(`BENCH_MODEL is unset and no model in ${modelsDir} declares default: true; name one with BENCH_MODEL`);
  const isDefaultModel = modelName === (await defaultModel(modelsDir));
  const model = await loadModel(modelsDir, modelName);
  const meta = model.metadata;
  const isFixture = String((meta.training as { data_source?: string } | undefined)?.data_source ?? '').startsWith('none: RANDOM WEIGHTS');
  const voxels = meta.volume.shape_dhw.reduce((a, b) => a * b, 1);
  const small = voxels <= 32 ** 3;
  const arms = parseArms(process.env.BENCH_ARMS);
  const ddimSteps = positiveInt('BENCH_STEPS', process.env.BENCH_STEPS, 50);
  const threads = threadList('BENCH_THREADS', process.env.BENCH_THREADS, [1, 2]);
  const volumes: Record<Arm, number> = {
    default: positiveInt('BENCH_VOLUMES', process.env.BENCH_VOLUMES, 5),
    ddim: positiveInt('BENCH_BASELINE_VOLUMES', process.env.BENCH_BASELINE_VOLUMES, small ? 5 : 2),
  };
  const torchVolumes = (arm: Arm) => positiveInt('BENCH_TORCH_VOLUMES', process.env.BENCH_TORCH_VOLUMES, small ? volumes[arm] : arm === 'default' ? 3 : 1);
  const qcMode = process.env.BENCH_QC || 'off';
  if (qcMode !== 'off' && qcMode !== 'model') throw new BenchOptionError(`BENCH_QC = ${JSON.stringify(qcMode)}: allowed: off (one generation per volume), model (the model's quality-control defaults)`);
  const guided = meta.conditioning.null_condition !== undefined;
  const defaults = samplerDefaultsOf(meta);
  const settings: Record<Arm, SamplerSettings> = {
    default: defaults,
    ddim: { ...defaults, sampler: 'ddim', numInferenceSteps: ddimSteps, timestepSpacing: 'leading', stepsOffset: 0, setAlphaToOne: true, guidanceInterval: null },
  };
  const work = Object.fromEntries(ARMS.map((a) => [a, rowsPerVolume(meta, settings[a], guided)])) as Record<Arm, { calls: number; rows: number }>;
  const loadBefore = os.loadavg().map((x) => round(x, 2));
  progress('model', { model: modelName, isDefaultModel, shapeDhw: meta.volume.shape_dhw, randomWeightFixture: isFixture, arms, settings, volumes, threads, loadAverage: loadBefore });

  const server = await startTestServer(process.env.DATABASE_URL || undefined);
  const h = await createHarness(server.adminUrl, server.template);
  const log = createLogger('warn');
  const results: Record<string, unknown>[] = [];
  const torch: Record<string, unknown>[] = [];
  const conds: number[][] = [];
  try {
    // PyTorch reference: same weights, same complete settings, same conditions, run right after the worker's
    // volumes of the arm with the same thread count (the machine's load drifts; back to back is fairer)
    const runTorch = (th: number, arm: Arm, ours: Record<string, unknown>) => {
      if (process.env.BENCH_TORCH === '0') return;
      const s = settings[arm];
      progress(`PyTorch reference, ${arm} arm (${th} thread(s))`);
      const out = execFileSync(
        PY,
        [TORCH_SCRIPT, 'sample', '--model-dir', model.dir, '--sampler', s.sampler, '--steps', String(s.numInferenceSteps), '--eta', String(s.eta),
          '--guidance', String(s.guidanceScale), '--guidance-interval', JSON.stringify(s.guidanceInterval), '--spacing', s.timestepSpacing,
          '--steps-offset', String(s.stepsOffset), '--set-alpha-to-one', String(s.setAlphaToOne), '--threads', String(th),
          '--conds', JSON.stringify(conds.slice(0, torchVolumes(arm)))],
        // OpenMP threads that busy-wait collapse on a shared machine (measured: DDIM 50 at 2 threads 58 s instead of
        // ~4 s under load 6); the worker does not spin either (WORKER_TUNING). BENCH_TORCH_OMP_WAIT_POLICY overrides.
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OMP_WAIT_POLICY: process.env.BENCH_TORCH_OMP_WAIT_POLICY || 'PASSIVE' } },
      );
      const r = JSON.parse(out.trim().split('\n').pop()!);
      if (r.rowsPerVolume !== work[arm].rows) throw new Error(`PyTorch reference ran ${r.rowsPerVolume} denoiser rows per volume, the worker ${work[arm].rows}: the settings differ`);
      torch.push({
        threads: th,
        arm,
        volumes: r.n,
        perVolumeS: round(r.perVolumeS),
        denoiserS: round(r.denoiserS),
        decoderS: round(r.decoderS),
        peakRssMiB: round(r.peakRssMiB, 1),
        weights: r.weights,
        torch: r.torch,
        ompWaitPolicy: process.env.BENCH_TORCH_OMP_WAIT_POLICY || 'PASSIVE',
        // generation only (sampling + decoding) on both sides: the fair comparison
        speedupOverTorch: round(r.perVolumeS / (ours.generationS as number), 2),
        speedupWholePipeline: round(r.perVolumeS / (ours.perVolumeS as number), 2),
      });
    };
    for (const th of threads) {
      // the worker's own defaults (what users get), with this bench's database, folders and thread count
      const config = loadConfig({
        DATABASE_URL: h.db.url, MODELS_DIR: modelsDir, STORAGE_DIR: h.storageDir, ORT_INTRA_OP_THREADS: String(th),
        HEALTH_PORT: '0', WORKER_ID: `bench-${th}t`, CODE_REVISION: 'bench', LOG_LEVEL: 'warn',
      });
      const repo = new VolumeRepository(h.db.url, { maxConnections: 2 });
      const models = new ModelCache(modelsDir, { executionProvider: 'cpu', intraOpThreads: th });
      const proc = new VolumeProcessor({ repo, storage: new LocalStorage(h.storageDir), models, config, log });
      for (const arm of arms) {
        const n = volumes[arm];
        const c = await seedCohort(h, { size: n + 1, modelName, modelsDir, rawSamplerSettings: settings[arm], qc: qcMode === 'off' ? { enabled: false } : {} });
        const rows: Record<string, number>[] = [];
        const { peakRssMiB } = await withPeakRss(async () => {
          for (let i = 0; i <= n; i++) {
            const t0 = performance.now();
            const out = await proc.process({ jobId: 'bench', volumeId: c.volumeIds[i]!, cohortId: c.cohortId, subjectIndex: i }, new AbortController(), { retryCount: 0 }, { claim: null, keys: [] });
            const wallMs = performance.now() - t0;
            if (out.kind !== 'succeeded') throw new Error(`bench volume ${i} (${arm} arm) was ${out.kind}`);
            if (i === 0) {
              progress(`warm-up volume, ${arm} arm (${th} thread(s), includes model load on first use)`, { ms: Math.round(wallMs) });
              continue;
            }
            rows.push({ ...out.timings, wallMs });
            progress(`volume ${i}/${n}, ${arm} arm (${th} thread(s))`, { ms: Math.round(wallMs) });
          }
        });
        const qcTries = await h.q(`SELECT jsonb_array_length(provenance->'qc'->'tries') AS n FROM "Volume" WHERE id = ANY($1::uuid[])`, [c.volumeIds.slice(1)]);
        const [p] = await h.q(`SELECT provenance FROM "Volume" WHERE id = $1`, [c.volumeIds[1]]);
        if (qcMode === 'off' && p.provenance.scheduler.denoiserCalls !== work[arm].calls) throw new Error(`${arm} arm: the worker made ${p.provenance.scheduler.denoiserCalls} denoiser calls per volume, expected ${work[arm].calls}`);
        // both arms sample the same subjects (same cohort seed): the conditions of the first arm serve all
        if (conds.length === 0) {
          for (const id of c.volumeIds.slice(1)) conds.push((await h.q(`SELECT "requestedCondition" FROM "Volume" WHERE id = $1`, [id]))[0].requestedCondition.vector);
        }
        const t = (k: string) => mean(rows.map((r) => r[k] ?? 0));
        results.push({
          threads: th,
          arm,
          volumes: n,
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
          peakRssMiB,
          qcTriesPerVolume: round(mean(qcTries.map((q: { n: number | null }) => q.n ?? 1)), 2),
        });
        runTorch(th, arm, results[results.length - 1]!);
      }
      await models.dispose();
      await repo.close();
    }

    // FLOPs of one denoiser row (Conv and Linear work is linear in the batch), counted on the PyTorch twin
    progress('counting denoiser FLOPs (PyTorch hooks)');
    const flops = JSON.parse(execFileSync(PY, [TORCH_SCRIPT, 'flops', '--model-dir', model.dir, '--rows', '1'], { encoding: 'utf8' }).trim().split('\n').pop()!);
    // the ceiling: the better of ORT's default (spinning) and the worker's options, so a load spike that hurts
    // one of them does not lower the ceiling and flatter the fraction
    const peaks: Record<number, number> = {};
    const peakBy: Record<number, { spinning: number; notSpinning: number }> = {};
    for (const th of threads) {
      progress(`MatMul peak (${th} thread(s))`);
      const spinning = round((await measureMatMulPeak(1024, th, 6, true)).gflops, 2);
      const notSpinning = round((await measureMatMulPeak(1024, th, 6, false)).gflops, 2);
      peakBy[th] = { spinning, notSpinning };
      peaks[th] = Math.max(spinning, notSpinning);
    }
    for (const r of results) {
      const th = r.threads as number;
      // a volume that failed quality control was generated again: its denoiser time covers every try
      const flopsPerVolume = flops.flopsPerCall * work[r.arm as Arm].rows * (r.qcTriesPerVolume as number);
      const dS = (r.partsS as { denoiser: number }).denoiser;
      r.denoiserGflops = round(flopsPerVolume / dS / 1e9, 2);
      r.matmulPeakGflops = peaks[th];
      r.fractionOfPeak = round(flopsPerVolume / dS / 1e9 / peaks[th]!, 3);
    }
    // matched quality: our default settings against PyTorch at the study's quality baseline (DDIM, BENCH_STEPS)
    const matchedQuality = threads.flatMap((th) => {
      const ours = results.find((r) => r.threads === th && r.arm === 'default');
      const ref = torch.find((r) => r.threads === th && r.arm === 'ddim');
      if (!ours || !ref) return [];
      return [{
        threads: th,
        oursDefaultGenerationS: ours.generationS,
        oursDefaultPerVolumeS: ours.perVolumeS,
        torchDdimPerVolumeS: ref.perVolumeS,
        speedup: round((ref.perVolumeS as number) / (ours.generationS as number), 2),
        speedupWholePipeline: round((ref.perVolumeS as number) / (ours.perVolumeS as number), 2),
      }];
    });

    const summary = {
      bench: 'worker-sampler',
      model: modelName,
      isDefaultModel,
      randomWeightFixture: isFixture,
      qc: qcMode,
      note: isFixture ? 'tiny-random fixture (random weights): timings only' : undefined,
      shapeDhw: meta.volume.shape_dhw,
      latentCdhw: meta.latent.stacked_shape_cdhw,
      arms: Object.fromEntries(arms.map((a) => [a, { settings: settings[a], denoiserCallsPerVolume: work[a].calls, denoiserRowsPerVolume: work[a].rows }])),
      denoiserGflopPerRow: round(flops.flopsPerCall / 1e9, 4),
      matmulPeakGflops: peakBy,
      results,
      torch,
      matchedQuality,
      processMaxRssMiB: round((process.resourceUsage().maxRSS * 1024) / MiB, 1),
      loadAverage: { before: loadBefore, after: os.loadavg().map((x) => round(x, 2)) },
      ortVersion: ORT_VERSION,
      node: process.version,
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      targets: { perVolumeSDefault2Threads: 1.2, matchedQualitySpeedup: 2.5, sameSettingsSpeedupOverTorch: 1.3, fractionOfPeak: 0.7 },
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
