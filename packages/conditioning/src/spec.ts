/**
 * Condition distribution spec (version 1): a serialisable, versioned description of how tumour
 * condition vectors are drawn, and its validator: the one schema shared by API, worker and web.
 *
 * Units: every value is in the model's normalised feature units (SPEC.md): voxel_volume is the
 * voxel count / maxVoxelCount, x, y, z are relative centres in [0, 1], sphericity is unitless.
 * Derived features are never drawn: surface_area follows from voxel_volume and sphericity,
 * w, h, d from the volume, `shape.fill` (volume / bounding-box volume) and `shape.aspect_*`
 * (bounding-box side ratios in mm). See README.md for the format with an example.
 *
 * validateSpec never throws: it returns a list of issues { path, message, code }.
 */
import { FEATURE_NAMES } from './types.ts';
import type { FeatureName, ShapeDhw, SpacingMm } from './types.ts';
import type { Issue, ModelConditioning } from './model.ts';
import { insideBrain } from './model.ts';
import { regionVoxelCount } from './regions.ts';

export const DISTRIBUTION_SPEC_VERSION = 1 as const;

export type Marginal =
  | { type: 'fixed'; value: number }
  | { type: 'uniform'; min: number; max: number }
  | { type: 'truncnormal'; mean: number; sd: number; min: number; max: number }
  /** Beta(alpha, beta) scaled onto [min, max] (default [0, 1]). */
  | { type: 'beta'; alpha: number; beta: number; min?: number; max?: number }
  /** exp(N(mu, sigma^2)), optionally truncated to [min, max]. */
  | { type: 'lognormal'; mu: number; sigma: number; min?: number; max?: number }
  | { type: 'mixture'; components: { weight: number; dist: Marginal }[] };

/** Features a parametric spec may draw (the others are derived). */
export const DRAWN_FEATURES = ['voxel_volume', 'sphericity', 'x', 'y', 'z'] as const;
export type DrawnFeature = (typeof DRAWN_FEATURES)[number];
export const DERIVED_FEATURES = ['surface_area', 'w', 'h', 'd'] as const;
export const SHAPE_PARAMS = ['fill', 'aspect_yx', 'aspect_zx'] as const;
export type ShapeParam = (typeof SHAPE_PARAMS)[number];

/** Anatomical regions; front = anterior, back = posterior, upper = superior, lower = inferior. */
export const REGIONS = ['anywhere', 'left', 'right', 'front', 'back', 'upper', 'lower'] as const;
export type Region = (typeof REGIONS)[number];

export type PositionSpec =
  /** Relative centroid in [0, 1) with optional Gaussian jitter (sd, relative units). */
  | { type: 'centroid'; x: number; y: number; z: number; jitter?: number }
  /** A uniformly drawn brain voxel inside the region (an array means the intersection). */
  | { type: 'region'; region: Region | Region[] }
  /** x, y, z from `features` marginals (uniform over the training range where absent). */
  | { type: 'marginals' };

export const QUOTA_FEATURES = ['voxel_volume', 'sphericity'] as const;
export type QuotaFeature = (typeof QUOTA_FEATURES)[number];
export interface QuotaSpec {
  feature: QuotaFeature;
  /** Non-overlapping [min, max) strata; fractions sum to 1; a cohort of N gets exactly round(N f) each. */
  strata: { name: string; min: number; max: number; fraction: number }[];
}

export interface EmpiricalReference {
  /** sha256 (hex) of the mask file this vector was measured on. */
  sha256: string;
  name?: string;
  /** Unnormalised features on the reference grid: [voxelCount, surfaceAreaVox, sphericity, x, y, z, w, h, d]. */
  features: number[];
}
export interface EmpiricalSpec {
  /** Grid [D, H, W] and spacing the reference features were measured on. */
  gridShapeDhw: ShapeDhw;
  spacingMm: SpacingMm;
  /** Kernel jitter: sd of the Gaussian kernel as a fraction of each parameter's sample sd. */
  bandwidth: number;
  references: EmpiricalReference[];
}

