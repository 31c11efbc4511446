/**
 * Benchmark: feature extraction and the mask post-processing (largestComponent, reported also as a ratio of
 * the feature extraction the worker runs on the same mask) on the fixture masks (64^3 and [96, 192, 192]),
 * 10,000 draws from each kind of distribution, and previewDistribution(n = 1000).
 * Prints progress, then one JSON line with the numbers (milliseconds).
 * Run: npm run bench -w @slicewise/conditioning
 */
import { readFileSync } from 'node:fs';
import { largestComponent } from '../src/components.ts';
import { computeFeatures } from '../src/features.ts';
import { fitEmpirical, empiricalSpec } from '../src/empirical.ts';
import { previewDistribution } from '../src/preview.ts';
import { rleDecode } from '../src/rle.ts';
import { compileSampler } from '../src/sample.ts';
import type { DistributionSpec } from '../src/spec.ts';
import { ellipsoidMask, testModel } from '../src/testing.ts';
import type { ShapeDhw } from '../src/types.ts';
import { Rng } from '../src/rng.ts';

const log = (s: string) => process.stderr.write(s + '\n');
function time(fn: () => void, reps: number): number {
  fn(); // warm-up (JIT)
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) fn();
  return (performance.now() - t0) / reps;
}

const result: Record<string, number | string> = { node: process.version };
const bench = JSON.parse(readFileSync(new URL('../fixtures/bench-masks.json', import.meta.url), 'utf8')) as {
  cases: { name: string; shapeDhw: ShapeDhw; rle: number[]; expected: { raw: { voxel_count: number; surface_area_vox: number } } }[];
};
for (const c of bench.cases) {
  const mask = rleDecode(c.rle, c.shapeDhw);
  log(`features: ${c.name} ${c.shapeDhw.join('x')} ...`);
  let f = computeFeatures(mask, c.shapeDhw, [1, 1, 1]);
  const ms = time(() => { f = computeFeatures(mask, c.shapeDhw, [1, 1, 1]); }, 5);
  const rel = Math.abs(f.raw.surfaceAreaVox - c.expected.raw.surface_area_vox) / c.expected.raw.surface_area_vox;
  if (f.raw.voxelCount !== c.expected.raw.voxel_count || rel > 1e-4) throw new Error(`${c.name}: features disagree with Python (count ${f.raw.voxelCount}, area rel ${rel})`);
  result[`features_${c.name}_ms`] = Number(ms.toFixed(2));
  log(`largestComponent: ${c.name} ...`);
  const lc = time(() => largestComponent(mask, c.shapeDhw), 5);
  result[`largest_component_${c.name}_ms`] = Number(lc.toFixed(2));
  result[`largest_component_${c.name}_vs_features`] = Number((lc / ms).toFixed(3));
}

const model = testModel();
const grid: ShapeDhw = [64, 64, 64];
const rng = Rng.forKey(0, 1, 0);
const refs = Array.from({ length: 50 }, (_, i) => {
  const r = 4 + 8 * rng.uniform();
  const m = ellipsoidMask(grid, [28 + 8 * rng.uniform(), 26 + 10 * rng.uniform(), 24 + 14 * rng.uniform()], [r * (0.7 + 0.4 * rng.uniform()), r, r * (0.8 + 0.4 * rng.uniform())]);
  return { sha256: i.toString(16).padStart(64, '0'), features: computeFeatures(m, grid) };
});
const wide = { ...model, trainingRanges: { ...model.trainingRanges, sphericity: [0.24, 0.99] as [number, number] } };
const strata = [{ name: 'small', min: 0, max: 0.1, fraction: 0.3 }, { name: 'medium', min: 0.1, max: 0.4, fraction: 0.5 }, { name: 'large', min: 0.4, max: 1.01, fraction: 0.2 }];
const kinds: [string, DistributionSpec, typeof model][] = [
  ['default_uniform', { version: 1, kind: 'parametric' }, model],
  ['fixed', { version: 1, kind: 'parametric', features: { voxel_volume: { type: 'fixed', value: 0.2 }, sphericity: { type: 'fixed', value: 0.6 } }, position: { type: 'centroid', x: 0.45, y: 0.5, z: 0.5 } }, model],
  ['truncnormal', { version: 1, kind: 'parametric', features: { voxel_volume: { type: 'truncnormal', mean: 0.3, sd: 0.1, min: 0.01, max: 1 }, sphericity: { type: 'truncnormal', mean: 0.6, sd: 0.1, min: 0.3, max: 0.85 } } }, model],
  ['beta', { version: 1, kind: 'parametric', features: { sphericity: { type: 'beta', alpha: 5, beta: 3, min: 0.24, max: 0.86 } } }, model],
  ['lognormal_volume', { version: 1, kind: 'parametric', features: { voxel_volume: { type: 'lognormal', mu: -1.5, sigma: 0.7, min: 0.009, max: 1 } } }, model],
  ['mixture', { version: 1, kind: 'parametric', features: { voxel_volume: { type: 'mixture', components: [{ weight: 0.6, dist: { type: 'uniform', min: 0.02, max: 0.1 } }, { weight: 0.4, dist: { type: 'truncnormal', mean: 0.5, sd: 0.15, min: 0.1, max: 1 } }] } } }, model],
  ['region_left_quotas', { version: 1, kind: 'parametric', features: { voxel_volume: { type: 'lognormal', mu: -1.5, sigma: 0.7, min: 0.009, max: 1 } }, position: { type: 'region', region: 'left' }, quotas: { feature: 'voxel_volume', strata } }, model],
  ['empirical', empiricalSpec(fitEmpirical(refs, grid, [1, 1, 1], 0.25)), wide],
];
for (const [name, spec, m] of kinds) {
  log(`sampling: ${name} x 10000 ...`);
  const s = compileSampler(spec, m);
  let rejected = 0, failed = 0;
  const ms = time(() => {
    rejected = 0;
    failed = 0;
    for (let i = 0; i < 10000; i++) {
      const d = s.sample(17, i, 10000);
      if (!d.vector) failed++;
      rejected += d.tries - (d.vector ? 1 : 0);
    }
  }, 3);
  result[`draw10k_${name}_ms`] = Number(ms.toFixed(1));
  result[`draw10k_${name}_rejected`] = rejected;
  if (failed) result[`draw10k_${name}_failed`] = failed;
}
log('preview n=1000 ...');
const pm = testModel(); // fresh model: the first preview also builds the region cache
const previewSpec = kinds[6]![1];
const t0 = performance.now();
previewDistribution(previewSpec, 1000, 3, pm);
result.preview1000_cold_ms = Number((performance.now() - t0).toFixed(1));
result.preview1000_warm_ms = Number(time(() => previewDistribution(previewSpec, 1000, 3, pm), 5).toFixed(1));
console.log(JSON.stringify(result));
