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
import type { ModelConditioning } from './model.ts';
import { DISTRIBUTION_SPEC_VERSION, DRAWN_FEATURES, DERIVED_FEATURES, SHAPE_PARAMS, MAX_MAX_TRIES, type Marginal, type DrawnFeature, type ShapeParam, type PositionSpec, type QuotaFeature, type QuotaSpec, type EmpiricalReference, type EmpiricalSpec, type DistributionSpec, type ValidationResult } from './spec.types.ts';
import { Ctx, isObj, show, checkMarginal, checkSupport, checkPosition, checkEmpirical, checkQuotas, marginalSupport } from './spec-parts.ts';
export * from './spec.types.ts';
export { marginalSupport } from './spec-parts.ts';

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
