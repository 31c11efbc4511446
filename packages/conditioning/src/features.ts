/**
 * Tumour features of a binary mask (SPEC.md, "The nine features"); mirrors
 * models/training/sbldm/features.py, parity within 1e-4 relative (fixtures/features.json).
 *
 * Notation:
 *   mask   Uint8Array, C order over [D, H, W] (W fastest); voxel > 0 is tumour.
 *   V      voxel count, A  marching-cubes area at level 0.5 of the mask padded by one zero voxel
 *          (skimage Lewiner; voxel units), sphericity = (36 pi V^2)^(1/3) / A.
 *   x,y,z  = (mean index along W, H, D + 0.5) / axis size;  w,h,d = (max - min + 1) / axis size.
 *   normalised = [V / maxVoxelCount, A / maxSurfaceArea, sphericity, x, y, z, w, h, d].
 *   physical: volumeMl = V sx sy sz / 1000, surfaceAreaMm2 = marching cubes with spacing,
 *          sphericity from mm^3 and mm^2, centroidMm = (mean + 0.5) s, extentsMm = (max - min + 1) s.
 *
 * Area: with a binary mask every marching-cubes vertex is an edge midpoint, so the area is a sum
 * over 2x2x2 cells of per-configuration triangles (src/mc-area-table.ts, generated from skimage by
 * scripts/gen_mc_table.py and verified exact there, anisotropic spacing included).
 */
import { MC_TABLE } from './mc-area-table.ts';
import type { Features9, ShapeDhw, SpacingMm, Vec3Xyz } from './types.ts';

export interface FeatureNormalisation {
  /** Training-set maximum voxel count (model metadata), voxels. */
  maxVoxelCount: number;
  /** Training-set maximum marching-cubes area (model metadata), voxel units. */
  maxSurfaceArea: number;
}

export interface RawFeatures {
  voxelCount: number;
  /** Marching-cubes area in voxel units (spacing 1). */
  surfaceAreaVox: number;
  sphericity: number;
  /** Relative centre: (mean index + 0.5) / axis size. */
  comX: number;
  comY: number;
  comZ: number;
  /** Relative extents: (max - min + 1) / axis size. */
  w: number;
  h: number;
  d: number;
  /** Mean voxel index (0-based) along W, H, D. */
  comVox: Vec3Xyz;
  /** max - min + 1 along W, H, D, voxels. */
  extentsVox: Vec3Xyz;
  shapeDhw: ShapeDhw;
}

export interface PhysicalFeatures {
  volumeMl: number;
  surfaceAreaMm2: number;
  sphericity: number;
  /** (mean index + 0.5) * spacing along x, y, z: mm from the grid's outer corner. */
  centroidMm: Vec3Xyz;
  extentsMm: Vec3Xyz;
}

export interface TumourFeatures {
  /** True when no voxel is > 0: every feature is 0 (never NaN). */
  empty: boolean;
  raw: RawFeatures;
  /** The model's 9-vector (paper order), or null when no normalisation was given. */
  normalised: Features9 | null;
  physical: PhysicalFeatures;
}

/** Area of every one of the 256 cell configurations for one spacing; cached per spacing. */
const areaCache = new Map<string, Float64Array>();

/** Per-configuration marching-cubes area for spacing [sx, sy, sz] (mm, or 1 for voxel units). */
export function configurationAreas(spacingMm: SpacingMm): Float64Array {
  const key = spacingMm.join(',');
  const hit = areaCache.get(key);
  if (hit) return hit;
  // table vertices are [z, y, x] in half-voxels
  const hz = spacingMm[2] / 2;
  const hy = spacingMm[1] / 2;
  const hx = spacingMm[0] / 2;
  const out = new Float64Array(256);
  for (let c = 0; c < 256; c++) {
    let sum = 0;
    for (const t of MC_TABLE.triangles[c] ?? []) {
      const az = t[0]! * hz, ay = t[1]! * hy, ax = t[2]! * hx;
      const ux = t[5]! * hx - ax, uy = t[4]! * hy - ay, uz = t[3]! * hz - az;
      const vx = t[8]! * hx - ax, vy = t[7]! * hy - ay, vz = t[6]! * hz - az;
      const cx = uy * vz - uz * vy, cy = uz * vx - ux * vz, cz = ux * vy - uy * vx;
      sum += 0.5 * Math.sqrt(cx * cx + cy * cy + cz * cz);
    }
    out[c] = sum;
  }
  if (areaCache.size > 64) areaCache.clear();
  areaCache.set(key, out);
  return out;
}

