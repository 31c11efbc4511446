/**
 * npm run bench:ort -w @slicewise/worker  (root: npm run bench:ort)
 *
 * ORT session options and run modes for the denoiser, compared in ONE process against the worker's own options
 * ('current'): every variant gets its own session of the same graph; rounds are interleaved (the order rotates
 * each round) so that the shared machine's load drifts over all variants alike. In each round every variant runs a
 * block of BENCH_ORT_CALLS consecutive denoiser calls (as a volume does) after a pause that lets the previous
 * session's threads park, with the feeds the worker builds at the model's default settings (2 rows per subject
 * under guidance). Reported per variant: the median over rounds of each block's median ms per subject-call, the
 * speedup against 'current' (current / variant; > 1 is faster) as the median and range of the per-round paired
 * ratios, and whether its output is byte-identical run to run and to 'current' (replay re-generates volumes and compares
 * hashes, so an option that changes the numerics cannot replace the worker's without breaking old volumes).
 *
 * Env: BENCH_MODEL (default: the default model), BENCH_THREADS ("2"), BENCH_ORT_ROUNDS (10), BENCH_ORT_CALLS
 * (the default sampler's steps), BENCH_ORT_VARIANTS (comma list; default all: see src/onnx/session-tuning.ts).
 * Progress lines on stderr; ONE JSON object on the last stdout line.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { defaultModel, loadModel, samplerDefaultsOf } from '@slicewise/models';
import { createRng } from '@slicewise/sampler';
import { REPO_ROOT } from '../src/config.ts';
import { OrtModel, ORT_VERSION, parseOrtVariants, WORKER_TUNING, type OrtVariant, type PreallocatedOutputs } from '../src/onnx/index.ts';
import { buildDenoiserFeeds, planDenoiser, spatialChannelFor } from '../src/pipeline/inputs.ts';
import { positiveInt, threadList } from './options.ts';

const progress = (msg: string, extra: Record<string, unknown> = {}) => process.stderr.write(`${JSON.stringify({ progress: msg, ...extra })}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Pause before each block of calls: long enough for ORT's spinning pool threads to park (they spin for well under this). */
const SETTLE_MS = 250;
const sha = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);

