/**
 * Cohort adherence: how closely the generated tumours match what was requested, and how many volumes passed
 * quality control. Pure function over per-volume numbers; the API serves it as `Cohort.adherence`, dataset
 * manifests (/2) embed it, and the Croissant export quotes it in `rai:dataLimitations`.
 *
 * Units: the model's normalised features, paper order [voxel_volume, surface_area, sphericity, x, y, z, w, h, d]
 * (@slicewise/conditioning features.ts): voxel_volume = voxels / training maximum, x, y, z = centroid as a
 * fraction of the axis (0..1 across the field of view), w, h, d = extent as a fraction of the axis.
 *
 * Definitions (the same as the model card's held-out report, models/training/sbldm/calibrate_measure.py
 * `adherence_report`, so a cohort can be compared with the model's measured numbers):
 *  - error e = measured - requested, per feature. Per-feature statistics use the volumes that were measured
 *    (measured !== null) and whose mask holds a tumour (measured voxel_volume > 0): an empty mask has no
 *    centroid, extent or shape, and it is reported on its own (`counts.emptyMask`) and in the volume ratio.
 *    bias = mean(e); medianAbsError, p90AbsError = percentiles of |e|.
 *  - tumour volume: ratio r = measured voxel_volume / requested voxel_volume over every measured volume that
 *    requested a tumour (requested voxel_volume > 0), empty masks included (r = 0); meanRatio = mean(r),
 *    medianAbsRelError, p90AbsRelError = percentiles of |r - 1|; spearmanRho between requested and measured
 *    voxel_volume (average ranks for ties). Also per size bin of the REQUESTED volume, see SIZE_BINS.
 *  - centroid error = 100 * |(dx, dy, dz)| (normalised units): percent of the field of view on a cubic grid
 *    (every shipped model's grid is cubic), over volumes with a tumour.
 *  - quality control: checked = passed + failed; passRate = passed / checked (null when nothing was checked).
 *    'not-run' volumes (the model declares no QC, QC was turned off, or the volume predates QC) are counted in
 *    `qc.notRun` and in every adherence statistic, but not in the pass rate. regenerations = sum(tries - 1).
 *  - percentiles: linear interpolation between closest ranks (numpy's default, conditioning percentilesLinear).
 *  - every statistic is rounded to 6 decimals; a statistic over no values is null (never NaN).
 *  - means sum the values in sorted order, so the result does not depend on the order volumes arrive in.
 *
 * Scatter: requested vs measured voxel_volume and centroid x, y, z for at most `scatterCap` volumes (default
 * 1000). Beyond the cap the points are thinned deterministically: the tenth of the cap with the largest
 * distance from the identity line (max over the four plotted features of |e|) is always kept, so the worst
 * outliers stay visible; the rest are the volumes with the smallest FNV-1a hash of their id (bottom-k
 * sampling: independent of input order, and a volume shown for a cohort stays shown as the cohort grows), or an
 * even stride over the input when volumes carry no id. Points are ordered by requested voxel_volume, then id.
 *
 * Changing any definition changes manifests built from then on: bump ADHERENCE_SCHEMA when you do.
 */
import { FEATURE_NAMES, percentilesLinear } from '@slicewise/conditioning';

export const ADHERENCE_SCHEMA = 'slicewise-adherence/1';
export const DEFAULT_SCATTER_CAP = 1000;

export type QcStatus = 'passed' | 'failed' | 'not-run';
export const QC_STATUSES: readonly QcStatus[] = ['passed', 'failed', 'not-run'];

/**
 * Requested voxel_volume bins (normalised units), the model card's bins (calibrate.py SIZE_BINS): training
 * phantoms span about 0.007-1.0, and the relative error of small tumours is the hardest target, so they get their
 * own bin instead of being averaged away. Lower bound inclusive, upper exclusive; the last is open.
 */
