/**
 * Test-only reference of the multistep solvers in the general form the papers write them in (float64,
 * plain arrays, any order): the R matrix of UniPC solved by Gaussian elimination, DPM-Solver++(2M) as
 * D0 + D1/2 (the "midpoint" form). The schedulers use closed-form coefficients instead; the tests check
 * both agree. Not exported from the package.
 */
export interface RefGrid {
  alpha: number[]; // alpha_i, i = 0..n (index n: 1)
  sigma: number[]; // sigma_i (index n: 0)
  lambda: number[]; // lambda_i (index n: +inf)
}

export function refGrid(alphasCumprod: Float64Array, timesteps: readonly number[]): RefGrid {
  const alpha = timesteps.map((t) => Math.sqrt(alphasCumprod[t]!));
  const sigma = timesteps.map((t) => Math.sqrt(1 - alphasCumprod[t]!));
  const lambda = alpha.map((a, i) => Math.log(a) - Math.log(sigma[i]!));
  return { alpha: [...alpha, 1], sigma: [...sigma, 0], lambda: [...lambda, Number.POSITIVE_INFINITY] };
}

function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k] = M[r]![k]! - f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let v = M[r]![n]!;
    for (let k = r + 1; k < n; k++) v -= M[r]![k]! * x[k]!;
    x[r] = v / M[r]![r]!;
  }
  return x;
}

const axpy = (a: number[], s: number, b: number[]) => a.map((v, k) => v + s * b[k]!);

/**
 * One UniP/UniC update in data-prediction form with B(h) = e^h - 1 (UniPC sec. 3; diffusers'
 * multistep_uni_p_bh_update / multistep_uni_c_bh_update): from x at grid point `from` to grid point `to`,
 * with m[0] the data prediction at `from`, older ones m[1..] at from-1, from-2, ..., and (corrector)
 * mNew the data prediction at `to`.
 */
export function uniUpdate(
  g: RefGrid,
  from: number,
  to: number,
  x: number[],
  m: number[][],
  order: number,
  mNew?: number[],
): number[] {
  const h = g.lambda[to]! - g.lambda[from]!;
  const hh = -h;
  const hPhi1 = Math.expm1(hh);
  const B = Math.expm1(hh);
  const rks: number[] = [];
  const D1s: number[][] = [];
  for (let k = 1; k < order; k++) {
    const rk = (g.lambda[from - k]! - g.lambda[from]!) / h;
    rks.push(rk);
    D1s.push(m[k]!.map((v, j) => (v - m[0]![j]!) / rk));
  }
  rks.push(1);
  const R: number[][] = [];
  const b: number[] = [];
  let hPhiK = hPhi1 / hh - 1;
  let fact = 1;
  for (let k = 1; k <= order; k++) {
    R.push(rks.map((r) => r ** (k - 1)));
    b.push((hPhiK * fact) / B);
    fact *= k + 1;
    hPhiK = hPhiK / hh - 1 / fact;
  }
  let out = x.map((v, j) => (g.sigma[to]! / g.sigma[from]!) * v - g.alpha[to]! * hPhi1 * m[0]![j]!);
  const K = g.alpha[to]! * B;
  if (mNew === undefined) {
    if (order === 1) return out;
    const rho = order === 2 ? [0.5] : solve(R.slice(0, -1).map((r) => r.slice(0, -1)), b.slice(0, -1));
    D1s.forEach((d, k) => (out = axpy(out, -K * rho[k]!, d)));
    return out;
  }
  const rho = order === 1 ? [0.5] : solve(R, b);
  D1s.forEach((d, k) => (out = axpy(out, -K * rho[k]!, d)));
  const D1t = mNew.map((v, j) => v - m[0]![j]!);
  return axpy(out, -K * rho[rho.length - 1]!, D1t);
}

/** DPM-Solver++(2M) update (Algorithm 2), midpoint form: D0 = m0, D1 = (m0 - m1)/r0. */
export function dpmUpdate(g: RefGrid, i: number, x: number[], m0: number[], m1?: number[]): number[] {
  const h = g.lambda[i + 1]! - g.lambda[i]!;
  const e = Math.exp(-h) - 1;
  const a = g.alpha[i + 1]!;
  const base = x.map((v, j) => (g.sigma[i + 1]! / g.sigma[i]!) * v - a * e * m0[j]!);
  if (m1 === undefined) return base;
  const r0 = (g.lambda[i]! - g.lambda[i - 1]!) / h;
  return base.map((v, j) => v - 0.5 * a * e * ((m0[j]! - m1[j]!) / r0));
}

/** x0 from a model output in float64 (reference side). */
export function toX0(type: string, out: Float32Array, x: number[], a: number, s: number): number[] {
  return x.map((xv, k) => {
    const o = out[k]!;
    if (type === 'epsilon') return (xv - s * o) / a;
    if (type === 'v_prediction') return a * xv - s * o;
    return o;
  });
}
