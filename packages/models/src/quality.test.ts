// Contract additions of issue 14: purpose / default / calibration / quality_control, on the shipped model folders
// and on broken copies (each error names the field, the value and what is allowed).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyCalibration } from '@slicewise/conditioning';
import { describe, expect, it } from 'vitest';
import { ModelError, defaultModel, listModels, parseModelMetadata } from './index.ts';
import { contractAdditionIssues } from './quality.ts';

const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models');
const read = (name: string) => JSON.parse(fs.readFileSync(path.join(MODELS_DIR, name, 'metadata.json'), 'utf8')) as Record<string, unknown>;
const FEATURES = ['voxel_volume', 'surface_area', 'sphericity', 'x', 'y', 'z', 'w', 'h', 'd'];

function calibration(): Record<string, unknown> {
  return {
    format: 'slicewise-condition-calibration', version: 1, space: 'normalised', method: 'isotonic (test)',
    interpolation: 'linear', extrapolation: 'clamp', empty_condition: 'unchanged',
    fitted_on: { split: 'train', n_conditions: 48 },
    maps: { voxel_volume: { requested: [0.02, 0.3, 0.9], fed: [0.01, 0.16, 0.5] } },
    rules: [{ target: 'w', op: 'scale_by_ratio_power', source: 'voxel_volume', exponent: 1 / 3 }],
  };
}
function qc(): Record<string, unknown> {
  return {
    version: 1, tumour_present: { min_voxels: 10 },
    tolerances: Object.fromEntries(FEATURES.map((f) => [f, { abs: 0.05, basis: 'p95 of |measured - requested| on held-out conditions after calibration' }])),
    brain_outline: { image_threshold: -0.7, min_dice: 0.7, basis: 'p5 of held-out samples' },
    intensity: { percentiles: [5, 50, 95], ranges: [[-1, -0.5], [-0.4, 0.2], [0.1, 0.7]], basis: 'training phantoms' },
  };
}
const withFields = (extra: Record<string, unknown>) => ({ ...read('tiny-random'), ...extra });

describe('shipped models declare what they are for', () => {
  it('tiny-random is a test fixture, never the default', () => {
    const m = parseModelMetadata(read('tiny-random'));
    expect(m.purpose).toBe('test-fixture');
    expect(m.default).toBe(false);
  });
  it('exactly one default model, a production one', async () => {
    const listing = await listModels(MODELS_DIR);
    const defaults = listing.filter((l) => l.default === true);
    expect(defaults.map((l) => l.name)).toEqual(['sbldm-phantom-64-fast']);
    expect(defaults[0]!.purpose).toBe('production');
    expect(await defaultModel(MODELS_DIR)).toBe('sbldm-phantom-64-fast');
    expect(listing.find((l) => l.name === 'sbldm-phantom-64')?.purpose).toBe('demo');
  });
  it('a declared calibration applies to the model\'s features and shrinks what the model inflates', () => {
    for (const name of ['sbldm-phantom-64-fast']) {
      const m = parseModelMetadata(read(name));
      if (!m.calibration) continue; // written by run.py calibrate
      const r = applyCalibration([0.5, 0.5, 0.8, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4], m.calibration, m.conditioning.feature_names);
      expect(r.fed[0]).toBeLessThan(0.5);
      expect(m.calibration.fitted_on.split).toBe('train');
      expect(Object.keys(m.quality_control!.tolerances).sort()).toEqual([...m.conditioning.feature_names].sort());
    }
  });
});

describe('contract additions are validated field by field', () => {
  it('accepts valid calibration and quality_control blocks', () => {
    expect(contractAdditionIssues(withFields({ calibration: calibration(), quality_control: qc() }))).toEqual([]);
    expect(() => parseModelMetadata(withFields({ calibration: calibration(), quality_control: qc() }))).not.toThrow();
  });
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['unknown purpose', { purpose: 'prod' }, /purpose: must be one of "production", "demo", "test-fixture", got "prod"/],
    ['default not boolean', { default: 'yes' }, /default: must be true or false, got "yes"/],
    ['default test fixture', { purpose: 'test-fixture', default: true }, /a "test-fixture" model cannot be the default/],
    ['calibration fitted on held-out', { calibration: { ...calibration(), fitted_on: { split: 'val' } } }, /calibration\.fitted_on\.split: must be "train".*got "val"/],
    ['calibration not monotone', { calibration: { ...calibration(), maps: { voxel_volume: { requested: [0.1, 0.5], fed: [0.3, 0.2] } } } }, /calibration\.maps\.voxel_volume\.fed\[1\]: must be non-decreasing.*got 0\.2 after 0\.3/],
    ['calibration unknown feature', { calibration: { ...calibration(), maps: { size: { requested: [0, 1], fed: [0, 1] } } } }, /calibration\.maps\.size: unknown feature "size", allowed: voxel_volume/],
    ['qc tolerance negative', { quality_control: { ...qc(), tolerances: { voxel_volume: { abs: -1, basis: 'x' } } } }, /quality_control\.tolerances\.voxel_volume\.abs: must be a finite number >= 0, got -1/],
    ['qc ranges length', { quality_control: { ...qc(), intensity: { percentiles: [5, 95], ranges: [[0, 1]], basis: 'x' } } }, /quality_control\.intensity\.ranges: must be an array of \[lo, hi\] pairs, one per percentile/],
    ['qc inverted range', { quality_control: { ...qc(), intensity: { percentiles: [50], ranges: [[0.5, 0.1]], basis: 'x' } } }, /quality_control\.intensity\.ranges\[0\]: must be \[lo, hi\] with finite lo <= hi, got \[0\.5,0\.1\]/],
    ['qc min_dice above 1', { quality_control: { ...qc(), brain_outline: { image_threshold: -0.7, min_dice: 1.5, basis: 'x' } } }, /quality_control\.brain_outline\.min_dice: must be a number in \[0, 1\], got 1\.5/],
    ['qc min_voxels zero', { quality_control: { ...qc(), tumour_present: { min_voxels: 0 } } }, /quality_control\.tumour_present\.min_voxels: must be an integer >= 1, got 0/],
  ];
  for (const [name, extra, re] of bad) {
    it(`rejects ${name}`, () => {
      let err: unknown;
      try {
        parseModelMetadata(withFields(extra));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ModelError);
      expect((err as ModelError).code).toBe('INVALID_METADATA');
      expect((err as Error).message).toMatch(re);
    });
  }
});
