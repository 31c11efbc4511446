/**
 * The quality-control settings contract, built like the sampler-settings one: a model declares its measured
 * thresholds (metadata `quality_control`, quality.ts); a cohort request may override whether QC runs, how
 * many tries a volume gets and the per-feature tolerances; the API resolves the COMPLETE settings at request
 * time and stores them on the cohort; the worker applies them as they are.
 *
 * A volume passes when every check passes: a tumour is present (when one was requested), every toleranced
 * feature is within |measured - requested| <= tolerance (normalised units), the image is brain-like (outline
 * Dice against the model's brain mask, in-brain intensity percentiles within the training range). A volume
 * that fails is regenerated with a derived seed, up to `maxTries`; then it ends QC_FAILED.
 */
import { TISSUE_REGION, type QualityControl } from './quality.ts';

export const QC_MAX_TRIES = 10;
export const DEFAULT_QC_TRIES = 3;
/** Largest tolerance a request may set (normalised units). */
export const MAX_TOLERANCE = 10;

export interface QcSettings {
  /** False when the model declares no quality control, or the request turned it off (`disabledReason` says which). */
  enabled: boolean;
  disabledReason: string | null;
  /** Generations of one volume before it ends QC_FAILED (1 = no regeneration). */
  maxTries: number;
  /** A requested tumour must have at least this many voxels in the generated mask. */
  minTumourVoxels: number;
  /** Largest accepted |measured - requested| per feature, in the model's normalised feature units. */
  tolerances: Record<string, number>;
  /** Brain-likeness: outline Dice of (image > threshold) against the model's brain mask. */
  brainOutline: { imageThreshold: number; minDice: number } | null;
  /** In-brain image intensity percentiles must lie within these ranges (the training range). */
  /** excludeTumour: percentiles of brain tissue without the tumour mask (absent in settings stored before it: false). */
  intensity: { percentiles: number[]; ranges: [number, number][]; excludeTumour?: boolean } | null;
}

export interface QcOverrides {
  enabled?: boolean | null;
  maxTries?: number | null;
  /** Per feature; features not named keep the model's tolerance. */
  tolerances?: readonly { feature: string; abs: number }[] | null;
}

export interface QcSettingsIssue {
  field: string;
  value: unknown;
  message: string;
}

export class QcSettingsError extends Error {
  constructor(
    readonly issues: QcSettingsIssue[],
    context: string,
  ) {
    super(`${context}: ${issues.map((i) => `${i.field} = ${JSON.stringify(i.value)}: ${i.message}`).join('; ')}`);
    this.name = 'QcSettingsError';
  }
}

/** The parts of a model's metadata the QC contract reads. */
export interface QcModel {
  name: string;
  conditioning: { feature_names: string[] };
  quality_control?: QualityControl;
}

/** The model's declared QC as settings (enabled when it declares a `quality_control` block). */
export function qcDefaultsOf(meta: QcModel): QcSettings {
  const q = meta.quality_control;
  if (!q) {
    return {
      enabled: false,
      disabledReason: `model ${meta.name} declares no quality_control (metadata.json): volumes are not checked`,
      maxTries: 1,
      minTumourVoxels: 1,
      tolerances: {},
      brainOutline: null,
      intensity: null,
    };
  }
  return {
    enabled: true,
    disabledReason: null,
    maxTries: DEFAULT_QC_TRIES,
    minTumourVoxels: q.tumour_present.min_voxels,
    tolerances: Object.fromEntries(Object.entries(q.tolerances).map(([f, t]) => [f, t.abs])),
    brainOutline: { imageThreshold: q.brain_outline.image_threshold, minDice: q.brain_outline.min_dice },
    intensity: {
      percentiles: [...q.intensity.percentiles],
      ranges: q.intensity.ranges.map((r) => [r[0], r[1]] as [number, number]),
      excludeTumour: q.intensity.region === TISSUE_REGION,
    },
  };
}

