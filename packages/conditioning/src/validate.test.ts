import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSampler } from './sample.ts';
import { validateSpec } from './spec.ts';
import { modelConditioningFromMetadata } from './model.ts';
import { testMetadata, testModel } from './testing.ts';
import { FEATURE_NAMES } from './types.ts';

const model = testModel();
const base = { version: 1, kind: 'parametric' };

function issues(spec: unknown, withModel = true) {
  const r = validateSpec(spec, withModel ? model : undefined);
  return r.ok ? [] : r.errors;
}
function expectIssue(spec: unknown, path: string[], code: string, withModel = true) {
  const errs = issues(spec, withModel);
  const hit = errs.find((e) => e.path.join('.') === path.join('.') && e.code === code);
  expect(hit, `expected ${code} at ${path.join('.')}, got ${JSON.stringify(errs)}`).toBeDefined();
  expect(hit!.message.length).toBeGreaterThan(10);
}

describe('validateSpec: bad input is named, never thrown', () => {
  it('accepts the minimal spec', () => {
    expect(validateSpec(base, model).ok).toBe(true);
  });
  it('NaN and Infinity', () => {
    expectIssue({ ...base, features: { voxel_volume: { type: 'uniform', min: NaN, max: 0.5 } } }, ['features', 'voxel_volume', 'min'], 'not_finite');
    expectIssue({ ...base, features: { sphericity: { type: 'fixed', value: Infinity } } }, ['features', 'sphericity', 'value'], 'not_finite');
  });
  it('negative sizes and min > max', () => {
    expectIssue({ ...base, features: { voxel_volume: { type: 'uniform', min: -0.2, max: 0.5 } } }, ['features', 'voxel_volume'], 'out_of_bounds');
    expectIssue({ ...base, features: { voxel_volume: { type: 'uniform', min: 0.5, max: 0.2 } } }, ['features', 'voxel_volume', 'min'], 'min_gt_max');
    expectIssue({ ...base, features: { voxel_volume: { type: 'truncnormal', mean: 0.3, sd: -1, min: 0.1, max: 0.5 } } }, ['features', 'voxel_volume', 'sd'], 'out_of_bounds');
    expectIssue({ ...base, features: { voxel_volume: { type: 'lognormal', mu: -1, sigma: 0.5, min: -1 } } }, ['features', 'voxel_volume', 'min'], 'out_of_bounds');
  });
  it('lognormal without max on a bounded feature', () => {
    expectIssue({ ...base, shape: { fill: { type: 'lognormal', mu: -1, sigma: 0.5 } } }, ['shape', 'fill'], 'out_of_bounds');
  });
  it('mixture weights must sum to 1', () => {
    const mix = { type: 'mixture', components: [{ weight: 0.5, dist: { type: 'fixed', value: 0.1 } }, { weight: 0.4, dist: { type: 'fixed', value: 0.3 } }] };
    expectIssue({ ...base, features: { voxel_volume: mix } }, ['features', 'voxel_volume', 'components'], 'weights_sum');
  });
  it('quotas must add up, not overlap, and be reachable', () => {
    const strata = [{ name: 'a', min: 0, max: 0.1, fraction: 0.3 }, { name: 'b', min: 0.1, max: 1, fraction: 0.6 }];
    expectIssue({ ...base, quotas: { feature: 'voxel_volume', strata } }, ['quotas', 'strata'], 'quota_sum');
    const overlap = [{ name: 'a', min: 0, max: 0.2, fraction: 0.5 }, { name: 'b', min: 0.1, max: 1, fraction: 0.5 }];
    expectIssue({ ...base, quotas: { feature: 'voxel_volume', strata: overlap } }, ['quotas', 'strata', '1'], 'conflict');
    const unreachable = [{ name: 'a', min: 0, max: 0.005, fraction: 0.5 }, { name: 'b', min: 0.005, max: 1, fraction: 0.5 }];
    expectIssue({ ...base, quotas: { feature: 'voxel_volume', strata: unreachable } }, ['quotas', 'strata', '0'], 'outside_training_range');
    expectIssue({ ...base, quotas: { feature: 'surface_area', strata: [{ name: 'a', min: 0, max: 1, fraction: 1 }] } }, ['quotas', 'feature'], 'derived_feature');
  });
  it('positions outside the brain', () => {
    expectIssue({ ...base, position: { type: 'centroid', x: 0.02, y: 0.5, z: 0.5 } }, ['position'], 'outside_brain');
    expectIssue({ ...base, position: { type: 'centroid', x: 1.5, y: 0.5, z: 0.5 } }, ['position', 'x'], 'out_of_bounds');
    expectIssue({ ...base, position: { type: 'region', region: ['left', 'right'] } }, ['position', 'region'], 'conflict');
    expectIssue({ ...base, position: { type: 'region', region: 'middle' } }, ['position', 'region'], 'type');
    // inside the brain but not where the model was trained
    expectIssue({ ...base, position: { type: 'centroid', x: 0.2, y: 0.5, z: 0.5 } }, ['position', 'x'], 'outside_training_range');
  });
  it('unknown and derived features, unknown keys, versions', () => {
    expectIssue({ ...base, features: { volume: { type: 'fixed', value: 0.1 } } }, ['features', 'volume'], 'unknown_feature');
    expectIssue({ ...base, features: { surface_area: { type: 'fixed', value: 0.1 } } }, ['features', 'surface_area'], 'derived_feature');
    expectIssue({ ...base, features: { w: { type: 'fixed', value: 0.1 } } }, ['features', 'w'], 'derived_feature');
    expectIssue({ ...base, colour: 'red' }, ['colour'], 'unknown_key');
    expectIssue({ ...base, features: { sphericity: { type: 'fixed', value: 0.5, extra: 1 } } }, ['features', 'sphericity', 'extra'], 'unknown_key');
    expectIssue({ ...base, version: 2 }, ['version'], 'unsupported_version');
    expectIssue({ version: 1 }, ['kind'], 'required');
    expectIssue({ ...base, features: { x: { type: 'fixed', value: 0.5 } }, position: { type: 'region', region: 'left' } }, ['position'], 'conflict');
    expectIssue({ ...base, outOfRange: { rule: 'clamp', maxTries: 10 } }, ['outOfRange', 'rule'], 'type');
    expectIssue({ ...base, outOfRange: { rule: 'reject', maxTries: 0 } }, ['outOfRange', 'maxTries'], 'out_of_bounds');
  });
  it('empirical specs need references with hashes', () => {
    expectIssue({ version: 1, kind: 'empirical' }, ['empirical'], 'required');
    const emp = { gridShapeDhw: [64, 64, 64], spacingMm: [1, 1, 1], bandwidth: 0.2, references: [{ sha256: 'abc', features: [100, 50, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1] }] };
    expectIssue({ version: 1, kind: 'empirical', empirical: emp }, ['empirical', 'references', '0', 'sha256'], 'type');
  });
  it('does not throw on hostile input', () => {
    const cyclic: Record<string, unknown> = { version: 1, kind: 'parametric' };
    cyclic.features = { voxel_volume: cyclic };
    for (const x of [null, undefined, 42, 'spec', [], cyclic, Object.create(null), { __proto__: { version: 1 } }]) {
      expect(() => validateSpec(x, model)).not.toThrow();
      expect(validateSpec(x, model).ok).toBe(false);
    }
  });
});

