/**
 * Drawing condition vectors from a validated DistributionSpec for a model.
 *
 * Notation (normalised model units unless stated; SPEC.md):
 *   V  tumour volume in mm^3; Vvox = V / (sx sy sz) voxels of the model grid [D, H, W]
 *   f1 = Vvox / maxVoxelCount,  A = (36 pi Vvox^2)^(1/3) / sphericity (voxel units),  f2 = A / maxSurfaceArea
 *   fill = V / (box volume),  aspect_yx = box_y / box_x,  aspect_zx = box_z / box_x  (box sides in mm)
 *   box_x = (V / (fill * aspect_yx * aspect_zx))^(1/3),  w = box_x / (sx W),  h = box_y / (sy H),  d = box_z / (sz D)
 * So surface area and extents are derived, never drawn: the vector is consistent by construction.
 *
 * Determinism: subject `index` of a cohort with seed `seed` uses Rng.forKey(stream, seed, index) only,
 * so the result does not depend on other subjects or on evaluation order. Quotas: subject indices are
 * shuffled by a keyed Feistel permutation of [0, N) and cut into strata of exactly
 * largest-remainder(N * fraction) subjects, so a cohort of N honours the quotas exactly.
 *
 * Out-of-range rule ("reject"): a vector outside the model's training ranges, with its centroid
 * outside the brain mask, or whose bounding box leaves the volume, is redrawn (same subject stream),
 * at most maxTries times; every rejection is counted by reason.
 */
import { FEATURE_NAMES } from './types.ts';
import type { Features9 } from './types.ts';
import type { ModelConditioning } from './model.ts';
import { insideBrain } from './model.ts';
import { Rng, hashWords, mix32, truncatedStandardNormal } from './rng.ts';
import { regionVoxels } from './regions.ts';
import {
  DEFAULT_MAX_TRIES,
  DEFAULT_SHAPE,
  DISTRIBUTION_SPEC_VERSION,
  referenceQuotaValue,
  stratumOfValue,
  trainingAsEmpirical,
  validateSpec,
} from './spec.ts';
import type { DistributionSpec, DrawnFeature, EmpiricalSpec, Marginal, QuotaSpec, Region, ShapeParam } from './spec.ts';
import type { Issue } from './model.ts';

export interface SubjectDraw {
  index: number;
  /** The 9-vector, or null when every one of maxTries draws was rejected. */
  vector: Features9 | null;
  /** Draws made (1 = accepted at once). */
  tries: number;
  /**
   * Rejections by reason: 'out_of_range:<feature>' (outside the model's training range),
   * 'outside_brain' (centroid), 'outside_volume' (bounding box), 'stratum' (quota stratum missed),
   * 'outside_domain' (empirical jitter gave fill > 1 or sphericity <= 0).
   */
  rejections: Record<string, number>;
  /** Quota stratum name, when the spec has quotas. */
  stratum: string | null;
}

/** Physical parameters of one draw before derivation. */
interface Params {
  volumeMm3: number;
  sphericity: number;
  x: number;
  y: number;
  z: number;
  fill: number;
  aspectYx: number;
  aspectZx: number;
}

const STREAM_SUBJECT = 0x5b1ce000;
const STREAM_PERMUTE = 0x5b1ce001;
const MAX_INNER = 256;

/** Draw from a marginal restricted to [lo, hi] (exact for truncatable families, else bounded rejection). NaN if impossible. */
export function drawMarginal(m: Marginal, rng: Rng, lo = -Infinity, hi = Infinity): number {
  switch (m.type) {
    case 'fixed':
      return m.value >= lo && m.value <= hi ? m.value : NaN;
    case 'uniform': {
      const a = Math.max(m.min, lo), b = Math.min(m.max, hi);
      if (a > b) return NaN;
      return a + (b - a) * rng.uniform();
    }
    case 'truncnormal': {
      const a = Math.max(m.min, lo), b = Math.min(m.max, hi);
      if (a > b) return NaN;
      if (a === b) return a;
      return m.mean + m.sd * truncatedStandardNormal(rng, (a - m.mean) / m.sd, (b - m.mean) / m.sd);
    }
    case 'lognormal': {
      const a = Math.max(m.min ?? 0, lo), b = Math.min(m.max ?? Infinity, hi);
      if (a > b || b <= 0) return NaN;
      const la = a > 0 ? Math.log(a) : -Infinity, lb = Math.log(b);
      if (la === lb) return a;
      return Math.exp(m.mu + m.sigma * truncatedStandardNormal(rng, (la - m.mu) / m.sigma, (lb - m.mu) / m.sigma));
    }
    case 'beta': {
      const a0 = m.min ?? 0, b0 = m.max ?? 1;
      if (Math.max(a0, lo) > Math.min(b0, hi)) return NaN;
      for (let t = 0; t < MAX_INNER; t++) {
        const v = a0 + (b0 - a0) * rng.beta(m.alpha, m.beta);
        if (v >= lo && v <= hi) return v;
      }
      return NaN;
    }
    case 'mixture': {
      // exact conditional: draw the mixture unrestricted, keep it if inside [lo, hi]
      for (let t = 0; t < MAX_INNER; t++) {
        let u = rng.uniform();
        let comp = m.components[m.components.length - 1]!;
        for (const c of m.components) {
          if (u < c.weight) {
            comp = c;
            break;
          }
          u -= c.weight;
        }
        const v = drawMarginal(comp.dist, rng);
        if (v >= lo && v <= hi) return v;
      }
      return NaN;
    }
  }
}

