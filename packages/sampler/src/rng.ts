/**
 * Seeded Gaussian noise: Philox4x32-10 + Box-Muller, identical to `PhiloxGaussian` in
 * models/training/sbldm/philox.py (parity fixtures in ../fixtures).
 *
 * Why counter-based (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): block b of
 * a stream is a pure function philox(counter = [b_lo, b_hi, 0, 0], key), so numpy can generate a whole
 * tensor of noise vectorised, and the n-th normal of a stream does not depend on how draws are chunked.
 *
 * Normals: each block's 4 uint32 words w give u = (w + 0.5) * 2^-32 in (0, 1) (exact in float64);
 * Box-Muller on (u0, u1) and (u2, u3): r = sqrt(-2 ln u_even), z = [r cos(2 pi u_odd), r sin(2 pi u_odd)].
 * Normal n of a stream is lane n % 4 of block floor(n / 4). Outputs are rounded to float32.
 * Words are bit-exact with Python; normals go through libm log/cos/sin and may differ from numpy by
 * an ulp of float64 (after rounding to float32: identical, or rarely 1 float32 ulp apart).
 *
 * Streams: key = seed as two uint32 (lo, hi). fork(id) derives a child key from
 * philox([id_lo, id_hi, 0, 0x666f726b "fork"], key) words 0-1; draws use counter word 3 = 0, so fork
 * counters never collide with draw counters. A fork depends only on (parent key, id), so a subject's
 * noise is the same in any order: createRng(seed).fork(subjectIndex).
 */
import { SamplerError } from './errors.ts';

/** A source of standard-normal noise. Implementations must be deterministic given their seed. */
export interface GaussianRng {
  /** Fill `out` with the next out.length normals (advances the stream). */
  fillNormal(out: Float32Array): Float32Array;
  /** Independent child stream, a pure function of (this stream's identity, streamId). */
  fork(streamId: number): GaussianRng;
}

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const FORK_TAG = 0x666f726b;
const TWO_PI = 2 * Math.PI;
const INV_2_32 = 2 ** -32;
const TWO_32 = 2 ** 32;

const M0_LO = M0 & 0xffff;
const M0_HI = M0 >>> 16;
const M1_LO = M1 & 0xffff;
const M1_HI = M1 >>> 16;