/** Request time (API): the model's QC with the request's overrides, checked; throws QcSettingsError naming each field. */
export function resolveQcSettings(meta: QcModel, overrides: QcOverrides = {}): QcSettings {
  const d = qcDefaultsOf(meta);
  const issues: QcSettingsIssue[] = [];
  if (overrides.enabled === true && !meta.quality_control) {
    issues.push({ field: 'enabled', value: true, message: `model ${meta.name} declares no quality_control, so its volumes cannot be checked` });
  }
  const s: QcSettings = { ...d, tolerances: { ...d.tolerances } };
  if (overrides.enabled === false && d.enabled) {
    s.enabled = false;
    s.disabledReason = 'quality control turned off by the cohort request';
  }
  if (overrides.maxTries != null) {
    if (!Number.isInteger(overrides.maxTries) || overrides.maxTries < 1 || overrides.maxTries > QC_MAX_TRIES) {
      issues.push({ field: 'maxTries', value: overrides.maxTries, message: `must be a whole number in 1..${QC_MAX_TRIES} (1 = no regeneration)` });
    } else s.maxTries = overrides.maxTries;
  }
  const names = meta.conditioning.feature_names;
  for (const t of overrides.tolerances ?? []) {
    if (!names.includes(t.feature)) {
      issues.push({ field: `tolerances.${t.feature}`, value: t.feature, message: `not a feature of model ${meta.name} (features: ${names.join(', ')})` });
    } else if (!(typeof t.abs === 'number' && Number.isFinite(t.abs) && t.abs >= 0 && t.abs <= MAX_TOLERANCE)) {
      issues.push({ field: `tolerances.${t.feature}`, value: t.abs, message: `must be a number in [0, ${MAX_TOLERANCE}] (normalised feature units: 1 is the training maximum of a size, or the whole field of view)` });
    } else s.tolerances[t.feature] = t.abs;
  }
  if (issues.length) throw new QcSettingsError(issues, `quality-control settings for model ${meta.name}`);
  return s;
}

const KEYS: readonly (keyof QcSettings)[] = ['enabled', 'disabledReason', 'maxTries', 'minTumourVoxels', 'tolerances', 'brainOutline', 'intensity'];

/**
 * Run time (worker): the settings a cohort stored, complete; null (no settings stored) for cohorts requested
 * before quality control existed. Throws QcSettingsError when the stored object is incomplete or out of range.
 */
export function parseQcSettings(raw: unknown, meta: QcModel): QcSettings | null {
  if (raw === null || raw === undefined) return null;
  const issues: QcSettingsIssue[] = [];
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new QcSettingsError([{ field: '(root)', value: raw, message: 'must be an object' }], 'stored quality-control settings');
  const o = raw as Record<string, unknown>;
  for (const k of KEYS) if (!(k in o)) issues.push({ field: k, value: undefined, message: 'is missing (settings are stored complete at request time)' });
  for (const k of Object.keys(o)) if (!KEYS.includes(k as keyof QcSettings)) issues.push({ field: k, value: o[k], message: `is not a quality-control setting (known: ${KEYS.join(', ')})` });
  if (!issues.length) {
    if (typeof o.enabled !== 'boolean') issues.push({ field: 'enabled', value: o.enabled, message: 'must be true or false' });
    if (!(Number.isInteger(o.maxTries) && (o.maxTries as number) >= 1 && (o.maxTries as number) <= QC_MAX_TRIES)) issues.push({ field: 'maxTries', value: o.maxTries, message: `must be a whole number in 1..${QC_MAX_TRIES}` });
    const tol = o.tolerances;
    if (typeof tol !== 'object' || tol === null) issues.push({ field: 'tolerances', value: tol, message: 'must be an object of feature -> tolerance' });
    else
      for (const [f, v] of Object.entries(tol)) {
        if (!meta.conditioning.feature_names.includes(f)) issues.push({ field: `tolerances.${f}`, value: f, message: `not a feature of model ${meta.name}` });
        else if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) issues.push({ field: `tolerances.${f}`, value: v, message: 'must be a finite number >= 0' });
      }
  }
  if (issues.length) throw new QcSettingsError(issues, `stored quality-control settings for model ${meta.name}`);
  return o as unknown as QcSettings;
}