export const SIZE_BINS: readonly { bin: string; requestedRange: [number, number | null] }[] = [
  { bin: 'small', requestedRange: [0, 0.1] },
  { bin: 'medium', requestedRange: [0.1, 0.25] },
  { bin: 'large', requestedRange: [0.25, 0.45] },
  { bin: 'very_large', requestedRange: [0.45, null] },
];

/** The features drawn in the scatter (the panel's identity-line plots). */
export const SCATTER_FEATURES = ['voxel_volume', 'x', 'y', 'z'] as const;

export interface AdherenceVolume {
  /** Optional volume id: named in errors, carried on scatter points, used for deterministic thinning. */
  id?: string | null;
  /** The 9 requested features (normalised, paper order). */
  requested: readonly number[];
  /** The 9 measured features of the generated (post-processed) mask; null when the model has no normalisation. */
  measured: readonly number[] | null;
  qcStatus: QcStatus;
  /** Generations of this volume (1 = accepted or kept on the first try). */
  tries: number;
}

export interface FeatureAdherence {
  feature: string;
  /** Volumes in the statistic: measured, with a tumour in the mask. */
  n: number;
  bias: number | null;
  medianAbsError: number | null;
  p90AbsError: number | null;
}

export interface VolumeRatioStats {
  n: number;
  meanRatio: number | null;
  medianRatio: number | null;
  medianAbsRelError: number | null;
  p90AbsRelError: number | null;
}

export interface SizeBinAdherence extends VolumeRatioStats {
  bin: string;
  requestedRange: [number, number | null];
}

export interface ScatterPoint {
  volumeId: string | null;
  /** [voxel_volume, x, y, z] requested and measured (SCATTER_FEATURES order). */
  requested: number[];
  measured: number[];
}

export interface Adherence {
  schema: typeof ADHERENCE_SCHEMA;
  units: 'normalised';
  counts: {
    volumes: number;
    /** Volumes with a measured feature vector. */
    measured: number;
    /** Measured volumes whose mask is empty (no tumour generated). */
    emptyMask: number;
    byQcStatus: { passed: number; failed: number; notRun: number };
  };
  qc: {
    checked: number;
    passed: number;
    failed: number;
    notRun: number;
    /** passed / checked; null when no volume was checked. */
    passRate: number | null;
    /** sum over volumes of (tries - 1). */
    regenerations: number;
    tries: number;
  };
  features: FeatureAdherence[];
  tumourVolume: VolumeRatioStats & {
    /** Measured volumes that requested no tumour (requested voxel_volume = 0): not in the ratio. */
    noTumourRequested: number;
    spearmanRho: number | null;
    bins: SizeBinAdherence[];
  };
  centroidError: { n: number; meanPctFov: number | null; medianPctFov: number | null; p90PctFov: number | null };
  scatter: {
    features: string[];
    cap: number;
    /** Measured volumes (candidates for the scatter). */
    total: number;
    shown: number;
    /** How many of the shown points were kept as outliers (thinning only). */
    outliersKept: number;
    points: ScatterPoint[];
  };
}

/** The report without its scatter: what a manifest stores (its volumes already hold every requested/measured vector). */
export type AdherenceSummary = Omit<Adherence, 'scatter'>;

export function adherenceSummary(a: Adherence): AdherenceSummary {
  const { scatter: _scatter, ...summary } = a;
  return summary;
}

export class AdherenceError extends Error {
  readonly code = 'INVALID_VOLUME';
  constructor(message: string) {
    super(message);
    this.name = 'AdherenceError';
  }
}

const round6 = (x: number): number => {
  const r = Math.round(x * 1e6) / 1e6;
  return r === 0 ? 0 : r; // no -0 in JSON-facing output
};
const opt = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : round6(x));

function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  let sum = 0;
  for (const x of s) sum += x;
  return sum / s.length;
}

function pct(xs: readonly number[], p: number): number | null {
  return xs.length === 0 ? null : percentilesLinear(xs, [p])[0]!;
}

