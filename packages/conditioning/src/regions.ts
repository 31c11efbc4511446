/**
 * Anatomical regions on the model's brain mask. A hemisphere/half is split at the middle of the
 * brain's bounding box along the axis whose axis code is R/L (left, right), A/P (front = anterior,
 * back = posterior) or S/I (upper = superior, lower = inferior); voxels whose centre lies exactly
 * on the split belong to neither half.
 */
import type { ModelConditioning } from './model.ts';
import type { Region } from './spec.ts';

const cache = new WeakMap<ModelConditioning, Map<string, Int32Array>>();

const TOWARD: Record<Exclude<Region, 'anywhere'>, [string, string]> = {
  // [letters of the axis, letter the region points to]
  left: ['RL', 'L'],
  right: ['RL', 'R'],
  front: ['AP', 'A'],
  back: ['AP', 'P'],
  upper: ['SI', 'S'],
  lower: ['SI', 'I'],
};

/** Flat indices (C order over brainMaskShapeDhw) of the brain voxels inside all given regions. */
export function regionVoxels(model: ModelConditioning, regions: readonly Region[]): Int32Array {
  const key = [...new Set(regions)].sort().join('+');
  let m = cache.get(model);
  if (!m) {
    m = new Map();
    cache.set(model, m);
  }
  const hit = m.get(key);
  if (hit) return hit;
  const [D, H, W] = model.brainMaskShapeDhw;
  const mask = model.brainMask;
  // brain bounding box per axis [x, y, z] in mask-grid indices
  const lo = [W, H, D], hi = [-1, -1, -1];
  for (let k = 0, p = 0; k < D; k++) {
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++, p++) {
        if (mask[p]! > 0) {
          if (i < lo[0]!) lo[0] = i;
          if (i > hi[0]!) hi[0] = i;
          if (j < lo[1]!) lo[1] = j;
          if (j > hi[1]!) hi[1] = j;
          if (k < lo[2]!) lo[2] = k;
          if (k > hi[2]!) hi[2] = k;
        }
      }
    }
  }
  // each region -> (axis, sign): keep voxels with sign * (centre - mid) > 0
  const tests: [number, number, number][] = [];
  for (const r of regions) {
    if (r === 'anywhere') continue;
    const [letters, toward] = TOWARD[r];
    const axis = model.axisCodes.findIndex((c) => letters.includes(c));
    const sign = model.axisCodes[axis] === toward ? 1 : -1;
    const mid = (lo[axis]! + hi[axis]! + 1) / 2;
    tests.push([axis, sign, mid]);
  }
  const out: number[] = [];
  for (let k = 0, p = 0; k < D; k++) {
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++, p++) {
        if (!(mask[p]! > 0)) continue;
        let ok = true;
        for (const [axis, sign, mid] of tests) {
          const c = (axis === 0 ? i : axis === 1 ? j : k) + 0.5;
          if (!(sign * (c - mid) > 0)) {
            ok = false;
            break;
          }
        }
        if (ok) out.push(p);
      }
    }
  }
  const arr = Int32Array.from(out);
  m.set(key, arr);
  return arr;
}

export function regionVoxelCount(model: ModelConditioning, regions: readonly Region[]): number {
  return regionVoxels(model, regions).length;
}
