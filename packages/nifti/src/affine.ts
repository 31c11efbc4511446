/**
 * 4x4 affines (voxel index (i, j, k) -> world millimetres (x, y, z)), row-major `number[][]` like nibabel's
 * `img.affine`. Quaternion conversions follow the NIfTI-1 standard (nifti1.h, "METHOD 2").
 *
 * Notation: R = 3x3 rotation, (dx, dy, dz) = pixdim[1..3] voxel sizes, qfac = pixdim[0] (+1 or -1:
 * handedness), (b, c, d) = quatern_b/c/d with a = sqrt(1 - b^2 - c^2 - d^2), q = qoffset.
 *   world = R * diag(dx, dy, qfac * dz) * [i, j, k]^T + q
 */
import { NiftiError } from './errors.ts';

export type Affine = number[][];

export function identity4(): Affine {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

export function checkAffine(name: string, m: Affine): void {
  const ok =
    Array.isArray(m) &&
    m.length === 4 &&
    m.every((r) => Array.isArray(r) && r.length === 4 && r.every((v) => Number.isFinite(v))) &&
    m[3]![0] === 0 &&
    m[3]![1] === 0 &&
    m[3]![2] === 0 &&
    m[3]![3] === 1;
  if (!ok) {
    throw new NiftiError(
      'INVALID_ARGUMENT',
      `${name} must be a 4x4 array of finite numbers with last row [0, 0, 0, 1]; got ${JSON.stringify(m)}`,
    );
  }
}

export function multiply4(a: Affine, b: Affine): Affine {
  const out: Affine = [[], [], [], []];
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r]![k]! * b[k]![c]!;
      out[r]![c] = s;
    }
  }
  return out;
}

/** Inverse of an affine (rotation/scale/shear part inverted by cofactors, then the translation). */
export function invertAffine(m: Affine): Affine {
  const [a, b, c] = [m[0]!, m[1]!, m[2]!];
  const a00 = a[0]!, a01 = a[1]!, a02 = a[2]!;
  const a10 = b[0]!, a11 = b[1]!, a12 = b[2]!;
  const a20 = c[0]!, a21 = c[1]!, a22 = c[2]!;
  const c00 = a11 * a22 - a12 * a21;
  const c01 = a02 * a21 - a01 * a22;
  const c02 = a01 * a12 - a02 * a11;
  const det = a00 * c00 + a10 * c01 + a20 * c02;
  const scale = Math.max(Math.abs(a00), Math.abs(a11), Math.abs(a22), 1e-300) ** 3;
  if (!(Math.abs(det) > 1e-12 * scale)) {
    throw new NiftiError('INVALID_ARGUMENT', `affine is singular (det = ${det}): voxel axes must span 3D space`);
  }
  const inv = [
    [c00 / det, c01 / det, c02 / det],
    [(a12 * a20 - a10 * a22) / det, (a00 * a22 - a02 * a20) / det, (a02 * a10 - a00 * a12) / det],
    [(a10 * a21 - a11 * a20) / det, (a01 * a20 - a00 * a21) / det, (a00 * a11 - a01 * a10) / det],
  ];
  const t = [a[3]!, b[3]!, c[3]!];
  const out: Affine = inv.map((row) => [row[0]!, row[1]!, row[2]!, -(row[0]! * t[0]! + row[1]! * t[1]! + row[2]! * t[2]!)]);
  out.push([0, 0, 0, 1]);
  return out;
}

/** qform -> affine (nifti1.h METHOD 2). */
export function quaternToAffine(
  b: number,
  c: number,
  d: number,
  qoffset: [number, number, number],
  pixdim: [number, number, number],
  qfac: number,
): Affine {
  // a is implied; rounding can push b^2 + c^2 + d^2 slightly above 1
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const scale = [pixdim[0], pixdim[1], (qfac < 0 ? -1 : 1) * pixdim[2]];
  const out: Affine = R.map((row, r) => [row[0]! * scale[0]!, row[1]! * scale[1]!, row[2]! * scale[2]!, qoffset[r]!]);
  out.push([0, 0, 0, 1]);
  return out;
}

export interface Quatern {
  b: number;
  c: number;
  d: number;
  qoffset: [number, number, number];
  pixdim: [number, number, number];
  qfac: 1 | -1;
}

/**
 * affine -> qform parameters, or undefined when the affine has shear (its columns are not orthogonal
 * within 1e-6 relative): a qform can only hold rotation + voxel sizes + a handedness flip. Column norms
 * give the voxel sizes; a negative determinant sets qfac = -1 and flips the third column (nifti1_io's
 * nifti_mat44_to_quatern, without its polar decomposition).
 */
