import { describe, expect, it } from 'vitest';
import { DDIMScheduler } from './ddim.ts';
import { SamplerError } from './errors.ts';
import { createRng } from './rng.ts';
import { SBLDM_SCHEDULE } from './schedule.ts';
import { loadFixture, maxAbsDiff } from './testing/fixtures.ts';

const fx = loadFixture();
const x = Float32Array.from(fx.stepInputs.sample);
const e = Float32Array.from(fx.stepInputs.modelOutput);

describe('DDIMScheduler', () => {
  it('step before setTimesteps is an error', () => {
    const s = new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0 });
    expect(() => s.step(e, 980, x)).toThrow(/step\(\) called before setTimesteps/);
    expect(() => s.timesteps).toThrow(SamplerError);
  });

  it('eta = 0 with the true noise walks x_t along the closed-form trajectory', () => {
    // x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) eps; with eta = 0 and the true eps, DDIM eq. 12 gives exactly
    // x_prev = sqrt(ab_prev) x0 + sqrt(1 - ab_prev) eps.
    const s = new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0 });
    s.setTimesteps(50);
    const ab = s.alphasCumprod;
    const x0 = createRng(1).normal(64);
    const eps = createRng(2).normal(64);
    const xt = new Float32Array(64);
    for (let i = 0; i < 64; i++) xt[i] = Math.sqrt(ab[500]!) * x0[i]! + Math.sqrt(1 - ab[500]!) * eps[i]!;
    const { prevSample, predOriginalSample } = s.step(eps, 500, xt);
    const want = x0.map((v, i) => Math.sqrt(ab[480]!) * v + Math.sqrt(1 - ab[480]!) * eps[i]!);
    expect(maxAbsDiff(prevSample, want)).toBeLessThan(1e-5);
    expect(maxAbsDiff(predOriginalSample, x0)).toBeLessThan(1e-5);
  });

  it('the last step lands on x0 when setAlphaToOne, and keeps sqrt(ab_0) scaling otherwise', () => {
    const x0 = createRng(3).normal(16);
    const eps = createRng(4).normal(16);
    const one = new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0 });
    one.setTimesteps(50);
    const ab0 = one.alphasCumprod[0]!;
    const xt = x0.map((v, i) => Math.sqrt(ab0) * v + Math.sqrt(1 - ab0) * eps[i]!);
    expect(maxAbsDiff(one.step(eps, 0, xt).prevSample, x0)).toBeLessThan(1e-6);
    const notOne = new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0, setAlphaToOne: false });
    notOne.setTimesteps(50);
    expect(notOne.finalAlphaCumprod).toBe(ab0);
    expect(maxAbsDiff(notOne.step(eps, 0, xt).prevSample, xt)).toBeLessThan(1e-6); // a_prev = a_t: no move
  });

  it('sigma_t at eta = 1 is the DDPM posterior std (eq. 16)', () => {
    const s = new DDIMScheduler(SBLDM_SCHEDULE, { eta: 1 });
    s.setTimesteps(1000);
    const ab = s.alphasCumprod;
    const zeros = new Float32Array(4096);
    // model output 0 and sample 0: prev = sigma_t * z, so its std is sigma_t
    const out = s.step(zeros, 700, zeros, createRng(8)).prevSample;
    const beta = 1 - ab[700]! / ab[699]!;
    const sigma = Math.sqrt(((1 - ab[699]!) / (1 - ab[700]!)) * beta);
    let v = 0;
    for (const z of out) v += z * z;
    expect(Math.sqrt(v / out.length) / sigma).toBeCloseTo(1, 1);
  });

  it('matches the Python single steps (golden numbers)', () => {
    for (const g of fx.steps.filter((q) => q.scheduler === 'ddim')) {
      const s = new DDIMScheduler(SBLDM_SCHEDULE, { eta: g.eta! });
      s.setTimesteps(g.numInferenceSteps);
      const res = s.step(e, g.t, x, createRng(g.noiseSeed));
      expect(maxAbsDiff(res.prevSample, g.prevSample)).toBeLessThan(1e-6);
      expect(maxAbsDiff(res.predOriginalSample, g.predOriginalSample)).toBeLessThan(1e-6);
    }
  });

  it('refuses bad arguments, naming the value and the limit', () => {
    expect(() => new DDIMScheduler(SBLDM_SCHEDULE, { eta: 1.5 })).toThrow(/eta = 1.5 must be in \[0, 1\]/);
    expect(() => new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0, clipSample: 0 })).toThrow(/clipSample = 0/);
    const s = new DDIMScheduler(SBLDM_SCHEDULE, { eta: 1 });
    s.setTimesteps(50);
    expect(() => s.step(e, 980, x)).toThrow(expect.objectContaining({ code: 'NOISE_REQUIRED' }));
    expect(() => s.step(e, 1000, x, createRng(0))).toThrow(/t = 1000 must be an integer in \[0, 999\]/);
    expect(() => s.step(e.subarray(1), 980, x, createRng(0))).toThrow(/modelOutput has 23 values but sample has 24/);
    expect(() => s.setTimesteps(0)).toThrow(SamplerError);
  });

  it('clips x0 when asked', () => {
    const s = new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0, clipSample: 1 });
    s.setTimesteps(50);
    const big = new Float32Array([50, -50, 0.5]);
    const out = s.step(new Float32Array(3), 980, big).predOriginalSample;
    expect([...out]).toEqual([1, -1, Math.fround(0.5 / Math.sqrt(s.alphasCumprod[980]!))].map((v) => Math.max(-1, Math.min(1, v))));
  });
});