/** Ranks 1..n, ties get the average of their ranks. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]![1]] = avg;
    i = j + 1;
  }
  return r;
}

/** Spearman's rho: Pearson correlation of the ranks; null with fewer than 3 values or no variance. */
export function spearmanRho(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length) throw new RangeError(`spearmanRho: ${a.length} and ${b.length} values`);
  if (a.length < 3) return null;
  const ra = ranks(a);
  const rb = ranks(b);
  const ma = ra.reduce((s, x) => s + x, 0) / ra.length;
  const mb = rb.reduce((s, x) => s + x, 0) / rb.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    const da = ra[i]! - ma;
    const db = rb[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? null : sab / Math.sqrt(saa * sbb);
}

/** FNV-1a, 32 bit: a stable, dependency-free hash for bottom-k thinning (not for security). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function ratioStats(ratios: readonly number[]): VolumeRatioStats {
  const rel = ratios.map((r) => Math.abs(r - 1));
  return { n: ratios.length, meanRatio: opt(mean(ratios)), medianRatio: opt(pct(ratios, 50)), medianAbsRelError: opt(pct(rel, 50)), p90AbsRelError: opt(pct(rel, 90)) };
}

function checkVector(v: unknown, at: string, what: string): asserts v is number[] {
  if (!Array.isArray(v) || v.length !== FEATURE_NAMES.length || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new AdherenceError(`${at}.${what} must be ${FEATURE_NAMES.length} finite numbers (${FEATURE_NAMES.join(', ')}), got ${JSON.stringify(v)}`);
  }
}

const IDX = Object.fromEntries(FEATURE_NAMES.map((f, i) => [f, i])) as Record<string, number>;

/** The adherence report of a set of volumes (a cohort, or the volumes of a dataset version). */
export function computeAdherence(volumes: readonly AdherenceVolume[], opts: { scatterCap?: number } = {}): Adherence {
  const cap = opts.scatterCap ?? DEFAULT_SCATTER_CAP;
  if (!Number.isSafeInteger(cap) || cap < 10) throw new AdherenceError(`scatterCap must be a whole number >= 10, got ${String(cap)}`);
  volumes.forEach((v, i) => {
    const at = `volumes[${i}]${v?.id ? ` (${v.id})` : ''}`;
    if (!v || typeof v !== 'object') throw new AdherenceError(`${at} must be an object, got ${JSON.stringify(v)}`);
    checkVector(v.requested, at, 'requested');
    if (v.measured !== null) checkVector(v.measured, at, 'measured');
    if (!QC_STATUSES.includes(v.qcStatus)) throw new AdherenceError(`${at}.qcStatus must be one of ${QC_STATUSES.join(', ')}, got ${JSON.stringify(v.qcStatus)}`);
    if (!Number.isSafeInteger(v.tries) || v.tries < 1) throw new AdherenceError(`${at}.tries must be a whole number >= 1 (generations of the volume), got ${JSON.stringify(v.tries)}`);
  });

  const byStatus = { passed: 0, failed: 0, notRun: 0 };
  let tries = 0;
  for (const v of volumes) {
    if (v.qcStatus === 'passed') byStatus.passed++;
    else if (v.qcStatus === 'failed') byStatus.failed++;
    else byStatus.notRun++;
    tries += v.tries;
  }
  const checked = byStatus.passed + byStatus.failed;

  const measured = volumes.map((v, index) => ({ v, index })).filter((x) => x.v.measured !== null) as { v: AdherenceVolume & { measured: readonly number[] }; index: number }[];
  const withTumour = measured.filter((x) => x.v.measured[IDX.voxel_volume!]! > 0);

  const features: FeatureAdherence[] = FEATURE_NAMES.map((feature, k) => {
    const e = withTumour.map((x) => x.v.measured[k]! - x.v.requested[k]!);
    const a = e.map(Math.abs);
    return { feature, n: e.length, bias: opt(mean(e)), medianAbsError: opt(pct(a, 50)), p90AbsError: opt(pct(a, 90)) };
  });

  const vi = IDX.voxel_volume!;
  const asked = measured.filter((x) => x.v.requested[vi]! > 0);
  const ratioOf = (x: (typeof measured)[number]) => x.v.measured[vi]! / x.v.requested[vi]!;
  const bins: SizeBinAdherence[] = SIZE_BINS.map(({ bin, requestedRange: [lo, hi] }) => {
    const inBin = asked.filter((x) => x.v.requested[vi]! >= lo && (hi === null || x.v.requested[vi]! < hi));
    return { bin, requestedRange: [lo, hi], ...ratioStats(inBin.map(ratioOf)) };
  });

  const [xi, yi, zi] = [IDX.x!, IDX.y!, IDX.z!];
  const cerr = withTumour.map((x) => 100 * Math.hypot(x.v.measured[xi]! - x.v.requested[xi]!, x.v.measured[yi]! - x.v.requested[yi]!, x.v.measured[zi]! - x.v.requested[zi]!));

  return {
    schema: ADHERENCE_SCHEMA,
    units: 'normalised',
    counts: { volumes: volumes.length, measured: measured.length, emptyMask: measured.length - withTumour.length, byQcStatus: byStatus },
    qc: { checked, ...byStatus, passRate: checked ? opt(byStatus.passed / checked) : null, regenerations: tries - volumes.length, tries },
    features,
    tumourVolume: {
      ...ratioStats(asked.map(ratioOf)),
      noTumourRequested: measured.length - asked.length,
      spearmanRho: opt(spearmanRho(asked.map((x) => x.v.requested[vi]!), asked.map((x) => x.v.measured[vi]!))),
      bins,
    },
    centroidError: { n: cerr.length, meanPctFov: opt(mean(cerr)), medianPctFov: opt(pct(cerr, 50)), p90PctFov: opt(pct(cerr, 90)) },
    scatter: scatterOf(measured, cap),
  };
}