function checkShape(mask: ArrayLike<number>, shapeDhw: ShapeDhw): void {
  if (!Array.isArray(shapeDhw) || shapeDhw.length !== 3 || !shapeDhw.every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`shapeDhw must be three positive integers [D, H, W], got ${JSON.stringify(shapeDhw)}`);
  }
  const n = shapeDhw[0] * shapeDhw[1] * shapeDhw[2];
  if (mask.length !== n) {
    throw new RangeError(`mask length ${mask.length} does not match shapeDhw ${JSON.stringify(shapeDhw)} (D*H*W = ${n})`);
  }
}

function checkSpacing(spacingMm: SpacingMm): void {
  if (!Array.isArray(spacingMm) || spacingMm.length !== 3 || !spacingMm.every((s) => Number.isFinite(s) && s > 0)) {
    throw new RangeError(`spacingMm must be three finite positive numbers [sx, sy, sz] in mm, got ${JSON.stringify(spacingMm)}`);
  }
}

/** Histogram of 2x2x2 cell configurations of the zero-padded mask, over the mask's bounding box. */
function configurationHistogram(
  mask: ArrayLike<number>, // [D, H, W]
  shapeDhw: ShapeDhw,
  lo: [number, number, number], // min index [k, j, i] of the tumour
  hi: [number, number, number], // max index [k, j, i]
): Float64Array {
  const [D, H, W] = shapeDhw;
  const hist = new Float64Array(256);
  const HW = H * W;
  const v = (k: number, j: number, i: number): number =>
    k >= 0 && k < D && j >= 0 && j < H && i >= 0 && i < W && mask[k * HW + j * W + i]! > 0 ? 1 : 0;
  // Cell (k, j, i) has corners at voxels (k-1+dz, j-1+dy, i-1+dx); only cells touching the box matter.
  for (let k = lo[0]; k <= hi[0] + 1; k++) {
    for (let j = lo[1]; j <= hi[1] + 1; j++) {
      // column bits of the 4 voxels at x = i-1 (dx = 0), bit = dz*4 + dy*2 + dx
      const col = (i: number): number =>
        v(k - 1, j - 1, i) | (v(k - 1, j, i) << 2) | (v(k, j - 1, i) << 4) | (v(k, j, i) << 6);
      let prev = col(lo[2] - 1);
      for (let i = lo[2]; i <= hi[2] + 1; i++) {
        const cur = col(i);
        hist[prev | (cur << 1)]! += 1;
        prev = cur;
      }
    }
  }
  return hist;
}

function sphericityOf(volume: number, area: number): number {
  if (!(volume > 0) || !(area > 0)) return 0;
  return Math.cbrt(36 * Math.PI * volume * volume) / area;
}

/** Marching-cubes area (level 0.5, zero-padded, skimage Lewiner) of a binary mask [D, H, W]. */
export function marchingCubesArea(mask: ArrayLike<number>, shapeDhw: ShapeDhw, spacingMm: SpacingMm = [1, 1, 1]): number {
  checkShape(mask, shapeDhw);
  checkSpacing(spacingMm);
  const box = boundingBox(mask, shapeDhw);
  if (!box) return 0;
  const hist = configurationHistogram(mask, shapeDhw, box.lo, box.hi);
  return dot(hist, configurationAreas(spacingMm));
}

function dot(hist: Float64Array, areas: Float64Array): number {
  let s = 0;
  for (let c = 1; c < 255; c++) s += hist[c]! * areas[c]!;
  return s;
}

function boundingBox(mask: ArrayLike<number>, shapeDhw: ShapeDhw) {
  const stats = scan(mask, shapeDhw);
  return stats.count === 0 ? null : stats;
}

