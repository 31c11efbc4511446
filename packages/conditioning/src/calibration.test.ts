// applyCalibration against the Python reference (fixtures/calibration.json, scripts/gen_calibration_fixtures.py)
// and on hand-made cases.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyCalibration, calibrationIssues, CalibrationError, interpolateKnots } from './calibration.ts';

interface Case { name: string; calibration: string; requested: number[]; fed: number[]; clamped: string[]; unchangedReason: string | null; appliedFeatures: string[] }
interface Invalid { name: string; calibration: unknown; issue_path: string }
const doc = JSON.parse(readFileSync(new URL('../fixtures/calibration.json', import.meta.url), 'utf8')) as {
  featureNames: string[]; cases: Case[]; invalid: Invalid[]; calibrations: Record<string, unknown>;
};
const names = doc.featureNames;

describe('applyCalibration matches the Python reference', () => {
  it('has the fixture cases', () => {
    expect(doc.cases.length).toBeGreaterThanOrEqual(30);
    expect(doc.cases.some((c) => c.clamped.length > 0)).toBe(true);
    expect(doc.cases.some((c) => c.unchangedReason === 'empty_condition')).toBe(true);
  });
  for (const c of doc.cases) {
    it(c.name, () => {
      const cal = doc.calibrations[c.calibration];
      const before = JSON.stringify(cal);
      const r = applyCalibration(c.requested, cal, names);
      // maps: the same float64 expression -> identical; rules use ** (pow), which may differ in the last bit
      r.fed.forEach((v, i) => expect(Math.abs(v - c.fed[i]!)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(c.fed[i]!))));
      const mapped = Object.keys((cal as { maps: object }).maps);
      for (const f of mapped) expect(r.fed[names.indexOf(f)]).toBe(c.fed[names.indexOf(f)]);
      expect(r.clamped).toEqual(c.clamped);
      expect(r.unchangedReason).toBe(c.unchangedReason);
      expect(r.applied.map((a) => a.feature)).toEqual(c.appliedFeatures);
      expect(r.requested).toEqual(c.requested);
      expect(JSON.stringify(cal)).toBe(before); // input untouched
    });
  }
  for (const c of doc.invalid) {
    it(`rejects ${c.name} naming ${c.issue_path}`, () => {
      const issues = calibrationIssues(c.calibration, names);
      expect(issues.some((i) => i.startsWith(`${c.issue_path}:`))).toBe(true);
      expect(() => applyCalibration([0.3, 0.3, 0.8, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3], c.calibration, names)).toThrow(CalibrationError);
    });
  }
});

describe('applyCalibration', () => {
  const cal = {
    format: 'slicewise-condition-calibration', version: 2, space: 'normalised', method: 'test', interpolation: 'linear',
    extrapolation: 'clamp', empty_condition: 'unchanged', fitted_on: { split: 'train' },
    maps: { voxel_volume: { requested: [0.1, 0.5, 0.9], fed: [0.05, 0.25, 0.45] } },
    rules: [{ target: 'w', op: 'scale_by_ratio_power', source: 'voxel_volume', exponent: 1 / 3 }],
  };
  it('halves the volume between knots and shrinks the extent by the cube root of the ratio', () => {
    const r = applyCalibration([0.3, 0.4, 0.8, 0.5, 0.5, 0.5, 0.4, 0.3, 0.3], cal, names);
    expect(r.fed[0]).toBeCloseTo(0.15, 15);
    expect(r.fed[6]).toBeCloseTo(0.4 * Math.cbrt(0.5), 14);
    expect(r.fed.slice(1, 6)).toEqual([0.4, 0.8, 0.5, 0.5, 0.5]); // unmapped, underived features pass
    expect(r.version).toBe(2);
  });
  it('clamps outside the knots and says so', () => {
    expect(interpolateKnots(0.01, [0.1, 0.9], [0.05, 0.45])).toEqual({ value: 0.05, clamped: true });
    expect(interpolateKnots(2, [0.1, 0.9], [0.05, 0.45])).toEqual({ value: 0.45, clamped: true });
    expect(interpolateKnots(0.9, [0.1, 0.9], [0.05, 0.45])).toEqual({ value: 0.45, clamped: false });
  });
  it('leaves the empty condition alone', () => {
    const r = applyCalibration([0, 0, 0, 0, 0, 0, 0, 0, 0], cal, names);
    expect(r.fed).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.unchangedReason).toBe('empty_condition');
  });
  it('rejects a vector of the wrong length or with NaN, naming what is allowed', () => {
    expect(() => applyCalibration([0.3, 0.4], cal, names)).toThrow(/vector: must be 9 finite numbers \(voxel_volume/);
    expect(() => applyCalibration([NaN, 0, 0, 0, 0, 0, 0, 0, 0], cal, names)).toThrow(CalibrationError);
  });
  it('rejects a non-monotone map with the field and the values', () => {
    const bad = { ...cal, maps: { voxel_volume: { requested: [0.1, 0.5, 0.9], fed: [0.05, 0.3, 0.25] } } };
    expect(calibrationIssues(bad, names)).toEqual(['calibration.maps.voxel_volume.fed[2]: must be non-decreasing (a monotone map), got 0.25 after 0.3']);
  });
});
