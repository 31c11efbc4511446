/**
 * Spatial condition channel (SPEC.md, "Spatial condition channel"); mirrors
 * models/training/sbldm/spatial.py to 1e-6 absolute (fixtures/features.json).
 *
 * Notation:
 *   f = [voxel_volume, surface_area, sphericity, x, y, z, w, h, d] (normalised, paper order)
 *   latent grid [Dl, Hl, Wl]; i along Wl, j along Hl, k along Dl; p = (i+.5, j+.5, k+.5)
 *   c = (x Wl, y Hl, z Dl);  r = (max(w Wl/2, .5), max(h Hl/2, .5), max(d Dl/2, .5))
 *   q = ||(p - c) / r||,  value = 1 / (1 + exp(sharpness (q - 1)))
 * float64 arithmetic in the same order as numpy (z^2 + y^2 + x^2), stored as float32.
 */
import type { ShapeDhw } from './types.ts';

/**
 * @param features9       normalised 9-vector (paper order)
 * @param latentShapeDhw  [Dl, Hl, Wl]
 * @param sharpness       logistic slope (model metadata; default 6)
 * @returns Float32Array, C order over [Dl, Hl, Wl], values in [0, 1]; all zeros if voxel_volume == 0
 */
export function renderSpatialCondition(
  features9: ArrayLike<number>,
  latentShapeDhw: ShapeDhw,
  sharpness = 6,
): Float32Array {
  if (features9.length !== 9 || !Array.from(features9).every(Number.isFinite)) {
    throw new RangeError(`features9 must be 9 finite numbers, got ${JSON.stringify(Array.from(features9))}`);
  }
  if (latentShapeDhw.length !== 3 || !latentShapeDhw.every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`latentShapeDhw must be three positive integers [Dl, Hl, Wl], got ${JSON.stringify(latentShapeDhw)}`);
  }
  if (!(Number.isFinite(sharpness) && sharpness > 0)) {
    throw new RangeError(`sharpness must be a finite positive number, got ${sharpness}`);
  }
  const [Dl, Hl, Wl] = latentShapeDhw;
  const out = new Float32Array(Dl * Hl * Wl);
  if (features9[0] === 0) return out;
  const x = features9[3]!, y = features9[4]!, z = features9[5]!;
  const w = features9[6]!, h = features9[7]!, d = features9[8]!;
  const cx = x * Wl, cy = y * Hl, cz = z * Dl;
  const rx = Math.max((w * Wl) / 2, 0.5), ry = Math.max((h * Hl) / 2, 0.5), rz = Math.max((d * Dl) / 2, 0.5);
  const px = new Float64Array(Wl);
  for (let i = 0; i < Wl; i++) px[i] = (i + 0.5 - cx) / rx;
  let p = 0;
  for (let k = 0; k < Dl; k++) {
    const pz = (k + 0.5 - cz) / rz;
    for (let j = 0; j < Hl; j++) {
      const py = (j + 0.5 - cy) / ry;
      const zy = pz * pz + py * py;
      for (let i = 0; i < Wl; i++, p++) {
        const q = Math.sqrt(zy + px[i]! * px[i]!);
        out[p] = 1 / (1 + Math.exp(sharpness * (q - 1)));
      }
    }
  }
  return out;
}