export interface DistributionSpec {
  version: typeof DISTRIBUTION_SPEC_VERSION;
  /**
   * parametric: marginals below; empirical: kernel density over `empirical.references`;
   * training: kernel density over the model's own training condition vectors (metadata
   * conditioning.empirical_sample), i.e. "tumours like the ones the model has seen".
   */
  kind: 'parametric' | 'empirical' | 'training';
  name?: string;
  description?: string;
  features?: Partial<Record<DrawnFeature, Marginal>>;
  shape?: Partial<Record<ShapeParam, Marginal>>;
  position?: PositionSpec;
  quotas?: QuotaSpec;
  empirical?: EmpiricalSpec;
  /** kind "training": kernel jitter (fraction of each parameter's sd; default 0.25). */
  training?: { bandwidth: number };
  /** Vectors outside the model's training ranges (or the brain) are redrawn up to maxTries times. */
  outOfRange?: { rule: 'reject'; maxTries: number };
}

export const DEFAULT_MAX_TRIES = 100;
export const MAX_MAX_TRIES = 10000;

/** Where each drawn quantity may lie at all (model-independent). */
export const DOMAINS: Record<DrawnFeature | ShapeParam, [number, number, boolean]> = {
  // [lo, hi, loExclusive]
  voxel_volume: [0, 100, true],
  sphericity: [0, 3, true],
  x: [0, 1, false],
  y: [0, 1, false],
  z: [0, 1, false],
  fill: [0, 1, true],
  aspect_yx: [0, 100, true],
  aspect_zx: [0, 100, true],
};

/** Defaults for the shape parameters when a spec does not give them (see README.md). */
export const DEFAULT_SHAPE: Record<ShapeParam, Marginal> = {
  // a sphere fills pi/6 = 0.52 of its box; irregular tumours less
  fill: { type: 'truncnormal', mean: 0.45, sd: 0.08, min: 0.25, max: 0.7 },
  aspect_yx: { type: 'lognormal', mu: 0, sigma: 0.2, min: 0.5, max: 2 },
  aspect_zx: { type: 'lognormal', mu: 0, sigma: 0.2, min: 0.5, max: 2 },
};

export type ValidationResult = { ok: true; spec: DistributionSpec; errors: [] } | { ok: false; errors: Issue[] };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  if (typeof v === 'number') return String(v); // shows NaN / Infinity, which JSON.stringify hides
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return String(v);
  }
};

class Ctx {
  issues: Issue[] = [];
  add(path: string[], code: Issue['code'], message: string): void {
    this.issues.push({ path: [...path], code, message });
  }
  keys(o: Record<string, unknown>, allowed: readonly string[], path: string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.add([...path, k], 'unknown_key', `unknown key "${k}" at ${path.join('.') || 'top level'}; allowed: ${allowed.join(', ')}`);
    }
  }
  num(o: Record<string, unknown>, k: string, path: string[], opts: { required?: boolean; min?: number; minExclusive?: boolean; max?: number; integer?: boolean } = {}): number | undefined {
    const v = o[k];
    const p = [...path, k];
    if (v === undefined) {
      if (opts.required !== false) this.add(p, 'required', `${p.join('.')} is required (a number)`);
      return undefined;
    }
    if (typeof v !== 'number') {
      this.add(p, 'type', `${p.join('.')} must be a number, got ${show(v)}`);
      return undefined;
    }
    if (!Number.isFinite(v)) {
      this.add(p, 'not_finite', `${p.join('.')} must be finite, got ${show(v)}`);
      return undefined;
    }
    if (opts.integer && !Number.isInteger(v)) {
      this.add(p, 'type', `${p.join('.')} must be an integer, got ${v}`);
      return undefined;
    }
    const lo = opts.min, hi = opts.max;
    if ((lo !== undefined && (opts.minExclusive ? v <= lo : v < lo)) || (hi !== undefined && v > hi)) {
      const range = `${lo === undefined ? '(-inf' : opts.minExclusive ? `(${lo}` : `[${lo}`}, ${hi === undefined ? 'inf)' : `${hi}]`}`;
      this.add(p, 'out_of_bounds', `${p.join('.')} = ${v} is outside the allowed range ${range}`);
      return undefined;
    }
    return v;
  }
}

