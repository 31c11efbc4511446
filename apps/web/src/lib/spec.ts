// The distribution spec as the editor sees it. Its TYPES are @slicewise/conditioning's (the one schema the
// API validates with; packages/conditioning README, "Distribution spec (version 1)"), imported as types
// only; what is here is presentation: labels, the editor's choices, defaults inside the model's ranges.
// The API validates every spec (previewDistribution, createDistribution); nothing here corrects one.
import type { DistributionSpec, FeatureHistogram as PreviewHistogram, FeatureName, Marginal, Region } from '@slicewise/conditioning';

export type Feature = FeatureName;
export type { Marginal };
export type FeatureHistogram = PreviewHistogram;

/** In the models' feature order (metadata conditioning.feature_names; @slicewise/conditioning FEATURE_NAMES). */
export const FEATURES = ['voxel_volume', 'surface_area', 'sphericity', 'x', 'y', 'z', 'w', 'h', 'd'] as const satisfies readonly FeatureName[];
// Compile-time: every feature of the package is listed (a new feature fails here, not in a page).
const _allFeatures: Exclude<FeatureName, (typeof FEATURES)[number]> extends never ? true : never = true;
void _allFeatures;

export const FEATURE_LABEL: Record<Feature, string> = {
  voxel_volume: 'Tumour volume',
  surface_area: 'Surface area (derived)',
  sphericity: 'Sphericity',
  x: 'Centroid x (left–right)',
  y: 'Centroid y (front–back)',
  z: 'Centroid z (lower–upper)',
  w: 'Extent x (derived)',
  h: 'Extent y (derived)',
  d: 'Extent z (derived)',
};

/** Features the editor's controls draw (the rest are derived from these and the shape, or come from the position). */
export const DRAWN: Feature[] = ['voxel_volume', 'sphericity'];

export type MarginalType = Marginal['type'];
export const MARGINAL_TYPES: { value: MarginalType; label: string }[] = [
  { value: 'uniform', label: 'Uniform' },
  { value: 'truncnormal', label: 'Truncated normal' },
  { value: 'lognormal', label: 'Log-normal' },
  { value: 'beta', label: 'Beta (scaled)' },
  { value: 'fixed', label: 'Fixed value' },
  { value: 'mixture', label: 'Mixture (components in the JSON)' },
];

/** Parameters of each marginal, in the order the editor shows them (a mixture's components are edited as JSON). */
export const MARGINAL_PARAMS: Record<MarginalType, { key: string; label: string }[]> = {
  fixed: [{ key: 'value', label: 'Value' }],
  uniform: [
    { key: 'min', label: 'Min' },
    { key: 'max', label: 'Max' },
  ],
  truncnormal: [
    { key: 'mean', label: 'Mean' },
    { key: 'sd', label: 'SD' },
    { key: 'min', label: 'Min' },
    { key: 'max', label: 'Max' },
  ],
  beta: [
    { key: 'alpha', label: 'α' },
    { key: 'beta', label: 'β' },
    { key: 'min', label: 'Min' },
    { key: 'max', label: 'Max' },
  ],
  lognormal: [
    { key: 'mu', label: 'μ (log)' },
    { key: 'sigma', label: 'σ (log)' },
    { key: 'min', label: 'Min' },
    { key: 'max', label: 'Max' },
  ],
  mixture: [],
};

export const REGIONS = ['anywhere', 'left', 'right', 'front', 'back', 'upper', 'lower'] as const satisfies readonly Region[];
const _allRegions: Exclude<Region, (typeof REGIONS)[number]> extends never ? true : never = true;
void _allRegions;

/** A spec while it is edited: the package's shape, loosened where the editor holds partial values. */
export type Spec = Omit<DistributionSpec, 'features'> & {
  features?: Partial<Record<Feature, Marginal | Record<string, unknown>>>;
  [key: string]: unknown;
};

export interface ModelRanges {
  min: number[];
  max: number[];
}

