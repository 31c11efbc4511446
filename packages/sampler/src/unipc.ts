/**
 * UniPC, order 2, B(h) = e^h - 1 ("bh2"), data prediction: a multistep predictor (UniP-2) followed, at
 * the next step, by a corrector (UniC) that reuses the model output already computed there, so the order
 * rises by one at no extra model call (Zhao, Bai, Rao, Zhou, Lu, "UniPC: A Unified Predictor-Corrector
 * Framework for Fast Sampling of Diffusion Models", NeurIPS 2023, arXiv 2302.04867: UniC-p sec. 3.1 and
 * Theorem 3.1, UniP-p sec. 3.2 and Corollary 3.2, the choice B(h) = e^h - 1 in sec. 3.3; numerics as
 * diffusers' UniPCMultistepScheduler with solver_order 2, solver_type "bh2", predict_x0 True,
 * lower_order_final True, no disabled correctors, final_sigmas_type "zero").
 * Twin of `UniPCScheduler` in models/training/sbldm/multistep.py.
 *
 * Notation (code -> paper; data-prediction form, so the paper's h becomes hh = -h; see multistep.ts):
 *   m_i            x0 at step i (computed from the UNcorrected x_i)   x_theta(x~_{t_i}, t_i)
 *   h              lambda_{i+1} - lambda_i (predictor), lambda_i - lambda_{i-1} (corrector)
 *   hh             -h
 *   hPhi1          e^{hh} - 1 = hh phi_1(hh)
 *   B              B(hh) = e^{hh} - 1 ("bh2")
 *   rk             (lambda_{i-2} - lambda_{i-1}) / h (corrector), (lambda_{i-1} - lambda_i) / h (predictor)   r_1
 *   D1             (m_{older} - m_{newer}) / rk                        D_1 / r_1 (scaled difference)
 *   b_1, b_2       hPhi_k(hh) k! / B(hh) for k = 1, 2, with hPhi_1(hh) = hPhi1/hh - 1,
 *                  hPhi_2(hh) = hPhi_1(hh)/hh - 1/2                    the right-hand side g_p(h) of Theorem 3.1
 *   rhoC           solution of [[1, 1], [rk, 1]] rhoC = [b_1, b_2]     a_1, a_2 of UniC-2 (order 1: rhoC = [1/2])
 *   rhoP           1/2 for UniP-2 (diffusers' simplified order-2 predictor)
 *   xLast          the corrected x_{i-1} the previous predictor started from
 *
 * Step i (n steps):
 *   corrector (i > 0): x_i^c = (sigma_i/sigma_{i-1}) xLast - alpha_i hPhi1 m_{i-1}
 *                              - alpha_i B (rhoC_1 D1 + rhoC_last (m_i - m_{i-1}))   [order of step i-1]
 *   predictor:         x_{i+1} = (sigma_{i+1}/sigma_i) x_i^c - alpha_{i+1} hPhi1 m_i - alpha_{i+1} B rhoP D1
 *                      [order p = min(2, n - i, i + 1): first order at the first and the last step]
 * At the last step the target sigma is 0 and the predictor returns m_{n-1} exactly (the h -> inf limit),
 * so the last corrector has no effect on the result (as in diffusers). With the corrector removed, this
 * predictor is DPM-Solver++(2M) (dpmpp2m.ts). Deterministic: no rng, no eta.
 */
import type { NoiseScheduleConfig } from './schedule.ts';
import { MultistepSchedulerBase, linearCombination } from './multistep.ts';
import type { SchedulerOptions, SchedulerStepOutput } from './scheduler.ts';

export type UniPCOptions = SchedulerOptions;

/** b_1, b_2 of UniC (the right-hand side of Theorem 3.1 in data-prediction form, B(h) = e^h - 1). */
function uniCoefficients(h: number): { hPhi1: number; B: number; b1: number; b2: number } {
  const hh = -h;
  const hPhi1 = Math.expm1(hh);
  const B = hPhi1; // bh2
  const hPhiK1 = hPhi1 / hh - 1.0;
  const b1 = hPhiK1 / B;
  const hPhiK2 = hPhiK1 / hh - 0.5;
  const b2 = (hPhiK2 * 2.0) / B;
  return { hPhi1, B, b1, b2 };
}

