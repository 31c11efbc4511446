/**
 * Condition calibration (a model's metadata.json `calibration` block): the requested feature vector -> the
 * vector fed to the denoiser, so the generated tumour comes out at about the requested value.
 *
 * Same algorithm as the Python reference models/training/sbldm/calibration.py; both check themselves against
 * fixtures/calibration.json (scripts/gen_calibration_fixtures.py). Values are in the model's normalised feature
 * units (`space: "normalised"`), in the order of the model's `conditioning.feature_names`.
 *
 * Application of one requested vector v:
 *  1. v[voxel_volume] === 0 (no tumour requested: the empty / null condition): returned unchanged;
 *  2. each mapped feature: piecewise-linear interpolation between the knots (`requested` strictly increasing,
 *     `fed` non-decreasing), clamped to the end knots outside them. Segment: the first i with x <= r[i+1];
 *     t = (x - r[i]) / (r[i+1] - r[i]); fed = f[i] + t * (f[i+1] - f[i]) (float64, the same expression as Python);
 *  3. each rule in order, `scale_by_ratio_power`: fed[target] = v[target] * (fed[source] / v[source]) ** exponent
 *     (e.g. extents with 1/3 and surface area with 2/3 of the volume ratio: a similar shape of the fed volume,
 *     sphericity and centroid as requested);
 *  4. other features pass unchanged.
 * Pure: no I/O, the inputs are not modified.
 */

export const CALIBRATION_FORMAT = 'slicewise-condition-calibration' as const;
export const CALIBRATION_RULE_OPS = ['scale_by_ratio_power'] as const;
/** The feature whose value 0 marks the empty condition (no tumour): such vectors are never calibrated. */
export const CALIBRATION_EMPTY_FEATURE = 'voxel_volume' as const;

export interface CalibrationMap {
  /** Requested values at the knots, strictly increasing (>= 2 knots). */
  requested: number[];
  /** Value fed to the network at each knot, non-decreasing (the map is monotone). */
  fed: number[];
}

export interface CalibrationRule {
  target: string;
  op: (typeof CALIBRATION_RULE_OPS)[number];
  source: string;
  exponent: number;
  note?: string;
}

