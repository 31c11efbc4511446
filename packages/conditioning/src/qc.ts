/**
 * Quality-control measurements of one generated volume, as declared by a model's metadata.json
 * `quality_control` block (thresholds measured by models/training/sbldm/calibrate.py). Pure functions, no I/O;
 * the worker decides pass/fail and regeneration on top of them.
 *
 * Same algorithms as the Python reference models/training/sbldm/qc.py (which the model's evaluation uses), checked
 * against fixtures/qc.json (scripts/gen_qc_fixtures.py) by vitest and pytest.
 *
 * Inputs are flat C-order arrays over [D, H, W] (W fastest):
 *  - image: the model's image channel in its output range [-1, 1], before any export scaling (Float32Array);
 *  - brainMask: the model's coarse brain mask (metadata `brain_mask`, decodeBitpackedBase64), same grid.
 */
import { largestComponent } from './components.ts';
import type { ShapeDhw } from './types.ts';

function checkSize(what: string, a: ArrayLike<number>, shapeDhw: ShapeDhw): void {
  const n = shapeDhw[0] * shapeDhw[1] * shapeDhw[2];
  if (a.length !== n) throw new RangeError(`${what} has ${a.length} voxels, shapeDhw ${JSON.stringify(shapeDhw)} needs ${n}`);
}

/**
 * Fill holes: background voxels not 6-connected (through background) to the volume border become foreground
 * (scipy.ndimage.binary_fill_holes with its default face-connectivity structure).
 */
export function fillHoles(mask: ArrayLike<number>, shapeDhw: ShapeDhw): Uint8Array {
  const [D, H, W] = shapeDhw;
  checkSize('mask', mask, shapeDhw);
  const n = D * H * W;
  const HW = H * W;
  const outside = new Uint8Array(n); // background reached from the border
  const stack = new Int32Array(n);
  let top = 0;
  const push = (p: number) => {
    if (!(mask[p]! > 0) && outside[p] === 0) {
      outside[p] = 1;
      stack[top++] = p;
    }
  };
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        if (d === 0 || d === D - 1 || h === 0 || h === H - 1 || w === 0 || w === W - 1) push(d * HW + h * W + w);
      }
  while (top > 0) {
    const p = stack[--top]!;
    const w = p % W;
    const h = ((p - w) / W) % H;
    const d = (p - w - h * W) / HW;
    if (w > 0) push(p - 1);
    if (w < W - 1) push(p + 1);
    if (h > 0) push(p - W);
    if (h < H - 1) push(p + W);
    if (d > 0) push(p - HW);
    if (d < D - 1) push(p + HW);
  }
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) out[p] = outside[p] ? 0 : 1;
  return out;
}

/**
 * Brain outline of an image: the largest 6-connected component of (image > threshold), holes filled
 * (models/training/sbldm/qc.py brain_from_image). The comparison is in float32: the threshold is rounded to
 * float32 first, as numpy compares a float32 array with a Python float.
 */
export function brainOutline(image: ArrayLike<number>, shapeDhw: ShapeDhw, threshold: number): Uint8Array {
  checkSize('image', image, shapeDhw);
  const thr = Math.fround(threshold);
  const above = new Uint8Array(image.length);
  for (let p = 0; p < image.length; p++) above[p] = Math.fround(image[p]!) > thr ? 1 : 0;
  return fillHoles(largestComponent(above, shapeDhw).mask, shapeDhw);
}

/** Dice of two binary masks, 2 |A & B| / (|A| + |B|); 1 when both are empty. */
export function diceBinary(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`dice: masks of ${a.length} and ${b.length} voxels`);
  let sa = 0;
  let sb = 0;
  let inter = 0;
  for (let p = 0; p < a.length; p++) {
    const x = a[p]! > 0;
    const y = b[p]! > 0;
    if (x) sa++;
    if (y) sb++;
    if (x && y) inter++;
  }
  return sa + sb === 0 ? 1 : (2 * inter) / (sa + sb);
}

/**
 * Brain-outline Dice: Dice(brainOutline(image, threshold), brainMask). The model declares the threshold
 * (`quality_control.brain_outline.image_threshold`) and the minimum (`min_dice`); a sample whose outline is far
 * from the training brain (an oval blob, noise, an empty volume) scores low.
 */
export function brainOutlineDice(image: ArrayLike<number>, shapeDhw: ShapeDhw, brainMask: ArrayLike<number>, threshold: number): number {
  checkSize('brainMask', brainMask, shapeDhw);
  return diceBinary(brainOutline(image, shapeDhw, threshold), brainMask);
}

/**
 * Percentiles of a set of numbers, linear interpolation between closest ranks (numpy's default method, written
 * out as in qc.py): sorted float64 values v, pos = (n - 1) * p / 100, i = floor(pos),
 * value = v[i] + (pos - i) * (v[i + 1] - v[i]) (v[i] when i = n - 1). Throws on an empty set or p outside [0, 100].
 */
export function percentilesLinear(values: ArrayLike<number>, percentiles: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) throw new RangeError('percentiles of an empty set (the brain mask has no voxels)');
  const v = Float64Array.from(values).sort();
  return percentiles.map((p) => {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
    const pos = ((n - 1) * p) / 100;
    const i = Math.floor(pos);
    return i >= n - 1 ? v[i]! : v[i]! + (pos - i) * (v[i + 1]! - v[i]!);
  });
}

/**
 * Percentiles of the image values inside the brain mask (`quality_control.intensity.percentiles`), without the
 * voxels of `excludeMask` when given; the model declares for each a [lo, hi] range measured on training phantoms
 * (`quality_control.intensity.ranges`) and, in `quality_control.intensity.region`, whether the tumour is excluded
 * ("brain_mask minus the tumour mask": pass the post-processed tumour mask as excludeMask).
 */
export function inBrainPercentiles(
  image: ArrayLike<number>,
  shapeDhw: ShapeDhw,
  brainMask: ArrayLike<number>,
  percentiles: readonly number[],
  excludeMask?: ArrayLike<number>,
): number[] {
  checkSize('image', image, shapeDhw);
  checkSize('brainMask', brainMask, shapeDhw);
  if (excludeMask) checkSize('excludeMask', excludeMask, shapeDhw);
  const vals: number[] = [];
  for (let p = 0; p < image.length; p++) {
    if (brainMask[p]! > 0 && !(excludeMask && excludeMask[p]! > 0)) vals.push(Math.fround(image[p]!));
  }
  // The tumour covers the whole brain mask: no tissue to measure; NaN fails every range check (as in Python).
  if (excludeMask && vals.length === 0) return percentiles.map(() => Number.NaN);
  return percentilesLinear(vals, percentiles);
}
