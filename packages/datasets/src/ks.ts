/**
 * Two-sample Kolmogorov-Smirnov test and shared-edge histograms.
 *
 * Notation: samples a (size n) and b (size m), empirical CDFs F_a, F_b.
 *   D = sup_x |F_a(x) - F_b(x)|                       (two-sided statistic)
 *   n_e = n m / (n + m)                               (effective sample size)
 *   p ~= Q_KS(sqrt(n_e) D)                            (Smirnov's limit; Kolmogorov distribution)
 *   Q_KS(l) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 l^2)  (survival function, scipy.stats.kstwobign.sf)
 * For small l the alternating series converges slowly; there the complementary form
 *   1 - Q_KS(l) = sqrt(2 pi)/l sum_{k>=1} exp(-(2k-1)^2 pi^2 / (8 l^2))
 * is used (both are exact expressions of the same function).
 * Note scipy's ks_2samp(method='asymp') uses the finite-n kstwo distribution at round(n_e) instead; the
 * values agree to ~1e-2 for moderate n and converge as n grows. The statistic D is exact.
 */

export function kolmogorovSf(lambda: number): number {
  if (!Number.isFinite(lambda)) throw new RangeError(`lambda must be finite, got ${lambda}`);
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const c = (Math.PI * Math.PI) / (8 * lambda * lambda);
    let s = 0;
    for (let k = 1; k <= 100; k++) {
      const t = Math.exp(-(2 * k - 1) * (2 * k - 1) * c);
      s += t;
      if (t < 1e-17 * s) break;
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * s));
  }
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const t = Math.exp(-2 * k * k * lambda * lambda);
    s += k % 2 === 1 ? t : -t;
    if (t < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

export interface KsResult {
  /** sup |F_a - F_b| in [0, 1]. */
  statistic: number;
  /** Asymptotic two-sided p-value, Q_KS(sqrt(n_e) D). */
  pValue: number;
  n: number;
  m: number;
}

export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult {
  if (a.length === 0 || b.length === 0) throw new RangeError(`both samples need at least one value, got sizes ${a.length} and ${b.length}`);
  for (const [name, s] of [['a', a], ['b', b]] as const) {
    const bad = s.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new RangeError(`sample ${name}[${bad}] = ${s[bad]} is not finite`);
  }
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  const n = x.length;
  const m = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  // Step through the pooled sorted values; at ties both CDFs jump before comparing.
  while (i < n && j < m) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n && x[i]! === v) i++;
    while (j < m && y[j]! === v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const en = (n * m) / (n + m);
  return { statistic: d, pValue: kolmogorovSf(Math.sqrt(en) * d), n, m };
}

export interface Histogram {
  /** bins + 1 edges, ascending; the last bin is closed on the right. */
  edges: number[];
  a: number[];
  b: number[];
}

/** Side-by-side histograms of two samples over shared edges spanning both samples' range. */
export function sharedHistogram(a: readonly number[], b: readonly number[], bins = 20): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of [a, b]) {
    for (const v of s) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo === Infinity) {
    lo = 0;
    hi = 1;
  }
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = Array.from({ length: bins + 1 }, (_, k) => lo + ((hi - lo) * k) / bins);
  const count = (s: readonly number[]) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s) {
      const k = Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins));
      c[k]!++;
    }
    return c;
  };
  return { edges, a: count(a), b: count(b) };
}
