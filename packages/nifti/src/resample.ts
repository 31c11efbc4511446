/**
 * Resampling a volume onto another voxel grid through world coordinates, e.g. an uploaded reference
 * mask onto a model's grid. For each destination voxel centre (i, j, k):
 *   p_src = inv(srcAffine) * dstAffine * [i, j, k, 1]       (voxel -> world -> source voxel)
 * Arrays are flat with x fastest (index = i + X * (j + Y * k)); dims are [X, Y, Z].
 *
 * Support: a source voxel covers [n - 0.5, n + 0.5) along each axis, so a point is inside the source when
 * -0.5 <= p < dim - 0.5 on all three axes (with 1e-6 voxel slack); outside it gets `fill` (default 0).
 * - nearest: index = floor(p + 0.5), so exact ties (e.g. 2x downsampling of centred grids) go to the
 *   higher index; output has the input's array type (labels stay labels).
 * - linear: trilinear between voxel centres, coordinates clamped to [0, dim - 1] inside the support
 *   (edge voxels extend half a voxel, no darkening at the border); output Float32Array.
 */
import { type Affine, checkAffine, invertAffine, multiply4 } from './affine.ts';
import type { NiftiTypedArray } from './datatypes.ts';
import { NiftiError } from './errors.ts';

export interface ResampleOptions {
  interpolation: 'nearest' | 'linear';
  /** Value outside the source volume. Default 0. */
  fill?: number;
}

const EPS = 1e-6;

function checkDims(name: string, dims: readonly number[], length?: number): void {
  if (dims.length !== 3 || dims.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new NiftiError('INVALID_ARGUMENT', `${name} = [${dims.join(', ')}] must be three positive integers [X, Y, Z]`);
  }
  if (length !== undefined && length !== dims[0]! * dims[1]! * dims[2]!) {
    throw new NiftiError(
      'INVALID_ARGUMENT',
      `source has ${length} values but ${name} [${dims.join(', ')}] needs ${dims[0]! * dims[1]! * dims[2]!}`,
    );
  }
}

export function resampleToGrid<T extends NiftiTypedArray>(
  src: T,
  srcAffine: Affine,
  srcDims: readonly number[],
  dstAffine: Affine,
  dstDims: readonly number[],
  options: ResampleOptions & { interpolation: 'nearest' },
): T;
export function resampleToGrid(
  src: NiftiTypedArray,
  srcAffine: Affine,
  srcDims: readonly number[],
  dstAffine: Affine,
  dstDims: readonly number[],
  options: ResampleOptions & { interpolation: 'linear' },
): Float32Array;
export function resampleToGrid(
  src: NiftiTypedArray,
  srcAffine: Affine,
  srcDims: readonly number[],
  dstAffine: Affine,
  dstDims: readonly number[],
  options: ResampleOptions,
): NiftiTypedArray;
export function resampleToGrid(
  src: NiftiTypedArray,
  srcAffine: Affine,
  srcDims: readonly number[],
  dstAffine: Affine,
  dstDims: readonly number[],
  options: ResampleOptions,
): NiftiTypedArray {
  checkDims('srcDims', srcDims, src.length);
  checkDims('dstDims', dstDims);
  checkAffine('srcAffine', srcAffine);
  checkAffine('dstAffine', dstAffine);
  const { interpolation } = options;
  const fill = options.fill ?? 0;
  if (interpolation !== 'nearest' && interpolation !== 'linear') {
    throw new NiftiError('INVALID_ARGUMENT', `interpolation = '${String(interpolation)}'; allowed: 'nearest', 'linear'`);
  }
  const M = multiply4(invertAffine(srcAffine), dstAffine); // dst voxel -> src voxel
  const [SX, SY, SZ] = srcDims as [number, number, number];
  const [DX, DY, DZ] = dstDims as [number, number, number];
  const n = DX * DY * DZ;
  const out: NiftiTypedArray =
    interpolation === 'nearest' ? new (src.constructor as new (n: number) => NiftiTypedArray)(n) : new Float32Array(n);
  const m0 = M[0]!, m1 = M[1]!, m2 = M[2]!;
  const inside = (p: number, dim: number): boolean => p >= -0.5 - EPS && p < dim - 0.5 + EPS;
  let o = 0;
  for (let k = 0; k < DZ; k++) {
    for (let j = 0; j < DY; j++) {
      for (let i = 0; i < DX; i++, o++) {
        const px = m0[0]! * i + m0[1]! * j + m0[2]! * k + m0[3]!;
        const py = m1[0]! * i + m1[1]! * j + m1[2]! * k + m1[3]!;
        const pz = m2[0]! * i + m2[1]! * j + m2[2]! * k + m2[3]!;
        if (!(inside(px, SX) && inside(py, SY) && inside(pz, SZ))) {
          out[o] = fill;
          continue;
        }
        if (interpolation === 'nearest') {
          const x = Math.min(SX - 1, Math.max(0, Math.floor(px + 0.5 + EPS)));
          const y = Math.min(SY - 1, Math.max(0, Math.floor(py + 0.5 + EPS)));
          const z = Math.min(SZ - 1, Math.max(0, Math.floor(pz + 0.5 + EPS)));
          out[o] = src[x + SX * (y + SY * z)]!;
          continue;
        }
        const cx = Math.min(SX - 1, Math.max(0, px));
        const cy = Math.min(SY - 1, Math.max(0, py));
        const cz = Math.min(SZ - 1, Math.max(0, pz));
        const x0 = Math.min(Math.floor(cx), SX - 1);
        const y0 = Math.min(Math.floor(cy), SY - 1);
        const z0 = Math.min(Math.floor(cz), SZ - 1);
        const x1 = Math.min(x0 + 1, SX - 1);
        const y1 = Math.min(y0 + 1, SY - 1);
        const z1 = Math.min(z0 + 1, SZ - 1);
        const fx = cx - x0;
        const fy = cy - y0;
        const fz = cz - z0;
        const at = (x: number, y: number, z: number): number => src[x + SX * (y + SY * z)]!;
        const c00 = at(x0, y0, z0) * (1 - fx) + at(x1, y0, z0) * fx;
        const c10 = at(x0, y1, z0) * (1 - fx) + at(x1, y1, z0) * fx;
        const c01 = at(x0, y0, z1) * (1 - fx) + at(x1, y0, z1) * fx;
        const c11 = at(x0, y1, z1) * (1 - fx) + at(x1, y1, z1) * fx;
        const c0 = c00 * (1 - fy) + c10 * fy;
        const c1 = c01 * (1 - fy) + c11 * fy;
        out[o] = c0 * (1 - fz) + c1 * fz;
      }
    }
  }
  return out;
}