/** Largest-remainder counts of N * fraction (ties: earlier stratum first). Sums to N exactly. */
export function quotaCounts(fractions: readonly number[], n: number): number[] {
  const raw = fractions.map((f) => f * n);
  const counts = raw.map((r) => Math.floor(r + 1e-9));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r + 1e-9), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let t = 0; left > 0 && t < order.length; t++, left--) counts[order[t]![1]]!++;
  for (let i = 0; left < 0 && i < counts.length; i++) {
    // fractions summing to slightly over 1 (within the validator's 1e-6): take back from the largest
    const j = counts.indexOf(Math.max(...counts));
    counts[j]!--;
    left++;
  }
  return counts;
}

/** Keyed bijection of [0, n) (4-round Feistel network with cycle-walking). */
export function permuteIndex(i: number, n: number, key: number): number {
  if (n <= 1) return 0;
  let bits = Math.max(2, Math.ceil(Math.log2(n)));
  if (bits % 2) bits++;
  const half = bits / 2;
  const mask = half >= 31 ? 0x7fffffff : (1 << half) - 1;
  const k = [mix32(key ^ 0xa5a5a5a5), mix32(key ^ 0x3c3c3c3c), mix32(key ^ 0x96969696), mix32(key ^ 0x0f0f0f0f)];
  let x = i;
  do {
    let l = Math.floor(x / (mask + 1));
    let r = x & mask;
    for (let round = 0; round < 4; round++) {
      const f = mix32(r ^ k[round]!) & mask;
      const nl = r;
      r = (l ^ f) & mask;
      l = nl;
    }
    x = l * (mask + 1) + r;
  } while (x >= n);
  return x;
}

export interface Sampler {
  spec: DistributionSpec;
  model: ModelConditioning;
  maxTries: number;
  /** Draw subject `index` of a cohort (cohortSize required when the spec has quotas). */
  sample(seed: number, index: number, cohortSize?: number): SubjectDraw;
}

interface EmpiricalCompiled {
  theta: Float64Array[]; // per reference: [ln V, sph, x, y, z, ln fill, ln ayx, ln azx]
  scale: Float64Array; // kernel sd per parameter
  byStratum: number[][] | null;
}

// when the references have (almost) no spread, the kernel still jitters by bandwidth * these
const MIN_SCALE = [0.3, 0.05, 0.03, 0.03, 0.03, 0.15, 0.15, 0.15];

function compileEmpirical(emp: EmpiricalSpec, quotas: QuotaSpec | undefined, model: ModelConditioning): EmpiricalCompiled {
  const [D, H, W] = emp.gridShapeDhw;
  const [sx, sy, sz] = emp.spacingMm;
  const theta = emp.references.map((r) => {
    const f = r.features;
    const bx = f[6]! * W * sx, by = f[7]! * H * sy, bz = f[8]! * D * sz;
    const vMm3 = f[0]! * sx * sy * sz;
    return Float64Array.from([Math.log(vMm3), f[2]!, f[3]!, f[4]!, f[5]!, Math.log(vMm3 / (bx * by * bz)), Math.log(by / bx), Math.log(bz / bx)]);
  });
  const n = theta.length;
  const scale = new Float64Array(8);
  for (let d = 0; d < 8; d++) {
    let m = 0;
    for (const t of theta) m += t[d]!;
    m /= n;
    let v = 0;
    for (const t of theta) v += (t[d]! - m) ** 2;
    const sd = n > 1 ? Math.sqrt(v / (n - 1)) : 0;
    scale[d] = emp.bandwidth * Math.max(sd, MIN_SCALE[d]! * 0.25);
  }
  let byStratum: number[][] | null = null;
  if (quotas) {
    byStratum = quotas.strata.map(() => []);
    emp.references.forEach((r, i) => {
      const s = stratumOfValue(quotas, referenceQuotaValue(r, emp, quotas.feature, model));
      if (s >= 0) byStratum![s]!.push(i);
    });
  }
  return { theta, scale, byStratum };
}

