import { describe, expect, it } from 'vitest';
import { DDIMScheduler } from './ddim.ts';
import { DPMSolverPP2MScheduler } from './dpmpp2m.ts';
import { SamplerError } from './errors.ts';
import { createRng } from './rng.ts';
import { sample } from './sample.ts';
import { type NoiseScheduleConfig, SBLDM_SCHEDULE, type TimestepSpacing } from './schedule.ts';
import { fakeDenoiser, gaussianOdeError, maxAbsDiff, nonlinearModel } from './testing/fixtures.ts';
import { dpmUpdate, refGrid, toX0 } from './testing/reference-solvers.ts';
import { UniPCScheduler } from './unipc.ts';

describe('DPMSolverPP2MScheduler', () => {
  it('step or timesteps before setTimesteps is an error', () => {
    const s = new DPMSolverPP2MScheduler(SBLDM_SCHEDULE);
    expect(() => s.step(new Float32Array(4), 980, new Float32Array(4))).toThrow(SamplerError);
    expect(() => s.timesteps).toThrow(/setTimesteps/);
  });

  it('the first step (no history) is the DDIM eta 0 step to the next timestep', () => {
    const x = createRng(1).normal(32);
    const e = createRng(2).normal(32);
    for (const spacing of ['leading', 'trailing'] as const) {
      const d = new DPMSolverPP2MScheduler(SBLDM_SCHEDULE, { timestepSpacing: spacing });
      const ddim = new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0, timestepSpacing: spacing });
      d.setTimesteps(20);
      ddim.setTimesteps(20); // T/n = 50 exactly: DDIM's t - 50 is the next timestep for both spacings
      const t = d.timesteps[0]!;
      const a = d.step(e, t, x);
      const b = ddim.step(e, t, x);
      expect(maxAbsDiff(a.prevSample, b.prevSample)).toBeLessThan(2e-6);
      expect(maxAbsDiff(a.predOriginalSample, b.predOriginalSample)).toBeLessThan(1e-6);
    }
  });

  const schedules: [string, NoiseScheduleConfig, TimestepSpacing, number][] = [
    ['epsilon, leading, 10 steps', SBLDM_SCHEDULE, 'leading', 10],
    ['epsilon, trailing, 15 steps', SBLDM_SCHEDULE, 'trailing', 15],
    ['v_prediction, trailing, 8 steps', { ...SBLDM_SCHEDULE, predictionType: 'v_prediction' }, 'trailing', 8],
    ['sample, leading, 7 steps', { ...SBLDM_SCHEDULE, predictionType: 'sample' }, 'leading', 7],
  ];
  for (const [name, schedule, spacing, n] of schedules) {
    it(`every step of a trajectory equals Algorithm 2 written in the midpoint form (${name})`, () => {
      const s = new DPMSolverPP2MScheduler(schedule, { timestepSpacing: spacing });
      s.setTimesteps(n);
      const g = refGrid(s.alphasCumprod, s.timesteps);
      const model = nonlinearModel(s.alphasCumprod, schedule.predictionType);
      let x = createRng(5).normal(40);
      let m1: number[] | undefined;
      let worst = 0;
      s.timesteps.forEach((t, i) => {
        const out = model(x, t);
        const r = s.step(out, t, x);
        // reference from the same float32 inputs: x0 in float64, then the update
        const m0 = toX0(schedule.predictionType, out, [...x], g.alpha[i]!, g.sigma[i]!);
        const ref = i === n - 1 ? m0 : dpmUpdate(g, i, [...x], m0, m1);
        worst = Math.max(worst, maxAbsDiff(r.prevSample, ref) / Math.max(1, ...ref.map(Math.abs)));
        m1 = [...r.predOriginalSample];
        x = r.prevSample;
      });
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it('the last step returns the x0 prediction exactly (final sigma 0)', () => {
    const s = new DPMSolverPP2MScheduler(SBLDM_SCHEDULE);
    s.setTimesteps(4);
    const model = nonlinearModel(s.alphasCumprod, 'epsilon');
    let x = createRng(9).normal(16);
    let last = { prevSample: x, predOriginalSample: x };
    for (const t of s.timesteps) {
      last = s.step(model(x, t), t, x);
      x = last.prevSample;
    }
    expect([...last.prevSample]).toEqual([...last.predOriginalSample]);
  });

  it('is second order where DDIM is first: 4x+ closer to the exact ODE solution (Gaussian data)', async () => {
    for (const n of [10, 20]) {
      const eDdim = await gaussianOdeError(new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0, timestepSpacing: 'trailing' }), n);
      const eDpm = await gaussianOdeError(new DPMSolverPP2MScheduler(SBLDM_SCHEDULE, { timestepSpacing: 'trailing' }), n);
      expect(eDpm).toBeLessThan(eDdim / 4);
    }
    // and 20 steps are more accurate than 10 (convergence)
    const e10 = await gaussianOdeError(new DPMSolverPP2MScheduler(SBLDM_SCHEDULE, { timestepSpacing: 'trailing' }), 10);
    const e20 = await gaussianOdeError(new DPMSolverPP2MScheduler(SBLDM_SCHEDULE, { timestepSpacing: 'trailing' }), 20);
    expect(e20).toBeLessThan(e10 / 3);
  });

  it('refuses steps out of order, a changed tensor length, and restarts at the first timestep', () => {
    for (const s of [new DPMSolverPP2MScheduler(SBLDM_SCHEDULE), new UniPCScheduler(SBLDM_SCHEDULE)]) {
      s.setTimesteps(10); // 900, 800, ..., 0
      const x = createRng(1).normal(8);
      expect(() => s.step(x, 800, x)).toThrow(/got t = 800 but expected t = 900 \(step 1 of 10\)/);
      const a = s.step(x, 900, x);
      expect(() => s.step(x, 700, x)).toThrow(/expected t = 800 \(step 2 of 10\).*follow scheduler.timesteps in order/);
      expect(() => s.step(new Float32Array(4), 800, new Float32Array(4))).toThrow(/sample has 4 values but this trajectory started with 8/);
      // t = 900 again starts a new trajectory and reproduces the first step
      const again = s.step(x, 900, x);
      expect([...again.prevSample]).toEqual([...a.prevSample]);
      let y = again.prevSample;
      for (const t of s.timesteps.slice(1)) y = s.step(y, t, y).prevSample;
      expect(() => s.step(y, 0, y)).toThrow(/trajectory is finished \(restart with t = 900\)/);
      expect(() => s.step(x, 1000, x)).toThrow(/must be an integer in \[0, 999\]/);
    }
  });

  it('one step goes straight to the x0 prediction; sample() runs it with guidance', async () => {
    const s = new DPMSolverPP2MScheduler(SBLDM_SCHEDULE);
    const out = await sample({ scheduler: s, shape: [1, 1, 2, 2, 2], rng: createRng(3), numInferenceSteps: 1, denoise: fakeDenoiser(s.alphasCumprod) });
    // t = 0 (leading, n = 1): x0 = (x - sqrt(1 - ab0) c_0 x) / sqrt(ab0) for the linear fake model
    const ab = s.alphasCumprod[0]!;
    const c = Math.sqrt(1 - ab) / (1 - ab + 0.25 * ab);
    const want = createRng(3).normal(8).map((v) => ((1 - Math.sqrt(1 - ab) * c) * v) / Math.sqrt(ab));
    expect(maxAbsDiff(out, want)).toBeLessThan(1e-6);
  });
});