export class UniPCScheduler extends MultistepSchedulerBase {
  /** m_{i-1}, m_{i-2}: data predictions of the last two steps (newest first). */
  private history: Float32Array[] = [];
  /** The corrected sample the previous predictor started from, and that predictor's order. */
  private lastSample: Float32Array | undefined;
  private lastOrder = 0;

  constructor(schedule: Readonly<NoiseScheduleConfig>, options: UniPCOptions = {}) {
    super(schedule, options);
  }

  protected resetHistory(): void {
    this.history = [];
    this.lastSample = undefined;
    this.lastOrder = 0;
  }

  step(modelOutput: Float32Array, t: number, sample: Float32Array): SchedulerStepOutput {
    // 1. which step this is (order of calls checked), and m_i = x_theta(x_i, t_i) from the uncorrected x_i
    const i = this.enterStep(modelOutput, t, sample);
    const n = this.timesteps.length;
    const mi = this.dataPrediction(modelOutput, sample, i);

    // 2. UniC: correct x_i with the model output just computed there (Theorem 3.1), order of step i-1
    let x = sample;
    if (i > 0 && this.lastSample !== undefined) {
      const mPrev = this.history[0]!;
      const h = this.lambdaAt[i]! - this.lambdaAt[i - 1]!;
      const { hPhi1, B, b1, b2 } = uniCoefficients(h);
      const aI = this.alphaAt[i]!;
      const cx = this.sigmaAt[i]! / this.sigmaAt[i - 1]!;
      const K = aI * B;
      if (this.lastOrder === 1) {
        // 2a. UniC-1: rhoC = [1/2]: x^c = cx xLast - alpha_i hPhi1 m_{i-1} - K/2 (m_i - m_{i-1})
        x = linearCombination([cx, -aI * hPhi1 + 0.5 * K, -0.5 * K], [this.lastSample, mPrev, mi]);
      } else {
        // 2b. UniC-2: rk = (lambda_{i-2} - lambda_{i-1}) / h, D1 = (m_{i-2} - m_{i-1}) / rk,
        //     [[1, 1], [rk, 1]] rhoC = [b1, b2] (closed form), x^c = ... - K (rhoC_0 D1 + rhoC_1 (m_i - m_{i-1}))
        const mPrev2 = this.history[1]!;
        const rk = (this.lambdaAt[i - 2]! - this.lambdaAt[i - 1]!) / h;
        const rho0 = (b1 - b2) / (1.0 - rk);
        const rho1 = (b2 - rk * b1) / (1.0 - rk);
        x = linearCombination(
          [cx, -aI * hPhi1 + (K * rho0) / rk + K * rho1, -(K * rho0) / rk, -K * rho1],
          [this.lastSample, mPrev, mPrev2, mi],
        );
      }
    }

    // 3. history: m_i is now the newest data prediction; this step's predictor order
    this.history = [mi, ...this.history].slice(0, 2);
    const order = Math.min(2, n - i, i + 1);
    this.lastOrder = order;
    this.lastSample = x;

    // 4. UniP from x_i^c to x_{i+1}
    let prev: Float32Array;
    if (i === n - 1) {
      // 4a. last step, to sigma = 0: the update tends to m_i (first order, h -> inf)
      prev = Float32Array.from(mi);
    } else {
      const h = this.lambdaAt[i + 1]! - this.lambdaAt[i]!;
      const { hPhi1, B } = uniCoefficients(h);
      const aNext = this.alphaAt[i + 1]!;
      const cx = this.sigmaAt[i + 1]! / this.sigmaAt[i]!;
      if (order === 1) {
        // 4b. UniP-1 (= DDIM): x_{i+1} = cx x_i^c - alpha_{i+1} hPhi1 m_i
        prev = linearCombination([cx, -aNext * hPhi1], [x, mi]);
      } else {
        // 4c. UniP-2: rk = (lambda_{i-1} - lambda_i) / h, D1 = (m_{i-1} - m_i) / rk,
        //     x_{i+1} = cx x_i^c - alpha_{i+1} hPhi1 m_i - alpha_{i+1} B rhoP D1, rhoP = 1/2
        const rk = (this.lambdaAt[i - 1]! - this.lambdaAt[i]!) / h;
        const K = aNext * B;
        prev = linearCombination([cx, -aNext * hPhi1 + (0.5 * K) / rk, -(0.5 * K) / rk], [x, mi, this.history[1]!]);
      }
    }
    return { prevSample: prev, predOriginalSample: mi };
  }
}