/** Support [lo, hi] of a (structurally valid) marginal. */
export function marginalSupport(m: Marginal): [number, number] {
  switch (m.type) {
    case 'fixed':
      return [m.value, m.value];
    case 'uniform':
    case 'truncnormal':
      return [m.min, m.max];
    case 'beta':
      return [m.min ?? 0, m.max ?? 1];
    case 'lognormal':
      return [m.min ?? 0, m.max ?? Infinity];
    case 'mixture': {
      let lo = Infinity, hi = -Infinity;
      for (const c of m.components) {
        if (c.weight <= 0) continue;
        const [a, b] = marginalSupport(c.dist);
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
      }
      return [lo, hi];
    }
  }
}

function checkMarginal(ctx: Ctx, v: unknown, path: string[], depth: number): Marginal | null {
  if (!isObj(v)) {
    ctx.add(path, 'type', `${path.join('.')} must be a marginal object {type: fixed|uniform|truncnormal|beta|lognormal|mixture, ...}, got ${show(v)}`);
    return null;
  }
  const before = ctx.issues.length;
  const t = v.type;
  const minMax = (lo: number | undefined, hi: number | undefined, strict: boolean) => {
    if (lo !== undefined && hi !== undefined && (strict ? lo >= hi : lo > hi)) {
      ctx.add([...path, 'min'], 'min_gt_max', `${path.join('.')}: min ${lo} must be ${strict ? '<' : '<='} max ${hi}`);
    }
  };
  switch (t) {
    case 'fixed':
      ctx.keys(v, ['type', 'value'], path);
      ctx.num(v, 'value', path);
      break;
    case 'uniform': {
      ctx.keys(v, ['type', 'min', 'max'], path);
      minMax(ctx.num(v, 'min', path), ctx.num(v, 'max', path), false);
      break;
    }
    case 'truncnormal': {
      ctx.keys(v, ['type', 'mean', 'sd', 'min', 'max'], path);
      ctx.num(v, 'mean', path);
      ctx.num(v, 'sd', path, { min: 0, minExclusive: true });
      minMax(ctx.num(v, 'min', path), ctx.num(v, 'max', path), true);
      break;
    }
    case 'beta': {
      ctx.keys(v, ['type', 'alpha', 'beta', 'min', 'max'], path);
      ctx.num(v, 'alpha', path, { min: 0, minExclusive: true, max: 1e4 });
      ctx.num(v, 'beta', path, { min: 0, minExclusive: true, max: 1e4 });
      minMax(ctx.num(v, 'min', path, { required: false }) ?? 0, ctx.num(v, 'max', path, { required: false }) ?? 1, true);
      break;
    }
    case 'lognormal': {
      ctx.keys(v, ['type', 'mu', 'sigma', 'min', 'max'], path);
      ctx.num(v, 'mu', path, { min: -50, max: 50 });
      ctx.num(v, 'sigma', path, { min: 0, minExclusive: true, max: 20 });
      const lo = ctx.num(v, 'min', path, { required: false, min: 0 });
      const hi = ctx.num(v, 'max', path, { required: false, min: 0, minExclusive: true });
      minMax(lo ?? 0, hi, true);
      break;
    }
    case 'mixture': {
      ctx.keys(v, ['type', 'components'], path);
      if (depth >= 3) {
        ctx.add(path, 'out_of_bounds', `${path.join('.')}: mixtures nest at most 3 deep`);
        break;
      }
      const comps = v.components;
      if (!Array.isArray(comps) || comps.length === 0 || comps.length > 16) {
        ctx.add([...path, 'components'], 'type', `${path.join('.')}.components must be an array of 1 to 16 {weight, dist}, got ${show(comps)}`);
        break;
      }
      let sum = 0;
      let allWeights = true;
      comps.forEach((c, i) => {
        const cp = [...path, 'components', String(i)];
        if (!isObj(c)) {
          ctx.add(cp, 'type', `${cp.join('.')} must be {weight, dist}, got ${show(c)}`);
          allWeights = false;
          return;
        }
        ctx.keys(c, ['weight', 'dist'], cp);
        const w = ctx.num(c, 'weight', cp, { min: 0, max: 1 });
        if (w === undefined) allWeights = false;
        else sum += w;
        checkMarginal(ctx, c.dist, [...cp, 'dist'], depth + 1);
      });
      if (allWeights && Math.abs(sum - 1) > 1e-6) {
        ctx.add([...path, 'components'], 'weights_sum', `${path.join('.')}: component weights sum to ${sum}, they must sum to 1`);
      }
      break;
    }
    default:
      ctx.add([...path, 'type'], t === undefined ? 'required' : 'type', `${path.join('.')}.type must be one of fixed, uniform, truncnormal, beta, lognormal, mixture; got ${show(t)}`);
  }
  return ctx.issues.length === before ? (v as Marginal) : null;
}

