/**
 * Contract additions for calibrated, quality-controlled output (shared design model.md, section 3; issue 14):
 * which model a user gets (`purpose`, `default`), the condition calibration (`calibration`) and the quality-control
 * thresholds (`quality_control`) a model declares in metadata.json. All optional, so model folders written before
 * these blocks existed still load; when present they are checked field by field.
 *
 * Kept apart from metadata.ts's core checks: parseModelMetadata appends `contractAdditionIssues(raw)`.
 * The calibration block is checked by the same function that applies it (@slicewise/conditioning
 * calibrationIssues), so a block that validates here is one the worker can apply.
 */
import { calibrationIssues, type ConditionCalibration } from '@slicewise/conditioning';

/**
 * Where the intensity percentiles are taken: the whole brain mask, or brain tissue only (the tumour's voxels
 * left out: its size and bright rim are what the request asks for, so they should not move the tissue check).
 */
export const INTENSITY_REGIONS = ['brain_mask', 'brain_mask minus the tumour mask'] as const;
/** The region that leaves the tumour out (its percentiles are taken on brain tissue alone). */
export const TISSUE_REGION: IntensityRegion = 'brain_mask minus the tumour mask';
export type IntensityRegion = (typeof INTENSITY_REGIONS)[number];

export const MODEL_PURPOSES = ['production', 'demo', 'test-fixture'] as const;
/** production: measured good enough to offer first; demo: works, known weaknesses; test-fixture: never offered in the web app. */
export type ModelPurpose = (typeof MODEL_PURPOSES)[number];

export interface FeatureTolerance {
  /** Largest accepted |measured - requested| in normalised feature units. */
  abs: number;
  basis: string;
}

