/** Test helpers: the parity fixture written by models/training/scripts/make_sampler_fixtures.py. */
import { readFileSync } from 'node:fs';
import type { Denoiser } from '../sample.ts';
import type { NoiseScheduleConfig } from '../schedule.ts';

export interface LoopCase {
  name: string;
  scheduler: 'ddim' | 'ddpm' | 'dpmpp_2m' | 'unipc';
  schedule: NoiseScheduleConfig;
  shape: number[];
  numInferenceSteps: number;
  seed: number;
  subjects: number[] | null;
  eta: number;
  setAlphaToOne: boolean;
  varianceType: 'fixed_small' | 'fixed_large';
  timestepSpacing: 'leading' | 'trailing';
  stepsOffset: number;
  condition: number[] | null;
  nullCondition: number[] | null;
  guidanceScale: number | null;
  guidanceInterval: [number, number] | null;
  timesteps: number[];
  firstPredOriginalSample: number[];
  result: number[];
}

export interface SamplerFixture {
  philoxKat: { counter: number[]; key: number[]; output: number[] }[];
  streams: { seed: number; fork: number | null; key: number[]; words: number[]; normal64: number[] }[];
  schedules: { schedule: NoiseScheduleConfig; index: number[]; betas: number[]; alphasCumprod: number[] }[];
  stepInputs: { sample: number[]; modelOutput: number[] };
  steps: {
    scheduler: 'ddim' | 'ddpm';
    eta: number | null;
    varianceType: 'fixed_small' | 'fixed_large' | null;
    t: number;
    numInferenceSteps: number;
    noiseSeed: number;
    prevSample: number[];
    predOriginalSample: number[];
  }[];
  loops: LoopCase[];
}

export function loadFixture(): SamplerFixture {
  const url = new URL('../../fixtures/sampler.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as SamplerFixture;
}

/**
 * The fake model shared with Python: eps = sqrt(1 - ab_t) / (1 - ab_t + 0.25 ab_t) * x + 0.3 * cond[b, j % K].
 * Without a condition it is the exact eps-predictor for data x0 ~ N(0, 0.5^2 I).
 */
export function fakeDenoiser(alphasCumprod: Float64Array): Denoiser {
  return ({ xt, shape, t, condition }) => {
    const B = shape[0]!;
    const per = xt.length / B;
    const ab = alphasCumprod[t]!;
    const a = Math.sqrt(1.0 - ab) / (1.0 - ab + 0.25 * ab);
    const out = new Float32Array(xt.length);
    const K = condition === undefined ? 0 : condition.length / B;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < per; j++) {
        const i = b * per + j;
        out[i] = condition === undefined ? a * xt[i]! : a * xt[i]! + 0.3 * condition[b * K + (j % K)]!;
      }
    }
    return out;
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * A smooth nonlinear test model (not a denoiser of any data): out = tanh(x) * sqrt(1 - ab_t) + 0.1 sin(t / 50)
 * for every prediction type. Exercises the solvers' algebra where the linear fake model would not.
 */
export function nonlinearModel(alphasCumprod: Float64Array, _type: string): (x: ArrayLike<number>, t: number) => Float32Array {
  return (x, t) => {
    const s = Math.sqrt(1 - alphasCumprod[t]!);
    const out = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) out[k] = Math.tanh(x[k]!) * s + 0.1 * Math.sin(t / 50 + k);
    return out;
  };
}

/**
 * Max |x0 - exact| of a deterministic scheduler on the fake model without condition, the exact
 * E[eps | x_t] of data x0 ~ N(0, 0.5^2): the probability-flow ODE then scales x by g(t) = sqrt(ab_t/4 + 1 - ab_t),
 * so from x at the first timestep t0 the exact result at the last call t_l is E[x0 | x_{t_l}] =
 * sqrt(ab_l) / 4 / g(t_l)^2 * x g(t_l) / g(t0). Shape [1, 1, 4, 4, 4], seed 1.
 */
export async function gaussianOdeError(
  scheduler: import('../scheduler.ts').DiffusionScheduler,
  numInferenceSteps: number,
): Promise<number> {
  const { sample } = await import('../sample.ts');
  const { createRng } = await import('../rng.ts');
  const ab = scheduler.alphasCumprod;
  const out = await sample({ scheduler, shape: [1, 1, 4, 4, 4], rng: createRng(1), numInferenceSteps, denoise: fakeDenoiser(ab) });
  const ts = scheduler.timesteps;
  const t0 = ts[0]!;
  const tl = ts[ts.length - 1]!;
  const g = (t: number) => Math.sqrt(ab[t]! * 0.25 + 1 - ab[t]!);
  const xT = createRng(1).normal(64);
  let err = 0;
  for (let k = 0; k < 64; k++) {
    const want = ((Math.sqrt(ab[tl]!) * 0.25) / g(tl) ** 2) * ((xT[k]! * g(tl)) / g(t0));
    err = Math.max(err, Math.abs(out[k]! - want));
  }
  return err;
}
