/**
 * DPM-Solver++(2M): the second-order multistep solver of the diffusion ODE in its data-prediction form
 * (Lu, Zhou, Bao, Chen, Li, Zhu, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic
 * Models", arXiv 2211.01095, sec. 4, Algorithm 2; numerics as diffusers' DPMSolverMultistepScheduler with
 * algorithm_type "dpmsolver++", solver_order 2, solver_type "midpoint", final_sigmas_type "zero").
 * Twin of `DPMSolverPP2MScheduler` in models/training/sbldm/multistep.py.
 *
 * Notation (code -> paper; see multistep.ts for alpha_i, sigma_i, lambda_i):
 *   x           x_{t_{i}}, the sample at step i              x~_{t_{i-1}} in Algorithm 2 (their index is ours + 1)
 *   m0, m1      x0 at steps i and i-1                        x_theta(x~_{t_{i-1}}, t_{i-1}), x_theta(x~_{t_{i-2}}, t_{i-2})
 *   h           lambda_{i+1} - lambda_i                      h_i
 *   r0          (lambda_i - lambda_{i-1}) / h                r_i = h_{i-1} / h_i
 *   D           (1 + 1/(2 r0)) m0 - 1/(2 r0) m1              D_i
 *   prev        x_{t_{i+1}}                                  x~_{t_i}
 *
 * The update integrates the exact solution x_t = (sigma_t/sigma_s) x_s + sigma_t int e^lambda x_theta dlambda
 * (sec. 4.1) with x_theta linear in lambda through the last two data predictions. It is deterministic (no
 * rng, no eta). The first step has no history and is first order (DPM-Solver++(1) = DDIM with eta 0); the
 * last step lands on x0 (diffusers forces first order there when the final sigma is 0).
 */
import type { NoiseScheduleConfig } from './schedule.ts';
import { MultistepSchedulerBase, linearCombination } from './multistep.ts';
import type { SchedulerOptions, SchedulerStepOutput } from './scheduler.ts';

export type DPMSolverPP2MOptions = SchedulerOptions;

export class DPMSolverPP2MScheduler extends MultistepSchedulerBase {
  /** x0 of the previous step (m1), undefined at the first step of a trajectory. */
  private prevX0: Float32Array | undefined;

  constructor(schedule: Readonly<NoiseScheduleConfig>, options: DPMSolverPP2MOptions = {}) {
    super(schedule, options);
  }

  protected resetHistory(): void {
    this.prevX0 = undefined;
  }

  step(modelOutput: Float32Array, t: number, sample: Float32Array): SchedulerStepOutput {
    // 1. which step this is (order of calls checked), and the data prediction m0 = x_theta(x_i, t_i)
    const i = this.enterStep(modelOutput, t, sample);
    const m0 = this.dataPrediction(modelOutput, sample, i);
    const last = i === this.timesteps.length - 1;
    let prev: Float32Array;
    if (last) {
      // 2. last step, to sigma = 0 (h = inf): every update below tends to x0_i; return it exactly
      prev = Float32Array.from(m0);
    } else {
      const aNext = this.alphaAt[i + 1]!;
      const h = this.lambdaAt[i + 1]! - this.lambdaAt[i]!;
      const cx = this.sigmaAt[i + 1]! / this.sigmaAt[i]!;
      // 3. A = -alpha_{i+1} (e^{-h} - 1) = alpha_{i+1} (1 - e^{-h}) > 0, the weight of D in the update
      const A = -aNext * Math.expm1(-h);
      if (this.prevX0 === undefined) {
        // 4a. first order (DPM-Solver++(1), the DDIM step): x_{i+1} = (sigma_{i+1}/sigma_i) x_i + A m0
        prev = linearCombination([cx, A], [sample, m0]);
      } else {
        // 4b. second order (Algorithm 2): r0 = h_{i-1}/h_i, D = (1 + 1/(2 r0)) m0 - 1/(2 r0) m1,
        //     x_{i+1} = (sigma_{i+1}/sigma_i) x_i + A D
        const r0 = (this.lambdaAt[i]! - this.lambdaAt[i - 1]!) / h;
        const c0 = A * (1.0 + 0.5 / r0);
        const c1 = -A * (0.5 / r0);
        prev = linearCombination([cx, c0, c1], [sample, m0, this.prevX0]);
      }
    }
    // 5. keep m0 as the next step's m1
    this.prevX0 = m0;
    return { prevSample: prev, predOriginalSample: m0 };
  }
}