/** Features9 from physical draw parameters on the model grid (consistent by construction). */
export function deriveVector(p: Params, model: ModelConditioning): Features9 {
  const [sx, sy, sz] = model.spacingMm;
  const [D, H, W] = model.volumeShapeDhw;
  const vVox = p.volumeMm3 / (sx * sy * sz);
  const areaVox = Math.cbrt(36 * Math.PI * vVox * vVox) / p.sphericity;
  const bx = Math.cbrt(p.volumeMm3 / (p.fill * p.aspectYx * p.aspectZx));
  const by = p.aspectYx * bx, bz = p.aspectZx * bx;
  return [vVox / model.maxVoxelCount, areaVox / model.maxSurfaceArea, p.sphericity, p.x, p.y, p.z, bx / (sx * W), by / (sy * H), bz / (sz * D)];
}

/** First failed acceptance test of a vector, or null. */
export function rejectionReason(v: Features9, model: ModelConditioning): string | null {
  for (let i = 0; i < 9; i++) {
    const name = FEATURE_NAMES[i]!;
    const [lo, hi] = model.trainingRanges[name];
    const x = v[i]!;
    if (!(x >= lo && x <= hi)) return `out_of_range:${name}`;
  }
  if (!insideBrain(model, v[3], v[4], v[5])) return 'outside_brain';
  for (let a = 0; a < 3; a++) {
    const c = v[3 + a]!, e = v[6 + a]! / 2;
    if (c - e < 0 || c + e > 1) return 'outside_volume';
  }
  return null;
}