function scatterOf(measured: readonly { v: AdherenceVolume & { measured: readonly number[] }; index: number }[], cap: number): Adherence['scatter'] {
  const idx = SCATTER_FEATURES.map((f) => IDX[f]!);
  let chosen = measured;
  let outliersKept = 0;
  if (measured.length > cap) {
    const dist = (x: (typeof measured)[number]) => Math.max(...idx.map((k) => Math.abs(x.v.measured[k]! - x.v.requested[k]!)));
    const key = (x: (typeof measured)[number]) => x.v.id ?? '';
    const byDist = [...measured].sort((a, b) => dist(b) - dist(a) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.index - b.index));
    outliersKept = Math.ceil(cap / 10);
    const keep = new Set(byDist.slice(0, outliersKept));
    const rest = measured.filter((x) => !keep.has(x));
    const k = cap - outliersKept;
    if (rest.every((x) => typeof x.v.id === 'string' && x.v.id.length > 0)) {
      const h = (x: (typeof rest)[number]) => fnv1a(x.v.id!);
      [...rest].sort((a, b) => h(a) - h(b) || (a.v.id! < b.v.id! ? -1 : a.v.id! > b.v.id! ? 1 : 0)).slice(0, k).forEach((x) => keep.add(x));
    } else {
      for (let j = 0; j < k; j++) keep.add(rest[Math.floor((j * rest.length) / k)]!);
    }
    chosen = measured.filter((x) => keep.has(x));
  }
  const order = [...chosen].sort((a, b) => {
    const d = a.v.requested[idx[0]!]! - b.v.requested[idx[0]!]!;
    const ia = a.v.id ?? '';
    const ib = b.v.id ?? '';
    return d || (ia < ib ? -1 : ia > ib ? 1 : a.index - b.index);
  });
  const points: ScatterPoint[] = order.map((x) => ({ volumeId: x.v.id ?? null, requested: idx.map((k) => round6(x.v.requested[k]!)), measured: idx.map((k) => round6(x.v.measured[k]!)) }));
  return { features: [...SCATTER_FEATURES], cap, total: measured.length, shown: points.length, outliersKept, points };
}
