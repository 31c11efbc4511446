import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel, parseModelMetadata } from './index.ts';
import { parseSamplerSettings, resolveSamplerSettings, SamplerSettingsError, samplerLimits, type SamplerModel } from './sampler-settings.ts';

const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models');

const guided: SamplerModel = {
  name: 'm',
  schedule: { num_train_timesteps: 1000 },
  conditioning: { null_condition: { cond: [0] } },
  sampler_defaults: { sampler: 'ddim', num_inference_steps: 4, eta: 0, guidance_scale: 2, timestep_spacing: 'leading', steps_offset: 0, set_alpha_to_one: true },
};
const unguided: SamplerModel = { ...guided, conditioning: {} };

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SamplerSettingsError);
    return (e as SamplerSettingsError).issues;
  }
  throw new Error('expected a SamplerSettingsError');
}

describe('resolveSamplerSettings (request time)', () => {
  it('fills every setting from the model defaults', () => {
    expect(resolveSamplerSettings(guided)).toEqual({ sampler: 'ddim', numInferenceSteps: 4, eta: 0, guidanceScale: 2, timestepSpacing: 'leading', stepsOffset: 0, setAlphaToOne: true, guidanceInterval: null });
  });

  it('applies overrides and ignores nulls (GraphQL leaves unset fields null)', () => {
    expect(resolveSamplerSettings(guided, { numInferenceSteps: 50, eta: 1, guidanceScale: 3, sampler: null })).toMatchObject({ sampler: 'ddim', numInferenceSteps: 50, eta: 1, guidanceScale: 3 });
  });

  it('names every bad field with its value and the allowed range, and never clamps', () => {
    const issues = issuesOf(() => resolveSamplerSettings(guided, { numInferenceSteps: 1001, eta: 1.5, guidanceScale: -1 }));
    expect(issues.map((i) => i.field).sort()).toEqual(['eta', 'guidanceScale', 'numInferenceSteps']);
    const steps = issues.find((i) => i.field === 'numInferenceSteps')!;
    expect(steps.value).toBe(1001);
    expect(steps.message).toContain('1..1000');
    expect(issues.find((i) => i.field === 'guidanceScale')!.message).toContain('[0, 20]');
  });

  it('steps are bounded by the model\'s own training schedule, not by a constant', () => {
    const short: SamplerModel = { ...guided, schedule: { num_train_timesteps: 100 } };
    expect(resolveSamplerSettings(short, { numInferenceSteps: 100 }).numInferenceSteps).toBe(100);
    expect(issuesOf(() => resolveSamplerSettings(short, { numInferenceSteps: 101 }))[0]!.message).toContain('1..100');
  });

  it('refuses a guidance scale for a model trained without a null condition', () => {
    const issues = issuesOf(() => resolveSamplerSettings(unguided, { guidanceScale: 4 }));
    expect(issues[0]).toMatchObject({ field: 'guidanceScale', value: 4 });
    expect(issues[0]!.message).toContain('without a null condition');
    expect(samplerLimits(unguided).guidance).toBe(false);
    expect(samplerLimits(guided).guidance).toBe(true);
  });

  it('refuses fractional steps and unknown samplers', () => {
    const issues = issuesOf(() => resolveSamplerSettings(guided, { numInferenceSteps: 2.5, sampler: 'euler' as never }));
    expect(issues.map((i) => i.field).sort()).toEqual(['numInferenceSteps', 'sampler']);
  });
});