/** Check the marginal's support against the quantity's domain and (with a model) its training range. */
function checkSupport(ctx: Ctx, m: Marginal, name: DrawnFeature | ShapeParam, path: string[], model?: ModelConditioning): void {
  const [lo, hi] = marginalSupport(m);
  const [dlo, dhi, excl] = DOMAINS[name];
  if ((excl ? lo <= dlo : lo < dlo) || hi > dhi) {
    ctx.add(path, 'out_of_bounds', `${path.join('.')}: values range over [${lo}, ${hi}], ${name} must lie in ${excl ? '(' : '['}${dlo}, ${dhi}]` +
      (hi === Infinity ? ' (give the lognormal a max)' : ''));
    return;
  }
  if (model && (FEATURE_NAMES as readonly string[]).includes(name)) {
    const [tlo, thi] = model.trainingRanges[name as FeatureName];
    if (hi < tlo || lo > thi) {
      ctx.add(path, 'outside_training_range', `${path.join('.')}: values range over [${lo}, ${hi}] but the model was trained on ${name} in [${tlo}, ${thi}]: every draw would be rejected`);
    }
  }
}

function checkPosition(ctx: Ctx, v: unknown, path: string[], model?: ModelConditioning): PositionSpec | null {
  if (!isObj(v)) {
    ctx.add(path, 'type', `position must be {type: centroid|region|marginals, ...}, got ${show(v)}`);
    return null;
  }
  const before = ctx.issues.length;
  switch (v.type) {
    case 'centroid': {
      ctx.keys(v, ['type', 'x', 'y', 'z', 'jitter'], path);
      const x = ctx.num(v, 'x', path, { min: 0, max: 1 });
      const y = ctx.num(v, 'y', path, { min: 0, max: 1 });
      const z = ctx.num(v, 'z', path, { min: 0, max: 1 });
      ctx.num(v, 'jitter', path, { required: false, min: 0, max: 0.5 });
      if (model && x !== undefined && y !== undefined && z !== undefined && !insideBrain(model, x, y, z)) {
        ctx.add(path, 'outside_brain', `position (x ${x}, y ${y}, z ${z}) is outside the model's brain mask: choose a centroid inside the brain`);
      }
      if (model && x !== undefined && y !== undefined && z !== undefined) {
        const names = ['x', 'y', 'z'] as const;
        [x, y, z].forEach((val, i) => {
          const [tlo, thi] = model.trainingRanges[names[i]!];
          const jit = typeof v.jitter === 'number' && Number.isFinite(v.jitter) ? 3 * v.jitter : 0;
          if (val + jit < tlo || val - jit > thi) {
            ctx.add([...path, names[i]!], 'outside_training_range', `position.${names[i]} = ${val} is outside the model's trained range [${tlo}, ${thi}]`);
          }
        });
      }
      break;
    }
    case 'region': {
      ctx.keys(v, ['type', 'region'], path);
      const r = v.region;
      const list = Array.isArray(r) ? r : [r];
      if (list.length === 0 || list.length > 4) ctx.add([...path, 'region'], 'type', `position.region must be a region or an array of 1 to 4 regions`);
      list.forEach((x, i) => {
        if (!(REGIONS as readonly unknown[]).includes(x)) {
          ctx.add(Array.isArray(r) ? [...path, 'region', String(i)] : [...path, 'region'], 'type', `unknown region ${show(x)}; allowed: ${REGIONS.join(', ')}`);
        }
      });
      if (ctx.issues.length === before) {
        const set = new Set(list as Region[]);
        if ((set.has('left') && set.has('right')) || (set.has('front') && set.has('back')) || (set.has('upper') && set.has('lower'))) {
          ctx.add([...path, 'region'], 'conflict', `regions ${show(r)} do not intersect (opposite sides)`);
        } else if (model && regionVoxelCount(model, list as Region[]) === 0) {
          ctx.add([...path, 'region'], 'outside_brain', `region ${show(r)} contains no brain voxel of the model`);
        }
      }
      break;
    }
    case 'marginals':
      ctx.keys(v, ['type'], path);
      break;
    default:
      ctx.add([...path, 'type'], v.type === undefined ? 'required' : 'type', `position.type must be centroid, region or marginals; got ${show(v.type)}`);
  }
  return ctx.issues.length === before ? (v as PositionSpec) : null;
}

