import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel } from './load.ts';
import { parseQcSettings, QcSettingsError, qcDefaultsOf, resolveQcSettings } from './qc-settings.ts';

const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models');
const tiny = async () => (await loadModel(MODELS_DIR, 'tiny-random', { verify: false })).metadata;

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(QcSettingsError);
    return (e as QcSettingsError).issues;
  }
  throw new Error('expected a QcSettingsError');
}

describe('quality-control settings', () => {
  it('a model declaring quality_control gets it by default, 3 tries', async () => {
    const s = resolveQcSettings(await tiny());
    expect(s).toMatchObject({ enabled: true, disabledReason: null, maxTries: 3, minTumourVoxels: 4, tolerances: { voxel_volume: 0.15, x: 0.1 } });
    expect(s.brainOutline).toEqual({ imageThreshold: -0.7, minDice: 0.6 });
    expect(s.intensity!.percentiles).toEqual([5, 50, 95]);
  });

  it('the default model measures intensities on brain tissue alone, as its ranges were fitted; a bad region is refused', async () => {
    const fast = (await loadModel(MODELS_DIR, 'sbldm-phantom-64-fast', { verify: false })).metadata;
    expect(qcDefaultsOf(fast).intensity!.excludeTumour).toBe(true);
    expect(qcDefaultsOf(await tiny()).intensity!.excludeTumour).toBe(false);
    const { parseModelMetadata } = await import('./metadata.ts');
    const raw = JSON.parse(JSON.stringify(fast));
    raw.quality_control.intensity.region = 'tumour';
    expect(() => parseModelMetadata(raw)).toThrow(/quality_control\.intensity\.region: must be one of "brain_mask", "brain_mask minus the tumour mask"/);
  });

  it('overrides tries and tolerances, or turns QC off with the reason recorded', async () => {
    const m = await tiny();
    expect(resolveQcSettings(m, { maxTries: 1, tolerances: [{ feature: 'voxel_volume', abs: 0.3 }, { feature: 'sphericity', abs: 0.05 }] })).toMatchObject({
      maxTries: 1,
      tolerances: { voxel_volume: 0.3, sphericity: 0.05, x: 0.1 },
    });
    expect(resolveQcSettings(m, { enabled: false })).toMatchObject({ enabled: false, disabledReason: 'quality control turned off by the cohort request' });
  });

  it('names every bad field with its value and what is allowed', async () => {
    const m = await tiny();
    const bad = issuesOf(() => resolveQcSettings(m, { maxTries: 11, tolerances: [{ feature: 'colour', abs: 0.1 }, { feature: 'x', abs: -1 }] }));
    expect(bad.map((i) => i.field)).toEqual(['maxTries', 'tolerances.colour', 'tolerances.x']);
    expect(bad[0]!.message).toContain('1..10');
    expect(bad[1]!.message).toContain('voxel_volume');
  });

  it('a model without quality_control: not checked, said so; asking for QC is an error', async () => {
    const m = { ...(await tiny()), quality_control: undefined };
    expect(qcDefaultsOf(m)).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('declares no quality_control') });
    expect(issuesOf(() => resolveQcSettings(m, { enabled: true }))[0]).toMatchObject({ field: 'enabled', value: true });
  });

  it('the worker reads stored settings as they are: complete, or null for cohorts before QC', async () => {
    const m = await tiny();
    const s = resolveQcSettings(m, { maxTries: 2 });
    expect(parseQcSettings(JSON.parse(JSON.stringify(s)), m)).toEqual(s);
    expect(parseQcSettings(null, m)).toBeNull();
    expect(issuesOf(() => parseQcSettings({ enabled: true }, m)).map((i) => i.field)).toEqual(expect.arrayContaining(['maxTries', 'tolerances']));
    expect(issuesOf(() => parseQcSettings({ ...s, maxTries: 0 }, m))[0]!.field).toBe('maxTries');
  });
});
