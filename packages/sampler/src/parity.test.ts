/**
 * Full-loop parity with the Python reference sampler (models/training/sbldm/sampling.py): same seed,
 * same fake linear denoiser, same scheduler settings -> the same samples within 1e-4 (max abs).
 * Fixture: ../fixtures/sampler.json, regenerate with models/training/scripts/make_sampler_fixtures.py.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createScheduler } from './create.ts';
import { DDPMScheduler } from './ddpm.ts';
import { createRng } from './rng.ts';
import { sample } from './sample.ts';
import type { DiffusionScheduler } from './scheduler.ts';
import { type LoopCase, fakeDenoiser, loadFixture, maxAbsDiff } from './testing/fixtures.ts';

const fx = loadFixture();
const TOL = 1e-4;
const measured: [string, number][] = [];

function schedulerFor(c: LoopCase): DiffusionScheduler {
  const common = { timestepSpacing: c.timestepSpacing, stepsOffset: c.stepsOffset };
  if (c.scheduler === 'ddpm') return new DDPMScheduler(c.schedule, { ...common, varianceType: c.varianceType });
  if (c.scheduler === 'ddim') return createScheduler(c.schedule, { ...common, sampler: 'ddim', eta: c.eta, setAlphaToOne: c.setAlphaToOne });
  return createScheduler(c.schedule, { ...common, sampler: c.scheduler });
}

describe('full sampling loop parity with Python', () => {
  // the measured differences, for the README's parity line (printed once)
  afterAll(() => {
    if (measured.length > 0) console.log(`parity max |TS - Python| per loop: ${measured.map(([n, d]) => `${n} ${d.toExponential(1)}`).join(', ')}`);
  });

  it('covers DDIM eta 0 and eta 1 with 50 steps, guidance, per-subject streams, DDPM, both multistep solvers and the guidance interval', () => {
    const names = fx.loops.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'ddim_eta0_50',
        'ddim_eta1_50',
        'ddim_eta1_cfg_subjects',
        'ddpm_20',
        'dpmpp2m_leading_10',
        'dpmpp2m_trailing_cfg_subjects_15',
        'unipc_leading_10',
        'unipc_trailing_cfg_interval_20',
        'ddim_eta1_cfg_interval_25',
      ]),
    );
  });

  for (const c of fx.loops) {
    it(`${c.name}: max |TS - Python| <= ${TOL}`, async () => {
      const scheduler = schedulerFor(c);
      const root = createRng(c.seed);
      const rng = c.subjects === null ? root : c.subjects.map((s) => root.fork(s));
      const x0s: Float32Array[] = [];
      const out = await sample({
        scheduler,
        denoise: fakeDenoiser(scheduler.alphasCumprod),
        shape: c.shape,
        rng,
        numInferenceSteps: c.numInferenceSteps,
        ...(c.condition ? { condition: Float32Array.from(c.condition) } : {}),
        ...(c.nullCondition ? { nullCondition: Float32Array.from(c.nullCondition) } : {}),
        ...(c.guidanceScale !== null ? { guidanceScale: c.guidanceScale } : {}),
        ...(c.guidanceInterval ? { guidanceInterval: c.guidanceInterval } : {}),
        onStep: (p) => {
          if (p.stepIndex === 0) x0s.push(p.predOriginalSample);
        },
      });
      expect([...scheduler.timesteps]).toEqual(c.timesteps);
      expect(maxAbsDiff(x0s[0]!, c.firstPredOriginalSample)).toBeLessThanOrEqual(TOL);
      const d = maxAbsDiff(out, c.result);
      measured.push([c.name, d]);
      expect(d).toBeLessThanOrEqual(TOL);
    });
  }
});
