/**
 * The parts of a distribution spec's validation (spec.ts validateSpec): marginals, their support against the
 * model's training ranges, position (regions, brain mask), empirical references and quota strata. Each
 * check adds issues { path, code, message } to the context and never throws.
 */
import { FEATURE_NAMES } from './types.ts';
import type { FeatureName } from './types.ts';
import type { Issue, ModelConditioning } from './model.ts';
import { insideBrain } from './model.ts';
import { regionVoxelCount } from './regions.ts';
import { DOMAINS, REGIONS, QUOTA_FEATURES, type DrawnFeature, type Region, type EmpiricalSpec, type Marginal, type PositionSpec, type QuotaSpec, type ShapeParam } from './spec.types.ts';


export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const show = (v: unknown): string => {
  if (typeof v === 'number') return String(v); // shows NaN / Infinity, which JSON.stringify hides
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return String(v);
  }
};

export class Ctx {
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

export function checkMarginal(ctx: Ctx, v: unknown, path: string[], depth: number): Marginal | null {
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
export function checkSupport(ctx: Ctx, m: Marginal, name: DrawnFeature | ShapeParam, path: string[], model?: ModelConditioning): void {
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

export function checkPosition(ctx: Ctx, v: unknown, path: string[], model?: ModelConditioning): PositionSpec | null {
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

export function checkEmpirical(ctx: Ctx, v: unknown, path: string[]): EmpiricalSpec | null {
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

export function checkQuotas(ctx: Ctx, v: unknown, path: string[]): QuotaSpec | null {
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