/** metadata.quality_control: the defaults a cohort may override (measured on held-out conditions). */
export interface QualityControl {
  version: number;
  tumour_present: { min_voxels: number; [key: string]: unknown };
  tolerances: Record<string, FeatureTolerance>;
  brain_outline: { image_threshold: number; min_dice: number; basis: string; [key: string]: unknown };
  intensity: { percentiles: number[]; ranges: [number, number][]; basis: string; region?: IntensityRegion; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ContractAdditions {
  purpose?: ModelPurpose;
  default?: boolean;
  calibration?: ConditionCalibration;
  quality_control?: QualityControl;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const show = (v: unknown): string => (JSON.stringify(v) ?? String(v)).slice(0, 60);

function featureNames(m: Obj): string[] {
  const cond = m.conditioning;
  if (isObj(cond) && Array.isArray(cond.feature_names) && cond.feature_names.every((f) => typeof f === 'string')) return cond.feature_names as string[];
  return [];
}

/** Issues ("path: message, got value") of purpose / default / calibration / quality_control; [] when valid or absent. */
export function contractAdditionIssues(raw: unknown): string[] {
  if (!isObj(raw)) return [];
  const issues: string[] = [];
  if (raw.purpose !== undefined && !(MODEL_PURPOSES as readonly unknown[]).includes(raw.purpose)) {
    issues.push(`purpose: must be one of ${MODEL_PURPOSES.map((p) => JSON.stringify(p)).join(', ')}, got ${show(raw.purpose)}`);
  }
  if (raw.default !== undefined && typeof raw.default !== 'boolean') issues.push(`default: must be true or false, got ${show(raw.default)}`);
  if (raw.default === true && raw.purpose === 'test-fixture') issues.push('default: a "test-fixture" model cannot be the default model, got default true');
  const names = featureNames(raw);
  if (raw.calibration !== undefined) issues.push(...calibrationBlockIssues(raw.calibration, names));
  if (raw.quality_control !== undefined) issues.push(...qualityControlIssues(raw.quality_control, names));
  return issues;
}

/** The applier's checks plus what the contract requires of the record: fitted on the training split, a method. */
export function calibrationBlockIssues(cal: unknown, names: readonly string[]): string[] {
  const issues = calibrationIssues(cal, names);
  if (!isObj(cal)) return issues;
  if (typeof cal.method !== 'string' || cal.method.length === 0) issues.push(`calibration.method: must be a non-empty string, got ${show(cal.method)}`);
  if (!isObj(cal.fitted_on)) issues.push(`calibration.fitted_on: must be an object (split, n_conditions, sampler, git_revision), got ${show(cal.fitted_on)}`);
  else if (cal.fitted_on.split !== 'train') {
    issues.push(`calibration.fitted_on.split: must be "train" (held-out conditions measure the calibration, they must not fit it), got ${show(cal.fitted_on.split)}`);
  }
  return issues;
}

export function qualityControlIssues(qc: unknown, names: readonly string[]): string[] {
  const issues: string[] = [];
  const p = 'quality_control';
  if (!isObj(qc)) return [`${p}: must be an object, got ${show(qc)}`];
  if (!(Number.isInteger(qc.version) && (qc.version as number) >= 1)) issues.push(`${p}.version: must be an integer >= 1, got ${show(qc.version)}`);
  const tp = qc.tumour_present;
  if (!isObj(tp)) issues.push(`${p}.tumour_present: must be an object { min_voxels }, got ${show(tp)}`);
  else if (!(Number.isInteger(tp.min_voxels) && (tp.min_voxels as number) >= 1)) {
    issues.push(`${p}.tumour_present.min_voxels: must be an integer >= 1, got ${show(tp.min_voxels)}`);
  }
  const tol = qc.tolerances;
  if (!isObj(tol)) issues.push(`${p}.tolerances: must be an object of feature -> { abs, basis }, got ${show(tol)}`);
  else
    for (const [f, t] of Object.entries(tol)) {
      const tp2 = `${p}.tolerances.${f}`;
      if (names.length && !names.includes(f)) issues.push(`${tp2}: unknown feature "${f}", allowed: ${names.join(', ')}`);
      if (!isObj(t)) {
        issues.push(`${tp2}: must be an object { abs, basis }, got ${show(t)}`);
        continue;
      }
      if (!(finite(t.abs) && t.abs >= 0)) issues.push(`${tp2}.abs: must be a finite number >= 0, got ${show(t.abs)}`);
      if (typeof t.basis !== 'string' || !t.basis) issues.push(`${tp2}.basis: must be a non-empty string, got ${show(t.basis)}`);
    }
  const bo = qc.brain_outline;
  if (!isObj(bo)) issues.push(`${p}.brain_outline: must be an object { image_threshold, min_dice, basis }, got ${show(bo)}`);
  else {
    if (!(finite(bo.image_threshold) && bo.image_threshold >= -1 && bo.image_threshold <= 1)) {
      issues.push(`${p}.brain_outline.image_threshold: must be a number in [-1, 1] (the image range), got ${show(bo.image_threshold)}`);
    }
    if (!(finite(bo.min_dice) && bo.min_dice >= 0 && bo.min_dice <= 1)) issues.push(`${p}.brain_outline.min_dice: must be a number in [0, 1], got ${show(bo.min_dice)}`);
    if (typeof bo.basis !== 'string' || !bo.basis) issues.push(`${p}.brain_outline.basis: must be a non-empty string, got ${show(bo.basis)}`);
  }
  const it = qc.intensity;
  if (!isObj(it)) issues.push(`${p}.intensity: must be an object { percentiles, ranges, basis }, got ${show(it)}`);
  else {
    const pc = it.percentiles;
    const okP = Array.isArray(pc) && pc.length > 0 && pc.every((x) => finite(x) && x >= 0 && x <= 100) && pc.every((x, i) => i === 0 || x > pc[i - 1]);
    if (!okP) issues.push(`${p}.intensity.percentiles: must be a non-empty, strictly increasing array of numbers in [0, 100], got ${show(pc)}`);
    const rg = it.ranges;
    if (!Array.isArray(rg) || (okP && rg.length !== (pc as unknown[]).length)) {
      issues.push(`${p}.intensity.ranges: must be an array of [lo, hi] pairs, one per percentile, got ${show(rg)}`);
    } else
      rg.forEach((r: unknown, i: number) => {
        if (!Array.isArray(r) || r.length !== 2 || !r.every(finite) || (r[0] as number) > (r[1] as number)) {
          issues.push(`${p}.intensity.ranges[${i}]: must be [lo, hi] with finite lo <= hi, got ${show(r)}`);
        }
      });
    if (typeof it.basis !== 'string' || !it.basis) issues.push(`${p}.intensity.basis: must be a non-empty string, got ${show(it.basis)}`);
    if (it.region !== undefined && !(INTENSITY_REGIONS as readonly unknown[]).includes(it.region)) {
      issues.push(`${p}.intensity.region: must be one of ${INTENSITY_REGIONS.map((r) => JSON.stringify(r)).join(', ')} (absent: the whole brain mask), got ${show(it.region)}`);
    }
  }
  return issues;
}
