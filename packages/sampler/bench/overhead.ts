/**
 * Sampler overhead without a model: the time sample() spends around the denoiser (noise, guidance
 * combination, output checks, scheduler steps) for the shipped latent [1, 4, 64, 16, 16], per sampler and
 * step count, against DDIM at the same number of steps in the same run. The denoiser returns a fixed
 * array (no compute), so what is timed is the sampler alone.
 *
 * Run: npm run bench -w @slicewise/sampler   (env BENCH_REPEATS, default 15; the configurations are
 * interleaved within each repeat so machine noise hits them alike; median reported)
 * Output: a table, then one JSON line.
 */
import { createScheduler, type SamplerName } from '../src/create.ts';
import { createRng } from '../src/rng.ts';
import { type GuidanceInterval, sample } from '../src/sample.ts';
import { SBLDM_SCHEDULE } from '../src/schedule.ts';

const shape = [1, 4, 64, 16, 16] as const;
const size = shape.reduce((a, b) => a * b, 1);
const repeatsRaw = process.env.BENCH_REPEATS ?? '15';
const repeats = Number(repeatsRaw);
if (!Number.isInteger(repeats) || repeats < 1) {
  console.error(`BENCH_REPEATS = '${repeatsRaw}' must be an integer >= 1`);
  process.exit(2);
}

// fixed "model outputs", small so the trajectories stay finite
const eps1 = createRng(1).normal(size).map((v) => 0.1 * v);
const eps2 = new Float32Array(2 * size);
eps2.set(eps1, 0);
eps2.set(eps1, size);
const condition = Float32Array.from([0.3, 0.3, 0.8, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3]);
const nullCondition = new Float32Array(9);

async function timeOnce(sampler: SamplerName, steps: number, interval: GuidanceInterval | null): Promise<number> {
  const scheduler = createScheduler(SBLDM_SCHEDULE, { sampler, ...(sampler === 'ddim' ? { eta: 0 } : {}) });
  const t0 = performance.now();
  await sample({
    scheduler,
    numInferenceSteps: steps,
    shape,
    rng: createRng(7).fork(0),
    condition,
    nullCondition,
    guidanceScale: 5,
    guidanceInterval: interval,
    denoise: ({ xt }) => (xt.length === size ? eps1 : eps2),
  });
  return performance.now() - t0;
}

const grid: [SamplerName, number][] = [
  ['ddim', 50],
  ['ddim', 20],
  ['ddim', 15],
  ['ddim', 10],
  ['ddim', 8],
  ['dpmpp_2m', 20],
  ['dpmpp_2m', 15],
  ['dpmpp_2m', 10],
  ['dpmpp_2m', 8],
  ['unipc', 20],
  ['unipc', 15],
  ['unipc', 10],
  ['unipc', 8],
];
const configs = [null, [200, 999] as GuidanceInterval].flatMap((interval) => grid.map(([sampler, steps]) => ({ sampler, steps, interval })));
const times = configs.map(() => [] as number[]);
for (const c of configs) await timeOnce(c.sampler, c.steps, c.interval); // warm-up (JIT)
for (let r = 0; r < repeats; r++) {
  for (let k = 0; k < configs.length; k++) times[k]!.push(await timeOnce(configs[k]!.sampler, configs[k]!.steps, configs[k]!.interval));
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const results = configs.map((c, k) => ({ ...c, ms: median(times[k]!), msPerStep: median(times[k]!) / c.steps, vsDdimSameSteps: null as number | null }));
for (const r of results) {
  if (r.sampler === 'ddim') continue;
  const base = results.find((q) => q.sampler === 'ddim' && q.interval === r.interval && q.steps === r.steps)!;
  r.vsDdimSameSteps = r.msPerStep / base.msPerStep;
}
console.log('sampler    steps  guidance interval  ms/run  ms/step  vs DDIM, same steps (same run)');
for (const r of results) {
  console.log(
    `${r.sampler.padEnd(10)} ${String(r.steps).padStart(5)}  ${(r.interval ? `[${r.interval.join(', ')}]` : 'none').padEnd(17)} ${r.ms.toFixed(1).padStart(7)} ${r.msPerStep.toFixed(2).padStart(8)}  ${r.vsDdimSameSteps === null ? 'baseline' : `${r.vsDdimSameSteps.toFixed(2)}x`}`,
  );
}
const ddim50 = results.find((r) => r.sampler === 'ddim' && r.steps === 50 && r.interval === null)!.ms;
console.log(
  JSON.stringify({
    bench: 'sampler-overhead',
    latentShape: shape,
    guidanceScale: 5,
    repeats,
    node: process.version,
    ddim50Ms: ddim50,
    results: results.map((r) => ({ ...r, vsDdim50Run: r.ms / ddim50 })),
  }),
);
