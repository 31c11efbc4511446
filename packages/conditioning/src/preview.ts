/**
 * previewDistribution: what a spec will produce for a model, before a cohort is generated:
 * sampled vectors, per-feature histograms (normalised and physical units), and how many draws were
 * rejected and why.
 *
 * Physical units per feature (the anatomy a model voxel covers, [sx, sy, sz] mm: anatomicalSpacingMm when the
 * model declares it, else the grid spacing; grid [D, H, W]):
 *   voxel_volume -> mL = f maxVoxelCount sx sy sz / 1000
 *   surface_area -> mm^2 ~= f maxSurfaceArea (sx sy sz)^(2/3)   (exact for isotropic spacing only)
 *   sphericity   -> unitless
 *   x, w -> mm = f W sx;   y, h -> f H sy;   z, d -> f D sz
 */
import type { ModelConditioning } from './model.ts';
import { compileSampler } from './sample.ts';
import type { SubjectDraw } from './sample.ts';
import { validateSpec } from './spec.ts';
import type { Issue } from './model.ts';
import { FEATURE_NAMES } from './types.ts';
import type { FeatureName, Features9 } from './types.ts';

export interface FeatureHistogram {
  feature: FeatureName;
  /** bins + 1 edges in normalised units (the model's training range, widened to the data if needed). */
  edges: number[];
  counts: number[];
  physicalUnit: 'mL' | 'mm2' | '1' | 'mm';
  physicalEdges: number[];
  /** True where the physical conversion is approximate (surface area with anisotropic spacing). */
  physicalApproximate: boolean;
}

export interface Preview {
  ok: true;
  n: number;
  seed: number;
  vectors: Features9[];
  /** Subjects for which all maxTries draws were rejected. */
  failed: number;
  rejections: { total: number; byReason: Record<string, number> };
  histograms: FeatureHistogram[];
  /** Requested vs achieved counts per quota stratum. */
  strata: { name: string; count: number }[] | null;
}

export function physicalScale(model: ModelConditioning, feature: FeatureName): { unit: FeatureHistogram['physicalUnit']; scale: number; approximate: boolean } {
  const [sx, sy, sz] = model.anatomicalSpacingMm ?? model.spacingMm;
  const [D, H, W] = model.volumeShapeDhw;
  switch (feature) {
    case 'voxel_volume':
      return { unit: 'mL', scale: (model.maxVoxelCount * sx * sy * sz) / 1000, approximate: false };
    case 'surface_area':
      return { unit: 'mm2', scale: model.maxSurfaceArea * Math.cbrt(sx * sy * sz) ** 2, approximate: !(sx === sy && sy === sz) };
    case 'sphericity':
      return { unit: '1', scale: 1, approximate: false };
    case 'x':
    case 'w':
      return { unit: 'mm', scale: W * sx, approximate: false };
    case 'y':
    case 'h':
      return { unit: 'mm', scale: H * sy, approximate: false };
    case 'z':
    case 'd':
      return { unit: 'mm', scale: D * sz, approximate: false };
  }
}

/**
 * Sample a cohort of n (quotas honoured) with `seed` and summarise it. Returns the validator's
 * issues instead of throwing when the spec is invalid for this model.
 */
export function previewDistribution(spec: unknown, n: number, seed: number, model: ModelConditioning, bins = 20): Preview | { ok: false; errors: Issue[] } {
  const v = validateSpec(spec, model);
  if (!v.ok) return v;
  if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000) return { ok: false, errors: [{ path: ['n'], code: 'out_of_bounds', message: `n must be an integer in [1, 1000000], got ${n}` }] };
  if (!Number.isSafeInteger(seed) || seed < 0) return { ok: false, errors: [{ path: ['seed'], code: 'out_of_bounds', message: `seed must be a non-negative safe integer, got ${seed}` }] };
  const sampler = compileSampler(v.spec, model);
  const vectors: Features9[] = [];
  const byReason: Record<string, number> = {};
  let failed = 0;
  let total = 0;
  const strataCounts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const d: SubjectDraw = sampler.sample(seed, i, n);
    for (const [r, c] of Object.entries(d.rejections)) {
      byReason[r] = (byReason[r] ?? 0) + c;
      total += c;
    }
    if (d.vector) vectors.push(d.vector);
    else failed++;
    if (d.stratum !== null && d.vector) strataCounts.set(d.stratum, (strataCounts.get(d.stratum) ?? 0) + 1);
  }
  const histograms = FEATURE_NAMES.map((feature, fi) => {
    let [lo, hi] = model.trainingRanges[feature];
    for (const vec of vectors) {
      if (vec[fi]! < lo) lo = vec[fi]!;
      if (vec[fi]! > hi) hi = vec[fi]!;
    }
    if (!(hi > lo)) hi = lo + 1e-9;
    const counts = new Array<number>(bins).fill(0);
    for (const vec of vectors) {
      const b = Math.min(bins - 1, Math.floor(((vec[fi]! - lo) / (hi - lo)) * bins));
      counts[b]!++;
    }
    const edges = Array.from({ length: bins + 1 }, (_, b) => lo + ((hi - lo) * b) / bins);
    const ph = physicalScale(model, feature);
    return { feature, edges, counts, physicalUnit: ph.unit, physicalEdges: edges.map((e) => e * ph.scale), physicalApproximate: ph.approximate };
  });
  const strata = v.spec.quotas ? v.spec.quotas.strata.map((s) => ({ name: s.name, count: strataCounts.get(s.name) ?? 0 })) : null;
  return { ok: true, n, seed, vectors, failed, rejections: { total, byReason }, histograms, strata };
}
