import { describe, expect, it } from 'vitest';
import { SamplerError } from './errors.ts';
import { SBLDM_SCHEDULE, makeAlphasCumprod, makeBetas, makeTimesteps } from './schedule.ts';
import { loadFixture } from './testing/fixtures.ts';

const fx = loadFixture();

describe('noise schedule', () => {
  it('scaled_linear betas: closed form at the ends and the middle', () => {
    const betas = makeBetas(SBLDM_SCHEDULE);
    expect(betas.length).toBe(1000);
    expect(betas[0]).toBeCloseTo(0.002, 17);
    expect(betas[999]).toBeCloseTo(0.02, 17);
    // beta_t = (sqrt(b0) + t/(T-1) (sqrt(b1) - sqrt(b0)))^2
    const r = Math.sqrt(0.002) + (500 / 999) * (Math.sqrt(0.02) - Math.sqrt(0.002));
    expect(betas[500]).toBeCloseTo(r * r, 16);
  });

  it('alpha_bar: first values by hand, all values equal to numpy', () => {
    const ab = makeAlphasCumprod(SBLDM_SCHEDULE);
    expect(ab[0]).toBeCloseTo(0.998, 16);
    expect(ab[1]).toBeCloseTo(0.998 * (1 - makeBetas(SBLDM_SCHEDULE)[1]!), 16);
    // alpha_bar_T-1 ~ 7.47e-5 for this schedule: the last timestep is almost pure noise
    expect(ab[999]).toBeGreaterThan(7.4e-5);
    expect(ab[999]).toBeLessThan(7.5e-5);
    for (const s of fx.schedules) {
      const betas = makeBetas(s.schedule);
      const abar = makeAlphasCumprod(s.schedule);
      s.index.forEach((t, k) => {
        expect(betas[t]).toBe(s.betas[k]); // same float64 operations -> bit-identical
        expect(Math.abs(abar[t]! - s.alphasCumprod[k]!) / s.alphasCumprod[k]!).toBeLessThan(1e-14);
      });
    }
  });

  it('linear betas', () => {
    const b = makeBetas({ ...SBLDM_SCHEDULE, betaSchedule: 'linear', betaStart: 1e-4, betaEnd: 0.02 });
    expect(b[0]).toBe(1e-4);
    expect(b[999]).toBe(0.02);
    expect(b[1]! - b[0]!).toBeCloseTo((0.02 - 1e-4) / 999, 15);
  });

  it('rejects invalid schedules with the value and the allowed range', () => {
    expect(() => makeBetas({ ...SBLDM_SCHEDULE, betaEnd: 1.5 })).toThrow(/betaEnd = 1.5: need 0 < betaStart <= betaEnd < 1/);
    expect(() => makeBetas({ ...SBLDM_SCHEDULE, numTrainTimesteps: 0 })).toThrow(SamplerError);
    expect(() => makeBetas({ ...SBLDM_SCHEDULE, betaSchedule: 'cosine' as never })).toThrow(/allowed: 'scaled_linear', 'linear'/);
  });
});

describe('timesteps', () => {
  it("'leading' spacing matches diffusers for T = 1000", () => {
    const t50 = makeTimesteps(1000, 50, 'leading', 0);
    expect(t50.length).toBe(50);
    expect(t50[0]).toBe(980);
    expect(t50[49]).toBe(0);
    expect(t50.slice(0, 3)).toEqual([980, 960, 940]);
    expect(makeTimesteps(1000, 7, 'leading', 0)).toEqual([852, 710, 568, 426, 284, 142, 0]);
    const t1000 = makeTimesteps(1000, 1000, 'leading', 0);
    expect([t1000[0], t1000[999]]).toEqual([999, 0]);
    expect(makeTimesteps(1000, 50, 'leading', 1).slice(0, 2)).toEqual([981, 961]);
  });

  it("'trailing' spacing starts at T-1 (numpy half-to-even rounding)", () => {
    const t = makeTimesteps(1000, 50, 'trailing', 0);
    expect([t[0], t[1], t[49]]).toEqual([999, 979, 19]);
    // arange(1000, 0, -333.33) = [1000, 666.67, 333.33] -> round -> -1
    expect(makeTimesteps(1000, 3, 'trailing', 0)).toEqual([999, 666, 332]);
  });

  it('equal the Python timesteps of every fixture loop', () => {
    for (const c of fx.loops) {
      expect(makeTimesteps(c.schedule.numTrainTimesteps, c.numInferenceSteps, c.timestepSpacing, c.stepsOffset)).toEqual(c.timesteps);
    }
  });

  it('rejects step counts outside [1, T]', () => {
    expect(() => makeTimesteps(1000, 0, 'leading', 0)).toThrow(/numInferenceSteps = 0 must be an integer in \[1, 1000\]/);
    expect(() => makeTimesteps(1000, 1001, 'leading', 0)).toThrow(SamplerError);
    expect(() => makeTimesteps(1000, 2.5, 'leading', 0)).toThrow(SamplerError);
    expect(() => makeTimesteps(1000, 1000, 'leading', 1)).toThrow(/stepsOffset = 1 puts timesteps outside/);
  });
});