/** Compile a spec for a model (validates first; throws a TypeError listing the issues if invalid). */
export function compileSampler(spec: DistributionSpec, model: ModelConditioning): Sampler {
  const res = validateSpec(spec, model);
  if (!res.ok) throw new TypeError(`invalid distribution spec: ${res.errors.map((e: Issue) => `${e.path.join('.')}: ${e.message}`).join('; ')}`);
  const maxTries = spec.outOfRange?.maxTries ?? DEFAULT_MAX_TRIES;
  const voxMm3 = model.spacingMm[0] * model.spacingMm[1] * model.spacingMm[2];
  const tr = model.trainingRanges;
  const marg = (f: DrawnFeature): Marginal => spec.features?.[f] ?? { type: 'uniform', min: tr[f][0], max: tr[f][1] };
  const shapeM = (s: ShapeParam): Marginal => spec.shape?.[s] ?? DEFAULT_SHAPE[s];
  const quotas = spec.quotas;
  const emp =
    spec.kind === 'empirical' ? compileEmpirical(spec.empirical!, quotas, model)
    : spec.kind === 'training' ? compileEmpirical(trainingAsEmpirical(model, spec.training?.bandwidth ?? 0.25), quotas, model)
    : null;
  const pos = spec.position ?? (spec.kind === 'parametric' && (spec.features?.x || spec.features?.y || spec.features?.z) ? { type: 'marginals' as const } : null);
  const regionList =
    pos?.type === 'region' ? regionVoxels(model, (Array.isArray(pos.region) ? pos.region : [pos.region]) as Region[]) : spec.kind === 'parametric' && !pos ? regionVoxels(model, ['anywhere']) : null;
  const [bD, bH, bW] = model.brainMaskShapeDhw;
  // Only brain voxels that overlap the trained x, y, z ranges can ever be accepted: draw among those
  // (still uniform over the accepted region; positions outside are rejected by the range check anyway).
  let candidates: Int32Array | null = null;
  if (regionList) {
    const regs = pos?.type === 'region' ? ((Array.isArray(pos.region) ? pos.region : [pos.region]) as Region[]) : (['anywhere'] as Region[]);
    candidates = regionVoxels(model, regs, true);
    if (candidates.length === 0) candidates = regionList; // every draw is then rejected and reported
  }
  const specKey = hashWords([DISTRIBUTION_SPEC_VERSION]);

  const drawPosition = (rng: Rng): [number, number, number] => {
    if (pos?.type === 'centroid') {
      const j = pos.jitter ?? 0;
      return j > 0 ? [pos.x + j * rng.normal(), pos.y + j * rng.normal(), pos.z + j * rng.normal()] : [pos.x, pos.y, pos.z];
    }
    if (pos?.type === 'marginals') return [drawMarginal(marg('x'), rng), drawMarginal(marg('y'), rng), drawMarginal(marg('z'), rng)];
    // region (or the default "anywhere"): a uniform brain voxel, uniform inside it
    const p = candidates![rng.int(candidates!.length)]!;
    const i = p % bW, j = Math.floor(p / bW) % bH, k = Math.floor(p / (bW * bH));
    return [(i + rng.uniform()) / bW, (j + rng.uniform()) / bH, (k + rng.uniform()) / bD];
  };

  return {
    spec,
    model,
    maxTries,
    sample(seed: number, index: number, cohortSize?: number): SubjectDraw {
      let stratum = -1;
      if (quotas) {
        if (cohortSize === undefined || !Number.isSafeInteger(cohortSize) || cohortSize < 1 || index >= cohortSize) {
          throw new RangeError(`spec has quotas: cohortSize must be a positive integer > index (${index}), got ${String(cohortSize)}`);
        }
        const counts = quotaCounts(quotas.strata.map((s) => s.fraction), cohortSize);
        const perm = permuteIndex(index, cohortSize, hashWords([STREAM_PERMUTE, seed >>> 0, Math.floor(seed / 4294967296), cohortSize]));
        let acc = 0;
        for (let s = 0; s < counts.length; s++) {
          acc += counts[s]!;
          if (perm < acc) {
            stratum = s;
            break;
          }
        }
      }
      const rng = Rng.forKey(STREAM_SUBJECT ^ specKey, seed, index);
      const rejections: Record<string, number> = {};
      const lo = stratum >= 0 ? quotas!.strata[stratum]!.min : -Infinity;
      const hi = stratum >= 0 ? quotas!.strata[stratum]!.max : Infinity;
      for (let t = 1; t <= maxTries; t++) {
        let p: Params;
        let inStratum = true;
        let domainOk = true;
        if (emp) {
          const pool = emp.byStratum && stratum >= 0 ? emp.byStratum[stratum]! : null;
          const r = pool ? pool[rng.int(pool.length)]! : rng.int(emp.theta.length);
          const th = emp.theta[r]!;
          const j = (d: number) => th[d]! + emp.scale[d]! * rng.normal();
          p = { volumeMm3: Math.exp(j(0)), sphericity: j(1), x: j(2), y: j(3), z: j(4), fill: Math.exp(j(5)), aspectYx: Math.exp(j(6)), aspectZx: Math.exp(j(7)) };
          if (pos) [p.x, p.y, p.z] = drawPosition(rng);
          if (p.fill > 1 || p.sphericity <= 0) domainOk = false; // jittered outside the parameter's domain: redraw
        } else {
          const qv = quotas?.feature === 'voxel_volume';
          const qs = quotas?.feature === 'sphericity';
          const vol = drawMarginal(marg('voxel_volume'), rng, qv ? lo : -Infinity, qv ? hi : Infinity);
          const sph = drawMarginal(marg('sphericity'), rng, qs ? lo : -Infinity, qs ? hi : Infinity);
          const [x, y, z] = drawPosition(rng);
          p = {
            volumeMm3: vol * model.maxVoxelCount * voxMm3, sphericity: sph, x, y, z,
            fill: drawMarginal(shapeM('fill'), rng), aspectYx: drawMarginal(shapeM('aspect_yx'), rng), aspectZx: drawMarginal(shapeM('aspect_zx'), rng),
          };
          if (Number.isNaN(vol) || Number.isNaN(sph)) inStratum = false;
        }
        let reason: string | null = null;
        const v = inStratum && domainOk ? deriveVector(p, model) : null;
        if (!domainOk) reason = 'outside_domain';
        else if (!v || !v.every(Number.isFinite)) reason = 'stratum';
        else if (stratum >= 0) {
          const q = quotas!.feature === 'voxel_volume' ? v[0] : v[2];
          if (!(q >= lo && q < hi)) reason = 'stratum';
        }
        if (!reason) reason = rejectionReason(v!, model);
        if (!reason) return { index, vector: v, tries: t, rejections, stratum: stratum >= 0 ? quotas!.strata[stratum]!.name : null };
        rejections[reason] = (rejections[reason] ?? 0) + 1;
      }
      return { index, vector: null, tries: maxTries, rejections, stratum: stratum >= 0 ? quotas!.strata[stratum]!.name : null };
    },
  };
}

const compiled = new WeakMap<DistributionSpec, WeakMap<ModelConditioning, Sampler>>();

/** Subject `index` of a cohort: (spec version, seed, index) -> the same vector everywhere. */
export function sampleConditionVector(
  spec: DistributionSpec,
  model: ModelConditioning,
  opts: { seed: number; index: number; cohortSize?: number },
): SubjectDraw {
  let byModel = compiled.get(spec);
  if (!byModel) {
    byModel = new WeakMap();
    compiled.set(spec, byModel);
  }
  let s = byModel.get(model);
  if (!s) {
    s = compileSampler(spec, model);
    byModel.set(model, s);
  }
  return s.sample(opts.seed, opts.index, opts.cohortSize);
}
