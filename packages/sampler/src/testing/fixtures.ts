/** Test helpers: the parity fixture written by models/training/scripts/make_sampler_fixtures.py. */
import { readFileSync } from 'node:fs';
import type { Denoiser } from '../sample.ts';
import type { NoiseScheduleConfig } from '../schedule.ts';

export interface LoopCase {
  name: string;
  scheduler: 'ddim' | 'ddpm';
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
