import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { anatomicalSpacingMm, declaredThroughput, DEFAULT_SECONDS_PER_VOLUME, parseModelMetadata, predictVolumeSeconds, throughputIssues, type ThroughputModel } from './index.ts';

const MODELS_DIR = path.resolve(import.meta.dirname, '../../../models');
const meta = (name: string) => JSON.parse(fs.readFileSync(path.join(MODELS_DIR, name, 'metadata.json'), 'utf8')) as Record<string, any>;

const base = (extra: Partial<ThroughputModel> = {}): ThroughputModel => ({ sampler_defaults: { num_inference_steps: 50 }, conditioning: { null_condition: { cond: [0] } }, ...extra });

describe('declaredThroughput', () => {
  it('scales the declared time by denoiser row calls above the fixed part', () => {
    const t = declaredThroughput(base({ throughput: { seconds_per_volume: 4.4, fixed_seconds_per_volume: 0.6, measured_with: { num_inference_steps: 50, denoiser_rows_per_step: 2 }, intra_op_threads: 2, source: 'npm run bench:sampler' } }));
    expect(t.source).toBe('declared');
    expect(t.secondsPerVolume(50, 2)).toBeCloseTo(4.4, 10);
    expect(t.secondsPerVolume(25, 2)).toBeCloseTo(0.6 + 3.8 / 2, 10);
    expect(t.secondsPerVolume(50, 1)).toBeCloseTo(0.6 + 3.8 / 2, 10);
    expect(t.basis).toBe('declared by the model: 4.4 s per volume at 50 steps (2 threads); npm run bench:sampler');
  });

  it('falls back to the model card, then to the default, and says so', () => {
    const card = declaredThroughput(base({ metrics: { sampling: { wall_s_per_volume: 11.4, threads: 1, engine: 'PyTorch 1.13 CPU', settings: { num_inference_steps: 25 } } } }));
    expect(card.source).toBe('model-card');
    expect(card.secondsPerVolume(50, 2)).toBeCloseTo(22.8, 10);
    expect(card.basis).toMatch(/model card's sampling time: 11 s per volume at 25 steps \(PyTorch 1.13 CPU, 1 thread\)/);
    const none = declaredThroughput(base({ sampler_defaults: { num_inference_steps: 4 } }));
    expect(none.source).toBe('default');
    expect(none.secondsPerVolume(4, 2)).toBe(DEFAULT_SECONDS_PER_VOLUME);
    expect(none.basis).toMatch(/no throughput declared/);
    // an invalid declaration is not used (metadata validation reports it; see below)
    expect(declaredThroughput(base({ throughput: { seconds_per_volume: -1 } })).source).toBe('default');
  });

  it('predicts with the model\'s row count: no null condition means one row per step', () => {
    const m = base({ conditioning: {}, throughput: { seconds_per_volume: 2, measured_with: { num_inference_steps: 10, denoiser_rows_per_step: 1 } } });
    expect(predictVolumeSeconds(m, { numInferenceSteps: 20 })).toBeCloseTo(4, 10);
  });

  it('names every bad field of a declaration', () => {
    expect(throughputIssues({ seconds_per_volume: 0, fixed_seconds_per_volume: 3, measured_with: { num_inference_steps: 1.5, denoiser_rows_per_step: 3 }, intra_op_threads: 0, source: 7 })).toEqual([
      'throughput.seconds_per_volume: must be a finite number > 0, got 0',
      'throughput.measured_with.num_inference_steps: must be an integer > 0, got 1.5',
      'throughput.measured_with.denoiser_rows_per_step: must be 1 or 2, got 3',
      'throughput.intra_op_threads: must be an integer > 0, got 0',
      'throughput.source: must be a string, got 7',
    ]);
    const m = meta('tiny-random');
    m.throughput = { seconds_per_volume: 2, fixed_seconds_per_volume: 5, measured_with: { num_inference_steps: 4, denoiser_rows_per_step: 2 } };
    expect(() => parseModelMetadata(m)).toThrow(/throughput.fixed_seconds_per_volume: must be a number >= 0 and below seconds_per_volume, got 5/);
  });
});

describe('shipped models', () => {
  it('the default model declares its worker throughput and the anatomy a voxel covers', () => {
    const fast = parseModelMetadata(meta('sbldm-phantom-64-fast'));
    expect(declaredThroughput(fast).source).toBe('declared');
    expect(anatomicalSpacingMm(fast)).toEqual({ spacingMm: [3, 3, 3], declared: true });
    // tiny-random declares neither: the grid spacing and the default apply
    const tiny = parseModelMetadata(meta('tiny-random'));
    expect(anatomicalSpacingMm(tiny)).toEqual({ spacingMm: tiny.volume.spacing_mm, declared: false });
    expect(declaredThroughput(tiny).source).toBe('default');
  });
});
