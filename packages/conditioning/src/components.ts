/**
 * Mask post-processing declared by a model (metadata volume.channels[mask].postprocess):
 * keep the largest 6-connected (face-neighbour) component of a binary [D, H, W] mask.
 *
 * Training tumours are one connected component, so scattered islands in a generated mask are sampling
 * artefacts that inflate the measured volume. Components are numbered in C order of their first voxel
 * (W fastest); the largest wins, ties go to the lower number - the same result as the Python reference
 * (models/training/sbldm/postprocess.py: scipy.ndimage.label + argmax), checked on fixtures/components.json.
 */
import type { ShapeDhw } from './types.ts';

export interface LargestComponentResult {
  /** New 0/1 mask (the input is not modified). */
  mask: Uint8Array;
  /** Number of 6-connected components in the input. */
  components: number;
  keptVoxels: number;
  removedVoxels: number;
}

export function largestComponent(mask: ArrayLike<number>, shapeDhw: ShapeDhw): LargestComponentResult {
  const [D, H, W] = shapeDhw;
  const n = D * H * W;
  if (mask.length !== n) throw new RangeError(`mask has ${mask.length} voxels, shapeDhw ${JSON.stringify(shapeDhw)} needs ${n}`);
  const HW = H * W;
  const label = new Int32Array(n); // 0 = background or unvisited
  const stack = new Int32Array(n);
  let components = 0;
  let best = 0;
  let bestSize = 0;
  let total = 0;
  for (let start = 0; start < n; start++) {
    if (!(mask[start]! > 0) || label[start] !== 0) continue;
    const id = ++components;
    let size = 0;
    let top = 0;
    stack[top++] = start;
    label[start] = id;
    while (top > 0) {
      const p = stack[--top]!;
      size++;
      const w = p % W;
      const h = ((p - w) / W) % H;
      const d = (p - w - h * W) / HW;
      // six face neighbours, each pushed once (labelled on push)
      if (w > 0 && mask[p - 1]! > 0 && label[p - 1] === 0) { label[p - 1] = id; stack[top++] = p - 1; }
      if (w < W - 1 && mask[p + 1]! > 0 && label[p + 1] === 0) { label[p + 1] = id; stack[top++] = p + 1; }
      if (h > 0 && mask[p - W]! > 0 && label[p - W] === 0) { label[p - W] = id; stack[top++] = p - W; }
      if (h < H - 1 && mask[p + W]! > 0 && label[p + W] === 0) { label[p + W] = id; stack[top++] = p + W; }
      if (d > 0 && mask[p - HW]! > 0 && label[p - HW] === 0) { label[p - HW] = id; stack[top++] = p - HW; }
      if (d < D - 1 && mask[p + HW]! > 0 && label[p + HW] === 0) { label[p + HW] = id; stack[top++] = p + HW; }
    }
    total += size;
    if (size > bestSize) {
      bestSize = size;
      best = id;
    }
  }
  const out = new Uint8Array(n);
  if (best) for (let p = 0; p < n; p++) out[p] = label[p] === best ? 1 : 0;
  return { mask: out, components, keptVoxels: bestSize, removedVoxels: total - bestSize };
}