function checkEmpirical(ctx: Ctx, v: unknown, path: string[]): EmpiricalSpec | null {
  if (!isObj(v)) {
    ctx.add(path, 'required', `empirical must be {gridShapeDhw, spacingMm, bandwidth, references}, got ${show(v)}`);
    return null;
  }
  const before = ctx.issues.length;
  ctx.keys(v, ['gridShapeDhw', 'spacingMm', 'bandwidth', 'references'], path);
  const g = v.gridShapeDhw;
  if (!Array.isArray(g) || g.length !== 3 || !g.every((n) => Number.isInteger(n) && n > 0 && n <= 4096)) {
    ctx.add([...path, 'gridShapeDhw'], 'type', `gridShapeDhw must be three positive integers [D, H, W], got ${show(g)}`);
  }
  const s = v.spacingMm;
  if (!Array.isArray(s) || s.length !== 3 || !s.every((n) => typeof n === 'number' && Number.isFinite(n) && n > 0 && n <= 100)) {
    ctx.add([...path, 'spacingMm'], 'type', `spacingMm must be three finite numbers in (0, 100] mm, got ${show(s)}`);
  }
  ctx.num(v, 'bandwidth', path, { min: 0, max: 2 });
  const refs = v.references;
  if (!Array.isArray(refs) || refs.length === 0 || refs.length > 100000) {
    ctx.add([...path, 'references'], refs === undefined ? 'required' : 'type', `references must be an array of 1 to 100000 {sha256, features}, got ${show(refs)}`);
  } else {
    for (let i = 0; i < refs.length && ctx.issues.length - before < 20; i++) {
      const r = refs[i];
      const rp = [...path, 'references', String(i)];
      if (!isObj(r)) {
        ctx.add(rp, 'type', `reference must be {sha256, name?, features}, got ${show(r)}`);
        continue;
      }
      ctx.keys(r, ['sha256', 'name', 'features'], rp);
      if (typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) ctx.add([...rp, 'sha256'], 'type', `sha256 must be 64 lowercase hex characters, got ${show(r.sha256)}`);
      if (r.name !== undefined && typeof r.name !== 'string') ctx.add([...rp, 'name'], 'type', `name must be a string`);
      const f = r.features;
      if (!Array.isArray(f) || f.length !== 9) {
        ctx.add([...rp, 'features'], 'type', `features must be 9 numbers [voxelCount, surfaceAreaVox, sphericity, x, y, z, w, h, d], got ${show(f)}`);
        continue;
      }
      const bounds: [number, number, boolean][] = [
        [0, 1e10, true], [0, 1e10, true], [0, 3, true], [0, 1, false], [0, 1, false], [0, 1, false], [0, 1, true], [0, 1, true], [0, 1, true],
      ];
      f.forEach((x, j) => {
        const [lo, hi, ex] = bounds[j]!;
        const name = FEATURE_NAMES[j]!;
        if (typeof x !== 'number' || !Number.isFinite(x)) ctx.add([...rp, 'features', String(j)], 'not_finite', `${name} must be a finite number, got ${show(x)}`);
        else if ((ex ? x <= lo : x < lo) || x > hi) ctx.add([...rp, 'features', String(j)], 'out_of_bounds', `${name} = ${x} must lie in ${ex ? '(' : '['}${lo}, ${hi}]` + (j === 0 ? ' (an empty mask cannot be a reference)' : ''));
      });
    }
  }
  return ctx.issues.length === before ? (v as unknown as EmpiricalSpec) : null;
}