async function main() {
  const modelsDir = path.resolve(REPO_ROOT, process.env.MODELS_DIR ?? 'models');
  const modelName = process.env.BENCH_MODEL || (await defaultModel(modelsDir));
  if (!modelName) throw new Error(`BENCH_MODEL is unset and no model in ${modelsDir} declares default: true`);
  const model = await loadModel(modelsDir, modelName);
  const meta = model.metadata;
  const settings = samplerDefaultsOf(meta);
  const variants = parseOrtVariants(process.env.BENCH_ORT_VARIANTS);
  const rounds = positiveInt('BENCH_ORT_ROUNDS', process.env.BENCH_ORT_ROUNDS, 10);
  const calls = positiveInt('BENCH_ORT_CALLS', process.env.BENCH_ORT_CALLS, settings.numInferenceSteps);
  const threads = threadList('BENCH_THREADS', process.env.BENCH_THREADS, [2]);

  const plan = planDenoiser(meta);
  const guided = plan.nullCondition !== null;
  const [C, D, h, w] = meta.latent.stacked_shape_cdhw;
  const condition = new Array<number>(plan.condDim).fill(0.5);
  const spatial = spatialChannelFor(plan, condition);
  const rowsPerSubject = guided ? 2 : 1;
  // the rows of `subjects` subjects: conditional rows first, then the null rows (as sample() lays them out)
  const feedsFor = (subjects: number) => {
    const rows = subjects * rowsPerSubject;
    const noise = createRng(7).normal(subjects * C * D * h * w);
    const xt = new Float32Array(rows * C * D * h * w);
    for (let r = 0; r < rows; r++) xt.set(noise.subarray((r % subjects) * C * D * h * w, ((r % subjects) + 1) * C * D * h * w), r * C * D * h * w);
    let cond: Float32Array | undefined;
    if (plan.condName) {
      cond = new Float32Array(rows * plan.condDim);
      for (let r = 0; r < rows; r++) cond.set(r < subjects ? condition : plan.nullCondition ?? condition, r * plan.condDim);
    }
    return buildDenoiserFeeds(plan, xt, rows, 500, cond, spatial, subjects);
  };
  progress('model', { model: modelName, settings, variants: variants.map((x) => x.name), rounds, calls, threads });

  const out: Record<string, unknown>[] = [];
  for (const th of threads) {
    const models = new Map<string, { ort: OrtModel; v: OrtVariant; feeds: ReturnType<typeof feedsFor>; outputs?: PreallocatedOutputs }>();
    for (const v of variants) {
      const ort = await OrtModel.load(model, { executionProvider: 'cpu', intraOpThreads: th, tuning: { ...WORKER_TUNING, ...v.tuning } });
      const feeds = feedsFor(v.subjectsPerCall);
      const rows = v.subjectsPerCall * rowsPerSubject;
      const outputs = v.preallocateOutputs ? { [plan.epsName]: { data: new Float32Array(rows * C * D * h * w), dims: [rows, C, D, h, w] } } : undefined;
      models.set(v.name, { ort, v, feeds, ...(outputs ? { outputs } : {}) });
    }
    const perRound = new Map<string, number[]>(variants.map((x) => [x.name, []]));
    const hashes = new Map<string, Set<string>>(variants.map((x) => [x.name, new Set()]));
    // one untimed call each: session warm-up (allocations, layout transforms of weights)
    for (const m of models.values()) await m.ort.run('denoiser', m.feeds, m.outputs);
    for (let r = 0; r < rounds; r++) {
      // Blocks of consecutive calls, one block per variant, the order rotated each round. Not call by call: every
      // session has its own intra-op pool, and a pool that spins after its run steals the cores from the next
      // session's run (measured: identical options ran 1.5x faster when the session before them did not spin),
      // while a worker runs one session. A pause before each block lets the previous pool park.
      const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
      for (const { name } of order) {
        const m = models.get(name)!;
        await sleep(SETTLE_MS);
        const ms: number[] = [];
        let eps: Float32Array | undefined;
        for (let c = 0; c < calls; c++) {
          const t0 = performance.now();
          eps = (await m.ort.run('denoiser', m.feeds, m.outputs))[plan.epsName]!.data;
          ms.push((performance.now() - t0) / m.v.subjectsPerCall);
        }
        perRound.get(name)!.push(median(ms));
        // the first subject's rows only, so batched variants compare with unbatched ones
        hashes.get(name)!.add(sha(eps!.subarray(0, C * D * h * w)));
      }
      progress(`round ${r + 1}/${rounds} (${th} thread(s)), median ms per subject-call`, Object.fromEntries([...perRound].map(([k, xs]) => [k, round(xs[r]!, 1)])));
    }
    const base = perRound.get('current')!;
    const baseHash = [...hashes.get('current')!][0];
    const rows = variants.map((v) => {
      const xs = perRound.get(v.name)!;
      const paired = xs.map((x, i) => base[i]! / x);
      const hs = hashes.get(v.name)!;
      return {
        variant: v.name,
        describe: v.describe,
        msPerSubjectCall: round(median(xs), 2),
        speedupOverCurrent: round(median(paired), 3),
        speedupRange: [round(Math.min(...paired), 3), round(Math.max(...paired), 3)],
        deterministic: hs.size === 1,
        identicalToCurrent: hs.size === 1 && [...hs][0] === baseHash,
      };
    });
    out.push({ threads: th, variants: rows });
    for (const m of models.values()) await m.ort.dispose();
  }
  process.stdout.write(
    `${JSON.stringify({
      bench: 'worker-ort-variants',
      model: modelName,
      denoiserRowsPerSubject: rowsPerSubject,
      rounds,
      callsPerRound: calls,
      results: out,
      loadAverage1m: round(os.loadavg()[0]!, 2),
      ortVersion: ORT_VERSION,
      node: process.version,
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
    })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
