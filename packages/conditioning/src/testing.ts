/**
 * A synthetic ModelConditioning for tests and the benchmark (not exported from the package):
 * a 64^3 grid at 1 mm... shaped like the project's small models, an ellipsoidal brain mask,
 * and the paper's training ranges (model.md).
 */
import type { ModelConditioning } from './model.ts';
import { modelConditioningFromMetadata } from './model.ts';
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

/** 12 consistent training vectors (V = 20000 f1 voxels of 1 mm, A from sphericity, box from fill 0.45). */
function trainingSample(): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < 12; i++) {
    const f1 = 0.03 + 0.07 * i; // 600 .. 16000 voxels
    const sph = 0.75 - 0.03 * i; // bigger tumours are less round
    const v = f1 * 20000;
    const area = Math.cbrt(36 * Math.PI * v * v) / sph;
    const side = Math.cbrt(v / 0.45);
    const ay = 1 + 0.05 * (i % 3), az = 0.9 + 0.05 * (i % 4);
    const bx = side / Math.cbrt(ay * az);
    out.push([f1, area / 9000, sph, 0.4 + 0.02 * (i % 5), 0.45 + 0.02 * (i % 4), 0.5 + 0.01 * (i % 6), bx / 64, (ay * bx) / 64, (az * bx) / 64]);
  }
  return out;
}

/** Bit-pack like np.packbits(mask.ravel('C'), bitorder='big'), base64. */
export function bitpackBase64(mask: Uint8Array): string {
  const bytes = new Uint8Array(Math.ceil(mask.length / 8));
  for (let p = 0; p < mask.length; p++) if (mask[p]! > 0) bytes[p >> 3]! |= 1 << (7 - (p & 7));
  return Buffer.from(bytes).toString('base64');
}

/** metadata.json-shaped object (format of models/<name>/metadata.json) of a 64^3 1 mm model, RAS, ellipsoidal brain. */
export function testMetadata(): Record<string, unknown> & { volume: Record<string, unknown>; conditioning: Record<string, unknown> } {
  const shape: ShapeDhw = [64, 64, 64];
  const brain = ellipsoidMask(shape, [31.5, 31.5, 31.5], [28, 30, 26]);
  const names = ['voxel_volume', 'surface_area', 'sphericity', 'x', 'y', 'z', 'w', 'h', 'd'] as const;
  return {
    format: 'slicewise-sbldm-model',
    volume: { shape_dhw: shape, spacing_mm: [1, 1, 1], axis_order: '[D, H, W] ... C order, RAS orientation' },
    conditioning: {
      feature_names: [...names],
      normalisation: { max_voxel_count: 20000, max_surface_area: 9000 },
      ranges: { min: names.map((n) => PAPER_RANGES[n][0]), max: names.map((n) => PAPER_RANGES[n][1]) },
      spatial_channel: { present: true, latent_grid_dhw: [64, 16, 16], sharpness: 6 },
      empirical_sample: trainingSample(),
    },
    brain_mask: { shape_dhw: shape, encoding: 'bitpacked-base64', data: bitpackBase64(brain) },
  };
}

export function testModel(): ModelConditioning {
  const r = modelConditioningFromMetadata(testMetadata());
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