function checkQuotas(ctx: Ctx, v: unknown, path: string[]): QuotaSpec | null {
  if (!isObj(v)) {
    ctx.add(path, 'type', `quotas must be {feature, strata: [{name, min, max, fraction}]}, got ${show(v)}`);
    return null;
  }
  const before = ctx.issues.length;
  ctx.keys(v, ['feature', 'strata'], path);
  if (!(QUOTA_FEATURES as readonly unknown[]).includes(v.feature)) {
    const derived = (FEATURE_NAMES as readonly unknown[]).includes(v.feature);
    ctx.add([...path, 'feature'], derived ? 'derived_feature' : 'unknown_feature', `quota feature must be one of ${QUOTA_FEATURES.join(', ')}, got ${show(v.feature)}`);
  }
  const strata = v.strata;
  if (!Array.isArray(strata) || strata.length === 0 || strata.length > 32) {
    ctx.add([...path, 'strata'], 'type', `strata must be an array of 1 to 32 {name, min, max, fraction}, got ${show(strata)}`);
    return null;
  }
  let sum = 0;
  let complete = true;
  const names = new Set<string>();
  const ranges: [number, number, number][] = [];
  strata.forEach((s, i) => {
    const sp = [...path, 'strata', String(i)];
    if (!isObj(s)) {
      ctx.add(sp, 'type', `stratum must be {name, min, max, fraction}, got ${show(s)}`);
      complete = false;
      return;
    }
    ctx.keys(s, ['name', 'min', 'max', 'fraction'], sp);
    if (typeof s.name !== 'string' || s.name.length === 0 || s.name.length > 64) ctx.add([...sp, 'name'], 'type', `stratum name must be a string of 1 to 64 characters, got ${show(s.name)}`);
    else if (names.has(s.name)) ctx.add([...sp, 'name'], 'conflict', `duplicate stratum name ${show(s.name)}`);
    else names.add(s.name);
    const lo = ctx.num(s, 'min', sp, { min: 0 });
    const hi = ctx.num(s, 'max', sp, { min: 0 });
    if (lo !== undefined && hi !== undefined) {
      if (lo >= hi) ctx.add([...sp, 'min'], 'min_gt_max', `stratum min ${lo} must be < max ${hi}`);
      else ranges.push([lo, hi, i]);
    }
    const f = ctx.num(s, 'fraction', sp, { min: 0, max: 1 });
    if (f === undefined) complete = false;
    else sum += f;
  });
  if (complete && Math.abs(sum - 1) > 1e-6) ctx.add([...path, 'strata'], 'quota_sum', `stratum fractions sum to ${sum}; they must add up to 1`);
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0] < ranges[i - 1]![1]) {
      ctx.add([...path, 'strata', String(ranges[i]![2])], 'conflict', `stratum [${ranges[i]![0]}, ${ranges[i]![1]}) overlaps [${ranges[i - 1]![0]}, ${ranges[i - 1]![1]})`);
    }
  }
  return ctx.issues.length === before ? (v as unknown as QuotaSpec) : null;
}

/**
 * Validate an untrusted distribution spec (parsed JSON). With `model`, also check it against the
 * model: positions inside the brain mask, supports overlapping the training ranges, strata reachable.
 * Never throws; unknown keys, NaN/Infinity, negative sizes, min > max, weights or quotas not summing
 * to 1, unknown or derived features are reported with their path.
 */
export function validateSpec(input: unknown, model?: ModelConditioning): ValidationResult {
  const ctx = new Ctx();
  try {
    validateInto(ctx, input, model);
  } catch (e) {
    // defensive: a validator bug must still not escape as an exception
    ctx.add([], 'type', `spec could not be validated: ${(e as Error).message}`);
  }
  return ctx.issues.length === 0 ? { ok: true, spec: input as DistributionSpec, errors: [] } : { ok: false, errors: ctx.issues };
}