export function affineToQuatern(m: Affine): Quatern | undefined {
  const cols = [0, 1, 2].map((j) => [m[0]![j]!, m[1]![j]!, m[2]![j]!]);
  const norms = cols.map((v) => Math.hypot(v[0]!, v[1]!, v[2]!));
  if (norms.some((n) => !(n > 0))) {
    throw new NiftiError('INVALID_ARGUMENT', `affine has a zero-length voxel axis (column norms ${norms.join(', ')})`);
  }
  const u = cols.map((v, j) => v.map((x) => x / norms[j]!));
  const dot = (p: number[], q: number[]): number => p[0]! * q[0]! + p[1]! * q[1]! + p[2]! * q[2]!;
  if (Math.abs(dot(u[0]!, u[1]!)) > 1e-6 || Math.abs(dot(u[0]!, u[2]!)) > 1e-6 || Math.abs(dot(u[1]!, u[2]!)) > 1e-6) {
    return undefined;
  }
  const det =
    u[0]![0]! * (u[1]![1]! * u[2]![2]! - u[2]![1]! * u[1]![2]!) -
    u[1]![0]! * (u[0]![1]! * u[2]![2]! - u[2]![1]! * u[0]![2]!) +
    u[2]![0]! * (u[0]![1]! * u[1]![2]! - u[1]![1]! * u[0]![2]!);
  const qfac: 1 | -1 = det < 0 ? -1 : 1;
  if (qfac < 0) u[2] = u[2]!.map((x) => -x);
  // R[r][c] = column c, row r
  const R = (r: number, c: number): number => u[c]![r]!;
  let a: number;
  let b: number;
  let c: number;
  let d: number;
  const trace = R(0, 0) + R(1, 1) + R(2, 2) + 1;
  if (trace > 0.5) {
    a = 0.5 * Math.sqrt(trace);
    b = (0.25 * (R(2, 1) - R(1, 2))) / a;
    c = (0.25 * (R(0, 2) - R(2, 0))) / a;
    d = (0.25 * (R(1, 0) - R(0, 1))) / a;
  } else {
    const xd = 1 + R(0, 0) - (R(1, 1) + R(2, 2));
    const yd = 1 + R(1, 1) - (R(0, 0) + R(2, 2));
    const zd = 1 + R(2, 2) - (R(0, 0) + R(1, 1));
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (R(0, 1) + R(1, 0))) / b;
      d = (0.25 * (R(0, 2) + R(2, 0))) / b;
      a = (0.25 * (R(2, 1) - R(1, 2))) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (R(0, 1) + R(1, 0))) / c;
      d = (0.25 * (R(1, 2) + R(2, 1))) / c;
      a = (0.25 * (R(0, 2) - R(2, 0))) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (R(0, 2) + R(2, 0))) / d;
      c = (0.25 * (R(1, 2) + R(2, 1))) / d;
      a = (0.25 * (R(1, 0) - R(0, 1))) / d;
    }
  }
  if (a < 0) {
    b = -b;
    c = -c;
    d = -d;
  }
  return {
    b,
    c,
    d,
    qoffset: [m[0]![3]!, m[1]![3]!, m[2]![3]!],
    pixdim: [norms[0]!, norms[1]!, norms[2]!],
    qfac,
  };
}

/**
 * Standard RAS+ affine for a model grid: voxel axes i, j, k along +x (right), +y (anterior), +z (superior),
 * voxel sizes spacingMm, and the centre of the volume at world (0, 0, 0):
 * world = diag(sx, sy, sz) * [i, j, k] - (dims - 1) / 2 * spacing.
 */
export function makeCenteredRasAffine(dimsXYZ: readonly number[], spacingMm: readonly number[]): Affine {
  if (dimsXYZ.length !== 3 || dimsXYZ.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new NiftiError('INVALID_ARGUMENT', `dimsXYZ = [${dimsXYZ.join(', ')}] must be three positive integers [X, Y, Z]`);
  }
  checkSpacing(spacingMm);
  const [sx, sy, sz] = spacingMm as [number, number, number];
  const [nx, ny, nz] = dimsXYZ as [number, number, number];
  return [
    [sx, 0, 0, (-(nx - 1) / 2) * sx],
    [0, sy, 0, (-(ny - 1) / 2) * sy],
    [0, 0, sz, (-(nz - 1) / 2) * sz],
    [0, 0, 0, 1],
  ];
}

export function checkSpacing(spacingMm: readonly number[]): void {
  if (spacingMm.length !== 3 || spacingMm.some((s) => !(Number.isFinite(s) && s > 0))) {
    throw new NiftiError(
      'INVALID_ARGUMENT',
      `spacingMm = [${spacingMm.join(', ')}] must be three positive finite voxel sizes [sx, sy, sz] in mm`,
    );
  }
}
