/**
 * Condition distribution spec (version 1): the types and constants of the serialisable, versioned
 * description of how tumour condition vectors are drawn (validated by spec.ts validateSpec).
 *
 * Units: every value is in the model's normalised feature units (SPEC.md): voxel_volume is the
 * voxel count / maxVoxelCount, x, y, z are relative centres in [0, 1], sphericity is unitless.
 * Derived features are never drawn: surface_area follows from voxel_volume and sphericity,
 * w, h, d from the volume, `shape.fill` (volume / bounding-box volume) and `shape.aspect_*`
 * (bounding-box side ratios in mm). See README.md for the format with an example.
 */
import type { ShapeDhw, SpacingMm } from './types.ts';
import type { Issue } from './model.ts';

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