function validateInto(ctx: Ctx, input: unknown, model?: ModelConditioning): void {
  if (!isObj(input)) {
    ctx.add([], 'type', `a distribution spec must be an object, got ${show(input)}`);
    return;
  }
  ctx.keys(input, ['version', 'kind', 'name', 'description', 'features', 'shape', 'position', 'quotas', 'empirical', 'training', 'outOfRange'], []);
  if (input.version !== DISTRIBUTION_SPEC_VERSION) {
    ctx.add(['version'], input.version === undefined ? 'required' : 'unsupported_version', `version must be ${DISTRIBUTION_SPEC_VERSION}, got ${show(input.version)}`);
  }
  const kind = input.kind;
  if (kind !== 'parametric' && kind !== 'empirical' && kind !== 'training') {
    ctx.add(['kind'], kind === undefined ? 'required' : 'type', `kind must be "parametric", "empirical" or "training", got ${show(kind)}`);
  }
  if (kind === 'training' && model && model.empiricalSample.length === 0) {
    ctx.add(['kind'], 'empty', 'kind "training" needs the model metadata\'s conditioning.empirical_sample, and this model has none');
  }
  if (input.training !== undefined) {
    if (kind !== 'training') ctx.add(['training'], 'conflict', '"training" options are only used with kind "training"');
    else if (!isObj(input.training)) ctx.add(['training'], 'type', 'training must be {bandwidth}');
    else {
      ctx.keys(input.training, ['bandwidth'], ['training']);
      ctx.num(input.training, 'bandwidth', ['training'], { min: 0, max: 2 });
    }
  }
  for (const k of ['name', 'description'] as const) {
    if (input[k] !== undefined && (typeof input[k] !== 'string' || (input[k] as string).length > 2000)) ctx.add([k], 'type', `${k} must be a string of at most 2000 characters`);
  }

  const features = input.features;
  let hasXyz = false;
  const marginals: Partial<Record<DrawnFeature, Marginal>> = {};
  if (features !== undefined) {
    if (kind !== 'parametric') ctx.add(['features'], 'conflict', `a ${show(kind)} spec draws features from its references; remove "features"`);
    if (!isObj(features)) ctx.add(['features'], 'type', `features must be an object of marginals keyed by ${DRAWN_FEATURES.join(', ')}`);
    else {
      for (const [k, m] of Object.entries(features)) {
        const p = ['features', k];
        if ((DERIVED_FEATURES as readonly string[]).includes(k)) {
          const why = k === 'surface_area' ? 'it follows from voxel_volume and sphericity: give sphericity' : 'extents follow from the volume and shape.fill / shape.aspect_yx / shape.aspect_zx: give those';
          ctx.add(p, 'derived_feature', `${k} cannot be drawn independently: ${why}`);
          continue;
        }
        if (!(DRAWN_FEATURES as readonly string[]).includes(k)) {
          ctx.add(p, 'unknown_feature', `unknown feature "${k}"; drawn features: ${DRAWN_FEATURES.join(', ')}`);
          continue;
        }
        const mm = checkMarginal(ctx, m, p, 0);
        if (mm) {
          checkSupport(ctx, mm, k as DrawnFeature, p, model);
          marginals[k as DrawnFeature] = mm;
        }
        if (k === 'x' || k === 'y' || k === 'z') hasXyz = true;
      }
    }
  }
  if (input.shape !== undefined) {
    if (kind !== 'parametric') ctx.add(['shape'], 'conflict', `a ${show(kind)} spec draws shape from its references; remove "shape"`);
    if (!isObj(input.shape)) ctx.add(['shape'], 'type', `shape must be an object of marginals keyed by ${SHAPE_PARAMS.join(', ')}`);
    else {
      for (const [k, m] of Object.entries(input.shape)) {
        const p = ['shape', k];
        if (!(SHAPE_PARAMS as readonly string[]).includes(k)) {
          ctx.add(p, 'unknown_key', `unknown shape parameter "${k}"; allowed: ${SHAPE_PARAMS.join(', ')}`);
          continue;
        }
        const mm = checkMarginal(ctx, m, p, 0);
        if (mm) checkSupport(ctx, mm, k as ShapeParam, p, model);
      }
    }
  }
  let position: PositionSpec | null = null;
  if (input.position !== undefined) position = checkPosition(ctx, input.position, ['position'], model);
  if (hasXyz && isObj(input.position) && input.position.type !== 'marginals') {
    ctx.add(['position'], 'conflict', 'features x/y/z are given, so position must be absent or {type: "marginals"}');
  }
  void position;

  let empirical: EmpiricalSpec | null = null;
  if (kind === 'empirical') empirical = checkEmpirical(ctx, input.empirical, ['empirical']);
  else if (input.empirical !== undefined) ctx.add(['empirical'], 'conflict', 'empirical references are only used with kind "empirical"');

  if (input.quotas !== undefined) {
    const q = checkQuotas(ctx, input.quotas, ['quotas']);
    if (q && model) {
      // every stratum must be reachable: its range meets the drawn support and the training range
      const [tlo, thi] = model.trainingRanges[q.feature];
      let support: [number, number] = [tlo, thi];
      if (kind === 'parametric' && marginals[q.feature]) support = marginalSupport(marginals[q.feature]!);
      q.strata.forEach((s, i) => {
        if (s.fraction === 0) return;
        const lo = Math.max(s.min, support[0], tlo);
        const hi = Math.min(s.max, support[1], thi);
        if (lo > hi || (lo === hi && s.max === lo)) {
          ctx.add(['quotas', 'strata', String(i)], 'outside_training_range', `stratum ${show(s.name)} [${s.min}, ${s.max}) cannot be reached: ${q.feature} is drawn in [${support[0]}, ${support[1]}] and the model was trained on [${tlo}, ${thi}]`);
        }
      });
      const refSet = kind === 'empirical' ? empirical : kind === 'training' && model.empiricalSample.length > 0 ? trainingAsEmpirical(model, 0.25) : null;
      if (refSet) {
        const empirical = refSet;
        const counts = empiricalStratumCounts(empirical, q, model);
        counts.forEach((n, i) => {
          if (n === 0 && q.strata[i]!.fraction > 0) ctx.add(['quotas', 'strata', String(i)], 'empty', `stratum ${show(q.strata[i]!.name)} contains none of the ${empirical!.references.length} reference tumours`);
        });
      }
    }
  }

  if (input.outOfRange !== undefined) {
    const o = input.outOfRange;
    if (!isObj(o)) ctx.add(['outOfRange'], 'type', `outOfRange must be {rule: "reject", maxTries}`);
    else {
      ctx.keys(o, ['rule', 'maxTries'], ['outOfRange']);
      if (o.rule !== 'reject') ctx.add(['outOfRange', 'rule'], 'type', `outOfRange.rule must be "reject" (redraw), got ${show(o.rule)}`);
      ctx.num(o, 'maxTries', ['outOfRange'], { min: 1, max: MAX_MAX_TRIES, integer: true });
    }
  }
}

