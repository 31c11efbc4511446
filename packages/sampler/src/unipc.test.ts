import { describe, expect, it } from 'vitest';
import { DDIMScheduler } from './ddim.ts';
import { DPMSolverPP2MScheduler } from './dpmpp2m.ts';
import { createRng } from './rng.ts';
import { type NoiseScheduleConfig, SBLDM_SCHEDULE, type TimestepSpacing } from './schedule.ts';
import { gaussianOdeError, maxAbsDiff, nonlinearModel } from './testing/fixtures.ts';
import { refGrid, toX0, uniUpdate } from './testing/reference-solvers.ts';
import { UniPCScheduler } from './unipc.ts';

describe('UniPCScheduler', () => {
  it('the first step (no history, no corrector) equals DDIM eta 0 and DPM-Solver++(2M)', () => {
    const x = createRng(1).normal(32);
    const e = createRng(2).normal(32);
    const u = new UniPCScheduler(SBLDM_SCHEDULE);
    const d = new DPMSolverPP2MScheduler(SBLDM_SCHEDULE);
    const ddim = new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0 });
    for (const s of [u, d, ddim]) s.setTimesteps(25);
    const a = u.step(e, 960, x).prevSample;
    expect(maxAbsDiff(a, d.step(e, 960, x).prevSample)).toBeLessThan(1e-6);
    expect(maxAbsDiff(a, ddim.step(e, 960, x).prevSample)).toBeLessThan(2e-6);
  });

  it('from the second step on, the corrector makes it differ from DPM-Solver++(2M) on the same inputs', () => {
    const u = new UniPCScheduler(SBLDM_SCHEDULE);
    const d = new DPMSolverPP2MScheduler(SBLDM_SCHEDULE);
    u.setTimesteps(10);
    d.setTimesteps(10);
    const model = nonlinearModel(u.alphasCumprod, 'epsilon');
    const x = createRng(3).normal(16);
    const x1u = u.step(model(x, 900), 900, x).prevSample;
    const x1d = d.step(model(x, 900), 900, x).prevSample;
    expect([...x1u]).toEqual([...x1d]);
    const e1 = model(x1u, 800);
    expect(maxAbsDiff(u.step(e1, 800, x1u).prevSample, d.step(e1, 800, x1d).prevSample)).toBeGreaterThan(1e-3);
  });

  const cases: [string, NoiseScheduleConfig, TimestepSpacing, number][] = [
    ['epsilon, leading, 10 steps', SBLDM_SCHEDULE, 'leading', 10],
    ['epsilon, trailing, 15 steps', SBLDM_SCHEDULE, 'trailing', 15],
    ['v_prediction, trailing, 8 steps', { ...SBLDM_SCHEDULE, predictionType: 'v_prediction' }, 'trailing', 8],
    ['sample, leading, 3 steps', { ...SBLDM_SCHEDULE, predictionType: 'sample' }, 'leading', 3],
  ];
  for (const [name, schedule, spacing, n] of cases) {
    it(`every step equals UniP/UniC in the general form with the R-matrix solve (${name})`, () => {
      const s = new UniPCScheduler(schedule, { timestepSpacing: spacing });
      s.setTimesteps(n);
      const g = refGrid(s.alphasCumprod, s.timesteps);
      const model = nonlinearModel(s.alphasCumprod, schedule.predictionType);
      let x = createRng(5).normal(40);
      const ms: number[][] = []; // newest first
      let lastSample: number[] | undefined;
      let lastOrder = 0;
      let worst = 0;
      s.timesteps.forEach((t, i) => {
        const out = model(x, t);
        const r = s.step(out, t, x);
        // reference: diffusers' order schedule (warm-up, lower order at the end) with general-order updates
        const mi = toX0(schedule.predictionType, out, [...x], g.alpha[i]!, g.sigma[i]!);
        const xc = i > 0 ? uniUpdate(g, i - 1, i, lastSample!, ms, lastOrder, mi) : [...x];
        ms.unshift(mi);
        const order = Math.min(2, n - i, i + 1);
        const ref = i === n - 1 ? mi : uniUpdate(g, i, i + 1, xc, ms, order);
        worst = Math.max(worst, maxAbsDiff(r.prevSample, ref) / Math.max(1, ...ref.map(Math.abs)));
        ms[0] = [...r.predOriginalSample];
        lastSample = xc;
        lastOrder = order;
        x = r.prevSample;
      });
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it('is closer to the exact ODE solution than DPM-Solver++(2M) and DDIM (Gaussian data)', async () => {
    for (const n of [10, 20]) {
      const eU = await gaussianOdeError(new UniPCScheduler(SBLDM_SCHEDULE, { timestepSpacing: 'trailing' }), n);
      const eD = await gaussianOdeError(new DPMSolverPP2MScheduler(SBLDM_SCHEDULE, { timestepSpacing: 'trailing' }), n);
      const eDdim = await gaussianOdeError(new DDIMScheduler(SBLDM_SCHEDULE, { eta: 0, timestepSpacing: 'trailing' }), n);
      expect(eU).toBeLessThan(eD / 1.5);
      expect(eU).toBeLessThan(eDdim / 8);
    }
  });
});