// ---- fuzz ---------------------------------------------------------------------------------------
const num = fc.oneof(
  fc.double({ min: -2, max: 2, noNaN: false }),
  fc.constantFrom(0, 0.01, 0.1, 0.3, 0.5, 0.9, 1, NaN, Infinity, -Infinity, -1),
  fc.double(),
);
const leaf = fc.oneof(
  fc.record({ type: fc.constant('fixed'), value: num }),
  fc.record({ type: fc.constant('uniform'), min: num, max: num }),
  fc.record({ type: fc.constant('truncnormal'), mean: num, sd: num, min: num, max: num }),
  fc.record({ type: fc.constant('beta'), alpha: fc.oneof(num, fc.double({ min: 0.05, max: 20 })), beta: fc.double({ min: 0.05, max: 20 }) }, { requiredKeys: ['type', 'alpha', 'beta'] }),
  fc.record({ type: fc.constant('beta'), alpha: fc.double({ min: 0.1, max: 20 }), beta: fc.double({ min: 0.1, max: 20 }), min: num, max: num }),
  fc.record({ type: fc.constant('lognormal'), mu: num, sigma: num, min: num, max: num }, { requiredKeys: ['type', 'mu', 'sigma'] }),
  fc.record({ type: fc.constantFrom('gamma', 'fixed'), value: num }),
);
const marginal = fc.oneof(
  { weight: 4, arbitrary: leaf },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), leaf), { minLength: 1, maxLength: 3 })
      .map((cs) => {
        const s = cs.reduce((a, [w]) => a + w, 0) || 1;
        return { type: 'mixture', components: cs.map(([w, dist], i) => ({ weight: i === 0 && s === 0 ? 1 : w / s, dist })) };
      }),
  },
);
const featureKey = fc.constantFrom('voxel_volume', 'sphericity', 'x', 'y', 'z', 'surface_area', 'w', 'bogus');
const position = fc.oneof(
  fc.record({ type: fc.constant('centroid'), x: num, y: num, z: num }),
  fc.record({ type: fc.constant('centroid'), x: fc.double({ min: 0.3, max: 0.7 }), y: fc.double({ min: 0.3, max: 0.7 }), z: fc.double({ min: 0.3, max: 0.7 }), jitter: fc.double({ min: 0, max: 0.1 }) }),
  fc.record({ type: fc.constant('region'), region: fc.oneof(fc.constantFrom('anywhere', 'left', 'right', 'front', 'back', 'upper', 'lower', 'nowhere'), fc.array(fc.constantFrom('left', 'right', 'upper', 'front'), { maxLength: 3 })) }),
  fc.record({ type: fc.constant('marginals') }),
);
const quotas = fc
  .array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 4 })
  .chain((ws) =>
    fc.record({
      feature: fc.constantFrom('voxel_volume', 'sphericity', 'x'),
      strata: fc.constant(
        (() => {
          const s = ws.reduce((a, [w]) => a + w, 0) || 1;
          const cuts = ws.map(([, c]) => c).sort((a, b) => a - b);
          return ws.map(([w], i) => ({ name: `s${i}`, min: i === 0 ? 0 : cuts[i - 1]!, max: i === ws.length - 1 ? 1.01 : cuts[i]!, fraction: w / s }));
        })(),
      ),
    }),
  );
