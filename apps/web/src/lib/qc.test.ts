import { describe, expect, it } from 'vitest';
import { offeredModels, preselectModel, qcFieldErrors, readAdherence, scatterSeries, toleranceField, toleranceOverrides } from './qc';

const m = (id: string, purpose: 'PRODUCTION' | 'DEMO' | 'TEST_FIXTURE', isDefault = false) => ({ id, purpose, isDefault });

describe('model choice', () => {
  it('never offers a test fixture, puts the default first, then production before demo, else the API order', () => {
    const models = [m('a-demo', 'DEMO'), m('fixture', 'TEST_FIXTURE', true), m('b-prod', 'PRODUCTION'), m('c-default', 'DEMO', true), m('d-demo', 'DEMO')];
    expect(offeredModels(models).map((x) => x.id)).toEqual(['c-default', 'b-prod', 'a-demo', 'd-demo']);
  });
  it('preselects the kept model when it is offered, else the first offered; null when only fixtures exist', () => {
    const models = [m('a', 'DEMO'), m('b', 'PRODUCTION', true), m('fx', 'TEST_FIXTURE')];
    expect(preselectModel(models, 'a')?.id).toBe('a');
    expect(preselectModel(models, 'fx')?.id).toBe('b');
    expect(preselectModel(models, null)?.id).toBe('b');
    expect(preselectModel([m('fx', 'TEST_FIXTURE')])).toBeNull();
  });
});

describe('QC request fields', () => {
  it('sends only tolerances changed from the model default, and refuses values outside [0, 10] on their field', () => {
    const defaults = [
      { feature: 'voxel_volume', abs: 0.15 },
      { feature: 'x', abs: 0.1 },
      { feature: 'y', abs: 0.1 },
    ];
    expect(toleranceOverrides(defaults, { voxel_volume: 0.15, x: 0.2, y: '' })).toEqual({ tolerances: [{ feature: 'x', abs: 0.2 }], errors: {} });
    const bad = toleranceOverrides(defaults, { x: 11, y: -1 });
    expect(bad.tolerances).toEqual([]);
    expect(Object.keys(bad.errors)).toEqual([toleranceField('x'), toleranceField('y')]);
    expect(bad.errors[toleranceField('x')]).toContain('got 11');
  });
  it('maps the API paths input.qc.* to the dialog fields, leaves the rest alone', () => {
    const out = qcFieldErrors([
      { field: ['input', 'qc', 'maxTries'], message: 'a', code: 'INVALID' },
      { field: ['input', 'qc', 'tolerances', 'x'], message: 'b', code: 'INVALID' },
      { field: ['input', 'qc', 'enabled'], message: 'c', code: 'INVALID' },
      { field: ['input', 'size'], message: 'd', code: 'INVALID' },
    ]);
    expect(out.map((e) => e.field)).toEqual([['qcMaxTries'], [toleranceField('x')], ['qcEnabled'], ['input', 'size']]);
  });
});

describe('adherence report', () => {
  const report = {
    schema: 'slicewise-adherence/1',
    counts: { volumes: 2, measured: 2, emptyMask: 0 },
    qc: { checked: 2, passed: 1, failed: 1, notRun: 0, passRate: 0.5, regenerations: 2, tries: 4 },
    features: [{ feature: 'voxel_volume', n: 2, bias: 0.1, medianAbsError: 0.1, p90AbsError: 0.1 }],
    tumourVolume: { n: 2, meanRatio: 1.2, medianAbsRelError: 0.2, p90AbsRelError: 0.3, spearmanRho: null },
    centroidError: { n: 2, meanPctFov: 3, medianPctFov: 3, p90PctFov: 4 },
    scatter: {
      features: ['voxel_volume', 'x', 'y', 'z'],
      total: 2,
      shown: 2,
      outliersKept: 0,
      points: [
        { volumeId: 'v1', requested: [0.2, 0.4, 0.5, 0.5], measured: [0.3, 0.45, 0.5, 0.5] },
        { volumeId: 'v2', requested: [0.5, 0.6, 0.5, 0.5], measured: [0.4, 0.5, 0.5, 0.5] },
      ],
    },
  };
  it('reads only the schema it knows', () => {
    expect(readAdherence(report)).not.toBeNull();
    expect(readAdherence({ ...report, schema: 'slicewise-adherence/2' })).toBeNull();
    expect(readAdherence(null)).toBeNull();
  });
  it('gives each scatter its points and one domain for both axes (the identity line is the diagonal)', () => {
    const s = scatterSeries(readAdherence(report)!, 'x');
    expect(s.points.map((p) => [p.requested, p.measured])).toEqual([
      [0.4, 0.45],
      [0.6, 0.5],
    ]);
    expect(s.domain[0]).toBeCloseTo(0.39, 10);
    expect(s.domain[1]).toBeCloseTo(0.61, 10);
  });
});
