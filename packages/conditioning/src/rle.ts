/**
 * Run-length mask encoding used by the fixtures and by inline brain masks in model metadata:
 * the mask flattened in C order over [D, H, W] (W fastest) as run lengths alternating 0-runs and
 * 1-runs, starting with a (possibly empty) 0-run; the runs sum to D*H*W.
 */
import type { ShapeDhw } from './types.ts';

export function rleDecode(runs: readonly number[], shapeDhw: ShapeDhw): Uint8Array {
  const n = shapeDhw[0] * shapeDhw[1] * shapeDhw[2];
  const out = new Uint8Array(n);
  let pos = 0;
  let val = 0;
  for (let r = 0; r < runs.length; r++) {
    const len = runs[r]!;
    if (!Number.isInteger(len) || len < 0) throw new RangeError(`rle run ${r} must be a non-negative integer, got ${len}`);
    if (pos + len > n) throw new RangeError(`rle runs exceed D*H*W = ${n} for shapeDhw ${JSON.stringify(shapeDhw)}`);
    if (val) out.fill(1, pos, pos + len);
    pos += len;
    val ^= 1;
  }
  if (pos !== n) throw new RangeError(`rle runs sum to ${pos}, expected D*H*W = ${n} for shapeDhw ${JSON.stringify(shapeDhw)}`);
  return out;
}

export function rleEncode(mask: ArrayLike<number>): number[] {
  const runs: number[] = [];
  let val = 0;
  let len = 0;
  for (let p = 0; p < mask.length; p++) {
    const b = mask[p]! > 0 ? 1 : 0;
    if (b === val) len++;
    else {
      runs.push(len);
      val = b;
      len = 1;
    }
  }
  runs.push(len);
  return runs;
}