const specArb = fc.record(
  {
    version: fc.constantFrom(1, 1, 1, 2, '1'),
    kind: fc.constantFrom('parametric', 'parametric', 'empirical', 'training', 'other'),
    features: fc.dictionary(featureKey, marginal, { maxKeys: 4 }),
    shape: fc.dictionary(fc.constantFrom('fill', 'aspect_yx', 'aspect_zx', 'roundness'), marginal, { maxKeys: 3 }),
    position,
    quotas,
    outOfRange: fc.record({ rule: fc.constantFrom('reject', 'clamp'), maxTries: fc.oneof(fc.integer({ min: -5, max: 200 }), num) }),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

// mostly-valid specs, so that the "accepted => samples cleanly" half of the property is exercised
const lo = fc.double({ min: 0.005, max: 0.6, noNaN: true });
const validMarginal = (a: number, b: number) =>
  fc.oneof(
    fc.tuple(fc.double({ min: a, max: b, noNaN: true }), fc.double({ min: 0, max: b - a, noNaN: true })).map(([m, w]) => ({ type: 'uniform', min: m, max: Math.min(b, m + w) })),
    fc.double({ min: a, max: b, noNaN: true }).map((v) => ({ type: 'fixed', value: v })),
    fc.tuple(fc.double({ min: 0.2, max: 10, noNaN: true }), fc.double({ min: 0.2, max: 10, noNaN: true })).map(([al, be]) => ({ type: 'beta', alpha: al, beta: be, min: a, max: b })),
    fc.tuple(fc.double({ min: a, max: b, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true })).map(([m, sd]) => ({ type: 'truncnormal', mean: m, sd, min: a, max: b })),
    fc.tuple(fc.double({ min: -5, max: 0, noNaN: true }), fc.double({ min: 0.05, max: 2, noNaN: true })).map(([mu, sg]) => ({ type: 'lognormal', mu, sigma: sg, min: a, max: b })),
  );
const validSpecArb = fc.record(
  {
    version: fc.constant(1),
    kind: fc.constant('parametric'),
    features: fc.record({ voxel_volume: validMarginal(0.009, 1), sphericity: validMarginal(0.24, 0.86) }, { requiredKeys: [] }),
    shape: fc.record({ fill: validMarginal(0.2, 0.9), aspect_yx: validMarginal(0.3, 3) }, { requiredKeys: [] }),
    position: fc.oneof(
      fc.record({ type: fc.constant('region'), region: fc.constantFrom('anywhere', 'left', 'right', 'front', 'back', 'upper', 'lower') }),
      fc.record({ type: fc.constant('centroid'), x: fc.double({ min: 0.35, max: 0.65, noNaN: true }), y: fc.double({ min: 0.35, max: 0.65, noNaN: true }), z: fc.double({ min: 0.35, max: 0.65, noNaN: true }), jitter: fc.double({ min: 0, max: 0.05, noNaN: true }) }),
    ),
    quotas: lo.map((c) => ({ feature: 'voxel_volume', strata: [{ name: 'lo', min: 0, max: c, fraction: 0.4 }, { name: 'hi', min: c, max: 2, fraction: 0.6 }] })),
    outOfRange: fc.integer({ min: 1, max: 50 }).map((n) => ({ rule: 'reject', maxTries: n })),
  },
  { requiredKeys: ['version', 'kind'] },
);
const validTrainingArb = fc.record(
  {
    version: fc.constant(1),
    kind: fc.constant('training'),
    training: fc.double({ min: 0, max: 2, noNaN: true }).map((b) => ({ bandwidth: b })),
    position: fc.record({ type: fc.constant('region'), region: fc.constantFrom('anywhere', 'left', 'upper') }),
    quotas: fc.double({ min: 0.05, max: 0.7, noNaN: true }).map((c) => ({ feature: 'voxel_volume', strata: [{ name: 'lo', min: 0, max: c, fraction: 0.5 }, { name: 'hi', min: c, max: 2, fraction: 0.5 }] })),
  },
  { requiredKeys: ['version', 'kind'] },
);

describe('validateSpec fuzz (fast-check)', () => {
  it('never throws, and every accepted spec samples finite in-range vectors', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 3, arbitrary: specArb }, { weight: 3, arbitrary: validSpecArb }, { weight: 1, arbitrary: validTrainingArb }, { weight: 1, arbitrary: fc.anything() }), (spec) => {
        const r = validateSpec(spec, model);
        if (!r.ok) {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) expect(Array.isArray(e.path) && typeof e.message === 'string' && typeof e.code === 'string').toBe(true);
          return;
        }
        accepted++;
        const s = compileSampler(r.spec, model);
        const n = 8;
        for (let i = 0; i < n; i++) {
          const d = s.sample(1, i, n);
          if (d.vector) {
            expect(d.vector.every(Number.isFinite)).toBe(true);
            FEATURE_NAMES.forEach((f, j) => {
              expect(d.vector![j]).toBeGreaterThanOrEqual(model.trainingRanges[f][0]);
              expect(d.vector![j]).toBeLessThanOrEqual(model.trainingRanges[f][1]);
            });
          } else expect(d.tries).toBe(s.maxTries);
        }
      }),
      { numRuns: 300, seed: 20241125 },
    );
    // the generator must actually reach valid specs, or the second half proves nothing
    expect(accepted).toBeGreaterThan(10);
  });
  it('never throws without a model either, nor when reading hostile metadata', () => {
    fc.assert(
      fc.property(fc.oneof(specArb, fc.anything()), (spec) => {
        expect(() => validateSpec(spec)).not.toThrow();
      }),
      { numRuns: 200, seed: 7 },
    );
    const meta = testMetadata();
    fc.assert(
      fc.property(
        fc.constantFrom('volume', 'conditioning', 'brain_mask'),
        fc.constantFrom('shape_dhw', 'spacing_mm', 'normalisation', 'ranges', 'empirical_sample', 'data', 'encoding', 'spatial_channel', 'axis_codes'),
        fc.anything(),
        (section, key, value) => {
          const m = structuredClone(meta) as Record<string, Record<string, unknown>>;
          if (m[section]) m[section]![key] = value;
          const r = modelConditioningFromMetadata(m);
          if (!r.ok) expect(r.errors.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300, seed: 8 },
    );
    expect(modelConditioningFromMetadata(null).ok).toBe(false);
  });
  it('rejects every spec with a non-finite number anywhere', () => {
    fc.assert(
      fc.property(fc.constantFrom(NaN, Infinity, -Infinity), fc.constantFrom('value', 'min', 'max'), (bad, key) => {
        const m: Record<string, unknown> = key === 'value' ? { type: 'fixed', value: bad } : { type: 'uniform', min: 0.1, max: 0.5, [key]: bad };
        expect(validateSpec({ ...base, features: { sphericity: m } }, model).ok).toBe(false);
      }),
    );
  });
});