/** High 32 bits of the 64-bit product of uint32 m = (mh, ml) and x (exact: 16-bit limbs, all sums < 2^53). */
function mulhi(ml: number, mh: number, x: number): number {
  const xl = x & 0xffff;
  const xh = x >>> 16;
  const ll = ml * xl;
  const lh = ml * xh;
  const hl = mh * xl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff); // < 3 * 2^16
  return (mh * xh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * Philox4x32 with 10 rounds (Salmon et al. 2011): per round (hi0, lo0) = M0*c0, (hi1, lo1) = M1*c2,
 * c' = [hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0]; the key is bumped by (W0, W1) between rounds.
 * Writes 4 words into out[offset..offset+3].
 */
export function philox4x32_10(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
  offset = 0,
): void {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      key0 = (key0 + W0) >>> 0;
      key1 = (key1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0_LO, M0_HI, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi(M1_LO, M1_HI, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
  }
  out[offset] = x0;
  out[offset + 1] = x1;
  out[offset + 2] = x2;
  out[offset + 3] = x3;
}

function checkSafeUint(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SamplerError(
      'INVALID_ARGUMENT',
      `${name} = ${value} must be an integer in [0, 2^53-1] (the range JavaScript and Python both hold exactly)`,
    );
  }
}

/** Philox4x32-10 normal stream. Create with `createRng(seed)`. */
export class PhiloxNormalRng implements GaussianRng {
  /** Index of the next normal in this stream. */
  private pos = 0;
  private readonly words = new Uint32Array(4);

  constructor(
    readonly key0: number,
    readonly key1: number,
  ) {}

  get position(): number {
    return this.pos;
  }

  fork(streamId: number): PhiloxNormalRng {
    checkSafeUint('streamId', streamId);
    const w = new Uint32Array(4);
    philox4x32_10(streamId % TWO_32, Math.floor(streamId / TWO_32), 0, FORK_TAG, this.key0, this.key1, w);
    return new PhiloxNormalRng(w[0]!, w[1]!);
  }

  /** Raw uint32 words of blocks [firstBlock, firstBlock + nBlocks), 4 per block (for parity tests). */
  uint32Words(firstBlock: number, nBlocks: number): Uint32Array {
    const out = new Uint32Array(nBlocks * 4);
    for (let b = 0; b < nBlocks; b++) {
      const blk = firstBlock + b;
      philox4x32_10(blk % TWO_32, Math.floor(blk / TWO_32), 0, 0, this.key0, this.key1, out, 4 * b);
    }
    return out;
  }

  /** Next n normals as float64 (advances the stream). */
  normal64(n: number): Float64Array {
    checkSafeUint('n', n);
    const out = new Float64Array(n);
    const w = this.words;
    let pos = this.pos;
    let i = 0;
    while (i < n) {
      const block = Math.floor(pos / 4);
      philox4x32_10(block % TWO_32, Math.floor(block / TWO_32), 0, 0, this.key0, this.key1, w);
      const r01 = Math.sqrt(-2.0 * Math.log((w[0]! + 0.5) * INV_2_32));
      const t1 = TWO_PI * ((w[1]! + 0.5) * INV_2_32);
      const r23 = Math.sqrt(-2.0 * Math.log((w[2]! + 0.5) * INV_2_32));
      const t3 = TWO_PI * ((w[3]! + 0.5) * INV_2_32);
      const lane = pos - block * 4;
      if (lane === 0 && n - i >= 4) {
        out[i] = r01 * Math.cos(t1);
        out[i + 1] = r01 * Math.sin(t1);
        out[i + 2] = r23 * Math.cos(t3);
        out[i + 3] = r23 * Math.sin(t3);
        i += 4;
        pos += 4;
        continue;
      }
      // partial block at the start or end of a draw
      const z = [r01 * Math.cos(t1), r01 * Math.sin(t1), r23 * Math.cos(t3), r23 * Math.sin(t3)];
      for (let l = lane; l < 4 && i < n; l++) {
        out[i++] = z[l]!;
        pos++;
      }
    }
    this.pos = pos;
    return out;
  }

  fillNormal(out: Float32Array): Float32Array {
    out.set(this.normal64(out.length));
    return out;
  }

  /** Next n normals rounded to float32. */
  normal(n: number): Float32Array {
    return this.fillNormal(new Float32Array(n));
  }
}

/** Root stream for a seed (an integer in [0, 2^53-1]). Same as Python `PhiloxGaussian(seed)`. */
export function createRng(seed: number): PhiloxNormalRng {
  checkSafeUint('seed', seed);
  return new PhiloxNormalRng(seed % TWO_32, Math.floor(seed / TWO_32));
}

/** One rng for the whole batch, or one per batch item (item b's noise then ignores the rest of the batch). */
export type NoiseSource = GaussianRng | readonly GaussianRng[];

/**
 * Noise for a flat [B, ...] tensor of `length` values. A single rng fills it in C order; an array of B
 * rngs (B = array length) fills item b's contiguous slice of length/B values from rng[b].
 */
export function drawNoise(source: NoiseSource, length: number): Float32Array {
  const out = new Float32Array(length);
  if (!Array.isArray(source)) {
    (source as GaussianRng).fillNormal(out);
    return out;
  }
  const rngs = source as readonly GaussianRng[];
  const batchSize = rngs.length;
  if (batchSize === 0 || length % batchSize !== 0) {
    throw new SamplerError(
      'INVALID_ARGUMENT',
      `got ${batchSize} per-item rngs for a tensor of ${length} values (not a multiple); pass one rng per batch item or a single rng`,
    );
  }
  const per = length / batchSize;
  for (let b = 0; b < batchSize; b++) rngs[b]!.fillNormal(out.subarray(b * per, (b + 1) * per));
  return out;
}
