/**
 * Counter-based seeding + xoshiro128** (Blackman & Vigna 2018) and the few distributions the
 * condition sampler needs. Never Math.random: a generator is derived from (stream, seed, index)
 * alone, so subject i of a cohort gets the same numbers on every machine and in any evaluation order.
 *
 * Determinism across machines: integer steps use Math.imul and 32-bit shifts (exact); the float
 * transforms use Math.log / Math.sqrt / Math.cos / Math.exp, which V8 implements with its own
 * fdlibm port (identical results on every platform for a given Node major version).
 */

/** 32-bit finaliser (a low-bias 32-bit integer hash; constants from the "hash prospector" search). */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash a list of 32-bit words (order-sensitive). */
export function hashWords(words: readonly number[], salt = 0x9e3779b9): number {
  let h = mix32(salt);
  for (const w of words) h = mix32((h ^ (w >>> 0)) + 0x6a09e667);
  return h;
}

/** Split a non-negative safe integer into [lo, hi] 32-bit words. */
export function splitSafeInt(n: number): [number, number] {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`seed/index must be a non-negative safe integer, got ${n}`);
  return [n >>> 0, Math.floor(n / 4294967296) >>> 0];
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /** Four 32-bit words of state; all-zero is replaced (xoshiro's one forbidden state). */
  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
  }

  /**
   * Generator for (stream, seed, index): stream separates uses (e.g. distribution schema version,
   * 'cohort permutation'), seed is the cohort seed, index the subject index.
   */
  static forKey(stream: number, seed: number, index: number): Rng {
    const [slo, shi] = splitSafeInt(seed);
    const [ilo, ihi] = splitSafeInt(index);
    const words = [stream >>> 0, slo, shi, ilo, ihi];
    return new Rng(hashWords(words, 0x243f6a88), hashWords(words, 0x85a308d3), hashWords(words, 0x13198a2e), hashWords(words, 0x03707344));
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform double in (0, 1): safe for log. */
  uniformOpen(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b + 0.5) / 9007199254740992;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller, polar-free form; the second value is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    const u1 = this.uniformOpen();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 via the U^(1/shape) boost. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.uniformOpen(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniformOpen();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// --- normal CDF and its inverse, for exact truncated normals (no rejection loop) -------------------

/** Standard normal CDF via erfc (W. J. Cody-style rational Chebyshev fit, |rel err| < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/** Inverse standard normal CDF (P. J. Acklam's rational approximation, |rel err| < 1.15e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Standard normal truncated to [a, b] by inverse CDF; for a far upper tail, mirror so the CDF
 * differences stay representable. Returns NaN only if a > b (callers validate first).
 */
export function truncatedStandardNormal(rng: Rng, a: number, b: number): number {
  if (a > 0) return -truncatedStandardNormal(rng, -b, -a);
  const pa = normalCdf(a);
  const pb = normalCdf(b);
  if (!(pb > pa)) {
    // interval of negligible mass under this approximation: uniform inside it
    return a + (Number.isFinite(b) ? (b - a) * rng.uniform() : 0);
  }
  const x = normalQuantile(pa + (pb - pa) * rng.uniformOpen());
  return Math.min(b, Math.max(a, x));
}
