import { describe, expect, it } from 'vitest';
import { computeFeatures, type ModelConditioning } from '@slicewise/conditioning';
import type { QcSettings } from '@slicewise/models';
import { checkVolume } from './quality.ts';

// An 8^3 grid: the brain mask is the whole grid, brain tissue at -0.2, a bright 2x2x2 tumour at +1.
const N = 8;
const shape: [number, number, number] = [N, N, N];
const brainMask = new Uint8Array(N ** 3).fill(1);
const image = new Float32Array(N ** 3).fill(-0.2);
const mask = new Uint8Array(N ** 3);
for (let z = 3; z < 5; z++) for (let y = 3; y < 5; y++) for (let x = 3; x < 5; x++) {
  image[(z * N + y) * N + x] = 1;
  mask[(z * N + y) * N + x] = 1;
}
const conditioning = { volumeShapeDhw: shape, brainMaskShapeDhw: shape, brainMask } as unknown as ModelConditioning;
const features = computeFeatures(mask, shape, [1, 1, 1], { maxVoxelCount: 64, maxSurfaceArea: 100 });
const requested = [...features.normalised!];
// p99 of the whole brain is the tumour's brightness (8 of 512 voxels are 1); of tissue alone it is -0.2.
const settings = (excludeTumour: boolean | undefined): QcSettings => ({
  enabled: true,
  disabledReason: null,
  maxTries: 3,
  minTumourVoxels: 1,
  tolerances: {},
  brainOutline: null,
  intensity: { percentiles: [50, 99.5], ranges: [[-0.3, -0.1], [-0.3, -0.1]], ...(excludeTumour === undefined ? {} : { excludeTumour }) },
});

describe('checkVolume: intensity percentiles', () => {
  it('leave the tumour out when the model measured its ranges on brain tissue alone', () => {
    const checks = checkVolume(settings(true), conditioning, requested, features, image, mask);
    expect(checks.filter((c) => c.name.startsWith('intensity')).map((c) => c.passed)).toEqual([true, true]);
  });

  it('include it otherwise (and for settings stored before the flag existed), naming the percentile that failed', () => {
    for (const flag of [false, undefined]) {
      const checks = checkVolume(settings(flag), conditioning, requested, features, image, mask);
      const p = checks.find((c) => c.name === 'intensity p99.5')!;
      expect(p.passed).toBe(false);
      expect(p.reason).toMatch(/in-brain intensity p99\.5 = 1 outside the training range \[-0\.3, -0\.1\]/);
    }
  });
});

describe('checkVolume: a tumour covering the whole brain mask', () => {
  it('fails the intensity checks by name instead of stopping the volume', () => {
    const all = new Uint8Array(N ** 3).fill(1);
    const checks = checkVolume(settings(true), conditioning, requested, features, image, all);
    const intensity = checks.filter((c) => c.name.startsWith('intensity'));
    expect(intensity.map((c) => [c.passed, c.measured])).toEqual([[false, null], [false, null]]);
    expect(intensity[0]!.reason).toBe('no brain tissue outside the tumour mask to measure');
  });
});