/** Training ranges from the model's conditioning metadata (null when absent or malformed). */
export function rangesOf(conditioning: Record<string, unknown> | null | undefined): ModelRanges | null {
  const r = conditioning?.ranges as { min?: unknown; max?: unknown } | undefined;
  if (!r || !Array.isArray(r.min) || !Array.isArray(r.max) || r.min.length !== 9 || r.max.length !== 9) return null;
  return { min: r.min.map(Number), max: r.max.map(Number) };
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** A reasonable first spec inside the model's training ranges. */
export function defaultSpec(ranges: ModelRanges | null, name = 'new distribution'): Spec {
  const vMin = round(ranges?.min[0] ?? 0.05);
  const vMax = round(ranges?.max[0] ?? 1);
  const sMin = round(ranges?.min[2] ?? 0.3);
  const sMax = round(ranges?.max[2] ?? 0.9);
  return {
    version: 1,
    kind: 'parametric',
    name,
    features: {
      voxel_volume: { type: 'uniform', min: vMin, max: vMax },
      sphericity: { type: 'truncnormal', mean: round((sMin + sMax) / 2), sd: round((sMax - sMin) / 4), min: sMin, max: sMax },
    },
    position: { type: 'region', region: 'anywhere' },
    outOfRange: { rule: 'reject', maxTries: 100 },
  };
}

/** Default parameters when the user switches a feature to another marginal type (keeping its bounds). */
export function switchMarginal(type: MarginalType, prev: Record<string, unknown> | undefined, lo: number, hi: number): Marginal {
  const min = typeof prev?.min === 'number' ? prev.min : lo;
  const max = typeof prev?.max === 'number' ? prev.max : hi;
  switch (type) {
    case 'fixed':
      return { type, value: round((min + max) / 2) };
    case 'uniform':
      return { type, min, max };
    case 'truncnormal':
      return { type, mean: round((min + max) / 2), sd: round((max - min) / 4), min, max };
    case 'beta':
      return { type, alpha: 2, beta: 2, min, max };
    case 'lognormal':
      return { type, mu: round(Math.log(Math.max(1e-6, (min + max) / 2))), sigma: 0.5, min, max };
    case 'mixture': {
      const mid = round((min + max) / 2);
      return { type, components: [{ weight: 0.5, dist: { type: 'uniform', min, max: mid } }, { weight: 0.5, dist: { type: 'uniform', min: mid, max } }] };
    }
  }
}

/**
 * Where a marginal's parameters leave the model's training range [lo, hi] (the model has never seen such
 * tumours; draws outside are redrawn): one message per parameter, empty when it stays inside.
 */
export function outsideTrainingRange(m: Record<string, unknown> | undefined, lo: number, hi: number): string[] {
  if (!m) return [];
  const out: string[] = [];
  const check = (key: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return;
    if (v < lo - 1e-9) out.push(`${key} ${v} is below the training range (${round(lo)}–${round(hi)})`);
    else if (v > hi + 1e-9) out.push(`${key} ${v} is above the training range (${round(lo)}–${round(hi)})`);
  };
  switch (m.type) {
    case 'fixed':
      check('value', m.value);
      break;
    case 'truncnormal':
      check('mean', m.mean);
      check('min', m.min);
      check('max', m.max);
      break;
    case 'mixture':
      for (const [i, c] of ((m.components as { dist?: Record<string, unknown> }[] | undefined) ?? []).entries()) {
        for (const msg of outsideTrainingRange(c.dist, lo, hi)) out.push(`component ${i + 1}: ${msg}`);
      }
      break;
    default:
      check('min', m.min);
      check('max', m.max);
  }
  return out;
}

export const UNIT_LABEL: Record<FeatureHistogram['physicalUnit'], string> = { mL: 'mL', mm2: 'mm²', '1': '', mm: 'mm' };

/** Brain outline cells of an axial projection (brain cells with a non-brain 4-neighbour). */
export function outlineCells(rows: string[]): { x: number; y: number }[] {
  const h = rows.length;
  const at = (x: number, y: number) => y >= 0 && y < h && x >= 0 && x < rows[y]!.length && rows[y]![x] === '1';
  const out: { x: number; y: number }[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < rows[y]!.length; x++) {
      if (at(x, y) && (!at(x - 1, y) || !at(x + 1, y) || !at(x, y - 1) || !at(x, y + 1))) out.push({ x: x + 0.5, y: y + 0.5 });
    }
  }
  return out;
}