describe('multistep solvers and the guidance interval (#15)', () => {
  it('offers DDIM, DDPM, DPM-Solver++(2M) and UniPC', () => {
    expect(samplerLimits(guided).samplers).toEqual(['ddim', 'ddpm', 'dpmpp_2m', 'unipc']);
    expect(resolveSamplerSettings(guided, { sampler: 'unipc', numInferenceSteps: 8 })).toMatchObject({ sampler: 'unipc', numInferenceSteps: 8 });
    expect(resolveSamplerSettings(guided, { sampler: 'dpmpp_2m' }).sampler).toBe('dpmpp_2m');
  });

  it('an interval is stored as [tLo, tHi]; [] asks for guidance at every step; unset keeps the model default', () => {
    const withDefault: SamplerModel = { ...guided, sampler_defaults: { ...guided.sampler_defaults, guidance_interval: [100, 999] } };
    expect(resolveSamplerSettings(withDefault).guidanceInterval).toEqual([100, 999]);
    expect(resolveSamplerSettings(withDefault, { guidanceInterval: null }).guidanceInterval).toEqual([100, 999]);
    expect(resolveSamplerSettings(withDefault, { guidanceInterval: [] }).guidanceInterval).toBeNull();
    expect(resolveSamplerSettings(guided, { guidanceInterval: [200, 800] }).guidanceInterval).toEqual([200, 800]);
  });

  it('refuses intervals outside the schedule, reversed, fractional or of the wrong length, naming the range', () => {
    for (const bad of [[0, 1000], [500, 100], [0.5, 10], [1, 2, 3], [-1, 5]]) {
      const issues = issuesOf(() => resolveSamplerSettings(guided, { guidanceInterval: bad }));
      expect(issues).toEqual([expect.objectContaining({ field: 'guidanceInterval', value: bad })]);
      expect(issues[0]!.message).toContain('0 <= tLo <= tHi <= 999');
    }
  });

  it('refuses an interval for a model without guidance', () => {
    const issues = issuesOf(() => resolveSamplerSettings(unguided, { guidanceInterval: [100, 999] }));
    expect(issues[0]!.field).toBe('guidanceInterval');
    expect(issues[0]!.message).toMatch(/null condition/);
  });

  it('settings stored before intervals existed parse as guidance at every step', () => {
    const { guidanceInterval: _, ...old } = resolveSamplerSettings(guided);
    expect(parseSamplerSettings(JSON.parse(JSON.stringify(old)), guided).guidanceInterval).toBeNull();
  });
});

describe('parseSamplerSettings (worker, replay)', () => {
  const complete = resolveSamplerSettings(guided, { numInferenceSteps: 6 });

  it('round-trips resolved settings through JSON', () => {
    expect(parseSamplerSettings(JSON.parse(JSON.stringify(complete)), guided)).toEqual(complete);
  });

  it('refuses incomplete settings (they are resolved at request time) naming the missing keys', () => {
    const issues = issuesOf(() => parseSamplerSettings({ numInferenceSteps: 30 }, guided));
    expect(issues.map((i) => i.field)).toEqual(expect.arrayContaining(['sampler', 'eta', 'guidanceScale', 'timestepSpacing', 'stepsOffset', 'setAlphaToOne']));
    expect(issues.every((i) => i.message.includes('missing'))).toBe(true);
  });

  it('refuses unknown keys (the old alias "steps" included)', () => {
    const issues = issuesOf(() => parseSamplerSettings({ ...complete, steps: 6 }, guided));
    expect(issues).toEqual([expect.objectContaining({ field: 'steps', value: 6 })]);
  });

  it('applies the same limits as request time', () => {
    expect(issuesOf(() => parseSamplerSettings({ ...complete, guidanceScale: 30 }, guided))[0]!.field).toBe('guidanceScale');
    expect(() => parseSamplerSettings(null, guided)).toThrow(SamplerSettingsError);
  });
});

describe('metadata sampler_defaults use the same limits', () => {
  it('every shipped model declares valid defaults', async () => {
    for (const name of ['tiny-random', 'sbldm-phantom-64', 'sbldm-phantom-64-fast']) {
      const m = await loadModel(MODELS_DIR, name, { verify: false });
      expect(resolveSamplerSettings(m.metadata)).toMatchObject({ numInferenceSteps: m.metadata.sampler_defaults.num_inference_steps });
    }
  });

  it('a default beyond the limits is refused naming the snake_case field', async () => {
    const m = await loadModel(MODELS_DIR, 'tiny-random', { verify: false });
    const raw = JSON.parse(JSON.stringify(m.metadata));
    raw.sampler_defaults.guidance_scale = 25;
    raw.sampler_defaults.num_inference_steps = 5000;
    expect(() => parseModelMetadata(raw)).toThrow(/sampler_defaults\.guidance_scale: must be a number in \[0, 20\], got 25/);
    expect(() => parseModelMetadata(raw)).toThrow(/sampler_defaults\.num_inference_steps: .*1\.\.1000.*got 5000/);
  });
});
