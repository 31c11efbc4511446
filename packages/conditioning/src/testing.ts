/**
 * A synthetic ModelConditioning for tests and the benchmark (not exported from the package):
 * a 64^3 grid at 1 mm... shaped like the project's small models, an ellipsoidal brain mask,
 * and the paper's training ranges (model.md).
 */
import type { ModelConditioning } from './model.ts';
import { modelConditioningFromMetadata } from './model.ts';
import { rleEncode } from './rle.ts';
import type { ShapeDhw } from './types.ts';

export const PAPER_RANGES = {
  voxel_volume: [0.009, 1.0],
  surface_area: [0.024, 1.0],
  sphericity: [0.24, 0.86],
  x: [0.27, 0.74],
  y: [0.2, 0.71],
  z: [0.16, 0.81],
  w: [0.08, 0.54],
  h: [0.09, 0.69],
  d: [0.14, 0.89],
} as const;

export function ellipsoidMask(shape: ShapeDhw, centreZyx: [number, number, number], radiiZyx: [number, number, number]): Uint8Array {
  const [D, H, W] = shape;
  const m = new Uint8Array(D * H * W);
  for (let k = 0, p = 0; k < D; k++) {
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++, p++) {
        const q = ((k - centreZyx[0]) / radiiZyx[0]) ** 2 + ((j - centreZyx[1]) / radiiZyx[1]) ** 2 + ((i - centreZyx[2]) / radiiZyx[2]) ** 2;
        if (q <= 1) m[p] = 1;
      }
    }
  }
  return m;
}

/** metadata.json-shaped object of a 64^3 1 mm model with an ellipsoidal brain (RAS axes). */
export function testMetadata(): Record<string, unknown> {
  const shape: ShapeDhw = [64, 64, 64];
  const brain = ellipsoidMask(shape, [31.5, 31.5, 31.5], [28, 30, 26]);
  return {
    volumeShapeDhw: shape,
    spacingMm: [1, 1, 1],
    axisCodes: 'RAS',
    conditioning: {
      featureNames: ['voxel_volume', 'surface_area', 'sphericity', 'x', 'y', 'z', 'w', 'h', 'd'],
      maxVoxelCount: 20000,
      maxSurfaceArea: 9000,
      trainingRanges: PAPER_RANGES,
      sharpness: 6,
      latentShapeDhw: [64, 16, 16],
      brainMask: { encoding: 'rle-dhw', shapeDhw: shape, runs: rleEncode(brain) },
    },
  };
}

export function testModel(): ModelConditioning {
  const r = modelConditioningFromMetadata(testMetadata());
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
