/**
 * Anatomical regions on the model's brain mask. A hemisphere/half is split at the middle of the
 * brain's bounding box along the axis whose axis code is R/L (left, right), A/P (front = anterior,
 * back = posterior) or S/I (upper = superior, lower = inferior); voxels whose centre lies exactly
 * on the split belong to neither half.
 */
import type { ModelConditioning } from './model.ts';
import type { Region } from './spec.types.ts';

const cache = new WeakMap<ModelConditioning, Map<string, Int32Array>>();
const boxes = new WeakMap<ModelConditioning, { lo: number[]; hi: number[] }>();

/** Brain bounding box per axis [x, y, z] in brain-mask grid indices (cached per model). */
function brainBox(model: ModelConditioning): { lo: number[]; hi: number[] } {
  const hit = boxes.get(model);
  if (hit) return hit;
  const [D, H, W] = model.brainMaskShapeDhw;
  const mask = model.brainMask;
  const lo = [W, H, D], hi = [-1, -1, -1];
  for (let k = 0, p = 0; k < D; k++) {
    for (let j = 0; j < H; j++, p += W) {
      let first = -1, last = -1;
      for (let i = 0; i < W; i++) {
        if (mask[p + i]! > 0) {
          if (first < 0) first = i;
          last = i;
        }
      }
      if (first < 0) continue;
      if (first < lo[0]!) lo[0] = first;
      if (last > hi[0]!) hi[0] = last;
      if (j < lo[1]!) lo[1] = j;
      if (j > hi[1]!) hi[1] = j;
      if (k < lo[2]!) lo[2] = k;
      if (k > hi[2]!) hi[2] = k;
    }
  }
  const box = { lo, hi };
  boxes.set(model, box);
  return box;
}

const TOWARD: Record<Exclude<Region, 'anywhere'>, [string, string]> = {
  // [letters of the axis, letter the region points to]
  left: ['RL', 'L'],
  right: ['RL', 'R'],
  front: ['AP', 'A'],
  back: ['AP', 'P'],
  upper: ['SI', 'S'],
  lower: ['SI', 'I'],
};

/**
 * Flat indices (C order over brainMaskShapeDhw) of the brain voxels inside all given regions.
 * With `trainedOnly`, only voxels that overlap the model's trained x, y, z ranges (a centroid
 * elsewhere would be rejected anyway). Cached per model.
 */
export function regionVoxels(model: ModelConditioning, regions: readonly Region[], trainedOnly = false): Int32Array {
  const key = [...new Set(regions)].sort().join('+') + (trainedOnly ? '|trained' : '');
  let m = cache.get(model);
  if (!m) {
    m = new Map();
    cache.set(model, m);
  }
  const hit = m.get(key);
  if (hit) return hit;
  const [D, H, W] = model.brainMaskShapeDhw;
  const mask = model.brainMask;
  const { lo, hi } = brainBox(model);
  // per axis [x, y, z]: the admissible index interval [a, b] (region half and trained range)
  const size = [W, H, D];
  const a = [0, 0, 0], b = [W - 1, H - 1, D - 1];
  for (const r of regions) {
    if (r === 'anywhere') continue;
    const [letters, toward] = TOWARD[r];
    const axis = model.axisCodes.findIndex((c) => letters.includes(c));
    const sign = model.axisCodes[axis] === toward ? 1 : -1;
    const mid = (lo[axis]! + hi[axis]! + 1) / 2;
    // voxel centre n + 0.5 strictly beyond mid on the region's side
    if (sign > 0) a[axis] = Math.max(a[axis]!, Math.floor(mid - 0.5) + 1);
    else b[axis] = Math.min(b[axis]!, Math.ceil(mid - 0.5) - 1);
  }
  if (trainedOnly) {
    const tr = [model.trainingRanges.x, model.trainingRanges.y, model.trainingRanges.z];
    for (let axis = 0; axis < 3; axis++) {
      // voxel n covers [n, n+1) / size: keep it if that meets [lo, hi]
      const n = size[axis]!;
      a[axis] = Math.max(a[axis]!, Math.ceil(tr[axis]![0] * n) - 1);
      b[axis] = Math.min(b[axis]!, Math.floor(tr[axis]![1] * n));
    }
  }
  let count = 0;
  const buf = new Int32Array(D * H * W);
  for (let k = Math.max(0, a[2]!); k <= Math.min(D - 1, b[2]!); k++) {
    for (let j = Math.max(0, a[1]!); j <= Math.min(H - 1, b[1]!); j++) {
      const row = (k * H + j) * W;
      for (let i = Math.max(0, a[0]!); i <= Math.min(W - 1, b[0]!); i++) {
        if (mask[row + i]! > 0) buf[count++] = row + i;
      }
    }
  }
  const arr = buf.slice(0, count);
  m.set(key, arr);
  return arr;
}

export function regionVoxelCount(model: ModelConditioning, regions: readonly Region[]): number {
  return regionVoxels(model, regions).length;
}