export interface ConditionCalibration {
  format: typeof CALIBRATION_FORMAT;
  /** Bumped on every refit; recorded in provenance with each applied vector. */
  version: number;
  space: 'normalised';
  method: string;
  interpolation: 'linear';
  extrapolation: 'clamp';
  empty_condition: 'unchanged';
  fitted_on: Record<string, unknown>;
  maps: Record<string, CalibrationMap>;
  rules?: CalibrationRule[];
  effect?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface AppliedFeature {
  feature: string;
  requested: number;
  fed: number;
  via: 'map' | 'rule';
}

export interface CalibrationResult {
  /** The vector to feed to the denoiser (same order as featureNames). */
  fed: number[];
  /** Copy of the requested vector. */
  requested: number[];
  /** Every feature the calibration changed or set, in application order (provenance). */
  applied: AppliedFeature[];
  /** Mapped features whose requested value lay outside the knots (fed = the end knot's value). */
  clamped: string[];
  /** 'empty_condition' when the vector was returned unchanged because voxel_volume is 0. */
  unchangedReason: 'empty_condition' | null;
  /** calibration.version that produced `fed`. */
  version: number;
}

export class CalibrationError extends Error {
  readonly code = 'INVALID_CALIBRATION';
  constructor(message: string) {
    super(message);
    this.name = 'CalibrationError';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const show = (v: unknown, n = 60): string => (JSON.stringify(v) ?? String(v)).slice(0, n);

/**
 * Check a calibration block against the model's feature names. Returns "path: message" issues (empty = valid),
 * each naming the field, the value and what is allowed. Same checks as the Python validate_calibration.
 */
export function calibrationIssues(cal: unknown, featureNames: readonly string[]): string[] {
  const issues: string[] = [];
  if (!isObj(cal)) return [`calibration: must be an object, got ${show(cal)}`];
  if (cal.format !== CALIBRATION_FORMAT) issues.push(`calibration.format: must be "${CALIBRATION_FORMAT}", got ${show(cal.format)}`);
  if (!(Number.isInteger(cal.version) && (cal.version as number) >= 1)) issues.push(`calibration.version: must be an integer >= 1, got ${show(cal.version)}`);
  if (cal.space !== 'normalised') issues.push(`calibration.space: must be "normalised", got ${show(cal.space)}`);
  for (const [k, allowed] of [['interpolation', 'linear'], ['extrapolation', 'clamp'], ['empty_condition', 'unchanged']] as const) {
    if (cal[k] !== allowed) issues.push(`calibration.${k}: must be "${allowed}", got ${show(cal[k])}`);
  }
  let maps: Record<string, unknown> = {};
  if (!isObj(cal.maps) || Object.keys(cal.maps).length === 0) {
    issues.push(`calibration.maps: must be a non-empty object of feature -> knots, got ${show(cal.maps)}`);
  } else maps = cal.maps;
  for (const [name, m] of Object.entries(maps)) {
    const p = `calibration.maps.${name}`;
    if (!featureNames.includes(name)) issues.push(`${p}: unknown feature "${name}", allowed: ${featureNames.join(', ')}`);
    if (!isObj(m)) {
      issues.push(`${p}: must be an object with "requested" and "fed", got ${show(m)}`);
      continue;
    }
    const r = m.requested;
    const f = m.fed;
    if (!Array.isArray(r) || r.length < 2 || !r.every(finite)) {
      issues.push(`${p}.requested: must be an array of >= 2 finite numbers, got ${show(r, 80)}`);
      continue;
    }
    if (!Array.isArray(f) || f.length !== r.length || !f.every(finite)) {
      issues.push(`${p}.fed: must be an array of ${r.length} finite numbers (one per requested knot), got ${show(f, 80)}`);
      continue;
    }
    for (let i = 1; i < r.length; i++) {
      if (!(r[i]! > r[i - 1]!)) {
        issues.push(`${p}.requested[${i}]: knots must be strictly increasing, got ${r[i]} after ${r[i - 1]}`);
        break;
      }
    }
    for (let i = 1; i < f.length; i++) {
      if (f[i]! < f[i - 1]!) {
        issues.push(`${p}.fed[${i}]: must be non-decreasing (a monotone map), got ${f[i]} after ${f[i - 1]}`);
        break;
      }
    }
  }
  const rules = cal.rules === undefined ? [] : cal.rules;
  if (!Array.isArray(rules)) issues.push(`calibration.rules: must be an array, got ${show(rules)}`);
  else
    rules.forEach((rule: unknown, i: number) => {
      const p = `calibration.rules[${i}]`;
      if (!isObj(rule)) {
        issues.push(`${p}: must be an object, got ${show(rule)}`);
        return;
      }
      if (!(CALIBRATION_RULE_OPS as readonly unknown[]).includes(rule.op)) issues.push(`${p}.op: must be one of ${CALIBRATION_RULE_OPS.join(', ')}, got ${show(rule.op)}`);
      if (typeof rule.target !== 'string' || !featureNames.includes(rule.target)) {
        issues.push(`${p}.target: must be a feature name (${featureNames.join(', ')}), got ${show(rule.target)}`);
      } else if (rule.target in maps) issues.push(`${p}.target: "${rule.target}" already has a map; a feature is either mapped or derived`);
      if (typeof rule.source !== 'string' || !(rule.source in maps)) {
        issues.push(`${p}.source: must be a mapped feature (${Object.keys(maps).join(', ') || 'none'}), got ${show(rule.source)}`);
      }
      if (!finite(rule.exponent)) issues.push(`${p}.exponent: must be a finite number, got ${show(rule.exponent)}`);
    });
  if (Object.keys(maps).length && !featureNames.includes(CALIBRATION_EMPTY_FEATURE)) {
    issues.push(`calibration: the model's features must include "${CALIBRATION_EMPTY_FEATURE}" (empty-condition rule)`);
  }
  return issues;
}

/** Piecewise-linear between knots, clamped outside (the exact arithmetic of the Python reference). */
export function interpolateKnots(x: number, requested: readonly number[], fed: readonly number[]): { value: number; clamped: boolean } {
  if (x <= requested[0]!) return { value: fed[0]!, clamped: x < requested[0]! };
  const k = requested.length - 1;
  if (x >= requested[k]!) return { value: fed[k]!, clamped: x > requested[k]! };
  let i = 0;
  while (!(x <= requested[i + 1]!)) i++;
  const t = (x - requested[i]!) / (requested[i + 1]! - requested[i]!);
  return { value: fed[i]! + t * (fed[i + 1]! - fed[i]!), clamped: false };
}

/**
 * Apply `calibration` to one requested vector (normalised units, order of `featureNames`).
 * Throws CalibrationError (code INVALID_CALIBRATION) naming the field when the block or the vector is invalid.
 */
export function applyCalibration(vector: readonly number[], calibration: unknown, featureNames: readonly string[]): CalibrationResult {
  const issues = calibrationIssues(calibration, featureNames);
  if (issues.length) throw new CalibrationError(issues.join('; '));
  const cal = calibration as ConditionCalibration;
  if (vector.length !== featureNames.length || !vector.every(finite)) {
    throw new CalibrationError(`vector: must be ${featureNames.length} finite numbers (${featureNames.join(', ')}), got ${show(vector, 120)}`);
  }
  const req = Array.from(vector);
  const fed = Array.from(vector);
  const out: CalibrationResult = { fed, requested: req, applied: [], clamped: [], unchangedReason: null, version: cal.version };
  const idx = new Map(featureNames.map((n, i) => [n, i] as const));
  if (req[idx.get(CALIBRATION_EMPTY_FEATURE)!] === 0) {
    out.unchangedReason = 'empty_condition';
    return out;
  }
  for (const [name, m] of Object.entries(cal.maps)) {
    const i = idx.get(name)!;
    const r = interpolateKnots(req[i]!, m.requested, m.fed);
    fed[i] = r.value;
    out.applied.push({ feature: name, requested: req[i]!, fed: r.value, via: 'map' });
    if (r.clamped) out.clamped.push(name);
  }
  for (const rule of cal.rules ?? []) {
    const t = idx.get(rule.target)!;
    const s = idx.get(rule.source)!;
    if (req[s] === 0) continue; // only for a source other than voxel_volume: no ratio, the target stays
    fed[t] = req[t]! * (fed[s]! / req[s]!) ** rule.exponent;
    out.applied.push({ feature: rule.target, requested: req[t]!, fed: fed[t]!, via: 'rule' });
  }
  return out;
}