/** The model's training condition vectors as an empirical reference set on the model grid. */
export function trainingAsEmpirical(model: ModelConditioning, bandwidth: number): EmpiricalSpec {
  return {
    gridShapeDhw: model.volumeShapeDhw,
    spacingMm: model.spacingMm,
    bandwidth,
    references: model.empiricalSample.map((v) => ({
      sha256: '',
      features: [v[0] * model.maxVoxelCount, v[1] * model.maxSurfaceArea, v[2], v[3], v[4], v[5], v[6], v[7], v[8]],
    })),
  };
}

/** Model-grid quota value of an empirical reference (normalised units of the model). */
export function referenceQuotaValue(ref: EmpiricalReference, emp: EmpiricalSpec, feature: QuotaFeature, model: ModelConditioning): number {
  if (feature === 'sphericity') return ref.features[2]!;
  const refVoxMm3 = emp.spacingMm[0] * emp.spacingMm[1] * emp.spacingMm[2];
  const modelVoxMm3 = model.spacingMm[0] * model.spacingMm[1] * model.spacingMm[2];
  return (ref.features[0]! * refVoxMm3) / modelVoxMm3 / model.maxVoxelCount;
}

export function stratumOfValue(q: QuotaSpec, v: number): number {
  return q.strata.findIndex((s) => v >= s.min && v < s.max);
}

function empiricalStratumCounts(emp: EmpiricalSpec, q: QuotaSpec, model: ModelConditioning): number[] {
  const counts = q.strata.map(() => 0);
  for (const r of emp.references) {
    const s = stratumOfValue(q, referenceQuotaValue(r, emp, q.feature, model));
    if (s >= 0) counts[s]!++;
  }
  return counts;
}