/** One pass: count, index sums and the bounding box [k, j, i]. */
function scan(mask: ArrayLike<number>, shapeDhw: ShapeDhw) {
  const [D, H, W] = shapeDhw;
  let count = 0, sumK = 0, sumJ = 0, sumI = 0;
  const lo: [number, number, number] = [D, H, W];
  const hi: [number, number, number] = [-1, -1, -1];
  let p = 0;
  for (let k = 0; k < D; k++) {
    for (let j = 0; j < H; j++) {
      let rowCount = 0, rowSumI = 0, first = -1, last = -1;
      for (let i = 0; i < W; i++, p++) {
        if (mask[p]! > 0) {
          rowCount++;
          rowSumI += i;
          if (first < 0) first = i;
          last = i;
        }
      }
      if (rowCount > 0) {
        count += rowCount;
        sumI += rowSumI;
        sumJ += j * rowCount;
        sumK += k * rowCount;
        if (k < lo[0]) lo[0] = k;
        if (k > hi[0]) hi[0] = k;
        if (j < lo[1]) lo[1] = j;
        if (j > hi[1]) hi[1] = j;
        if (first < lo[2]) lo[2] = first;
        if (last > hi[2]) hi[2] = last;
      }
    }
  }
  return { count, sumK, sumJ, sumI, lo, hi };
}

/**
 * The nine features of a binary mask (SPEC.md).
 * @param mask          Uint8Array (or any numeric array), C order over shapeDhw; > 0 is tumour.
 * @param shapeDhw      [D, H, W] of the mask (the model grid).
 * @param spacingMm     [sx, sy, sz] mm along x (W), y (H), z (D); used for `physical` only.
 * @param normalisation the model's maxima; without it `normalised` is null.
 */
export function computeFeatures(
  mask: ArrayLike<number>, // [D, H, W]
  shapeDhw: ShapeDhw,
  spacingMm: SpacingMm = [1, 1, 1],
  normalisation?: FeatureNormalisation,
): TumourFeatures {
  checkShape(mask, shapeDhw);
  checkSpacing(spacingMm);
  if (normalisation) {
    for (const key of ['maxVoxelCount', 'maxSurfaceArea'] as const) {
      const val = normalisation[key];
      if (!(Number.isFinite(val) && val > 0)) {
        throw new RangeError(`normalisation.${key} must be a finite positive number, got ${String(val)}`);
      }
    }
  }
  const [D, H, W] = shapeDhw;
  const [sx, sy, sz] = spacingMm;
  const s = scan(mask, shapeDhw);
  if (s.count === 0) {
    return {
      empty: true,
      raw: {
        voxelCount: 0, surfaceAreaVox: 0, sphericity: 0, comX: 0, comY: 0, comZ: 0, w: 0, h: 0, d: 0,
        comVox: [0, 0, 0], extentsVox: [0, 0, 0], shapeDhw: [D, H, W],
      },
      normalised: normalisation ? [0, 0, 0, 0, 0, 0, 0, 0, 0] : null,
      physical: { volumeMl: 0, surfaceAreaMm2: 0, sphericity: 0, centroidMm: [0, 0, 0], extentsMm: [0, 0, 0] },
    };
  }
  const meanX = s.sumI / s.count, meanY = s.sumJ / s.count, meanZ = s.sumK / s.count;
  const extW = s.hi[2] - s.lo[2] + 1, extH = s.hi[1] - s.lo[1] + 1, extD = s.hi[0] - s.lo[0] + 1;
  const hist = configurationHistogram(mask, shapeDhw, s.lo, s.hi);
  const areaVox = dot(hist, configurationAreas([1, 1, 1]));
  const areaMm2 = sx === 1 && sy === 1 && sz === 1 ? areaVox : dot(hist, configurationAreas(spacingMm));
  const sph = sphericityOf(s.count, areaVox);
  const comX = (meanX + 0.5) / W, comY = (meanY + 0.5) / H, comZ = (meanZ + 0.5) / D;
  const w = extW / W, h = extH / H, d = extD / D;
  const volMm3 = s.count * sx * sy * sz;
  return {
    empty: false,
    raw: {
      voxelCount: s.count, surfaceAreaVox: areaVox, sphericity: sph, comX, comY, comZ, w, h, d,
      comVox: [meanX, meanY, meanZ], extentsVox: [extW, extH, extD], shapeDhw: [D, H, W],
    },
    normalised: normalisation
      ? [s.count / normalisation.maxVoxelCount, areaVox / normalisation.maxSurfaceArea, sph, comX, comY, comZ, w, h, d]
      : null,
    physical: {
      volumeMl: volMm3 / 1000,
      surfaceAreaMm2: areaMm2,
      sphericity: sphericityOf(volMm3, areaMm2),
      centroidMm: [(meanX + 0.5) * sx, (meanY + 0.5) * sy, (meanZ + 0.5) * sz],
      extentsMm: [extW * sx, extH * sy, extD * sz],
    },
  };
}
