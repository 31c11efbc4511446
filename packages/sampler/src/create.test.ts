import { describe, expect, it } from 'vitest';
import { SAMPLER_NAMES, createScheduler } from './create.ts';
import { DDIMScheduler } from './ddim.ts';
import { DDPMScheduler } from './ddpm.ts';
import { DPMSolverPP2MScheduler } from './dpmpp2m.ts';
import { SBLDM_SCHEDULE } from './schedule.ts';
import { UniPCScheduler } from './unipc.ts';

describe('createScheduler', () => {
  it('maps every sampler name of the settings contract to its scheduler, with spacing and offset', () => {
    expect(SAMPLER_NAMES).toEqual(['ddim', 'ddpm', 'dpmpp_2m', 'unipc']);
    const d = createScheduler(SBLDM_SCHEDULE, { sampler: 'ddim', eta: 0.5, setAlphaToOne: false, timestepSpacing: 'trailing' });
    expect(d).toBeInstanceOf(DDIMScheduler);
    expect((d as DDIMScheduler).eta).toBe(0.5);
    expect((d as DDIMScheduler).finalAlphaCumprod).toBe(d.alphasCumprod[0]);
    expect(createScheduler(SBLDM_SCHEDULE, { sampler: 'ddpm', eta: 0 })).toBeInstanceOf(DDPMScheduler);
    const p = createScheduler(SBLDM_SCHEDULE, { sampler: 'dpmpp_2m', eta: 0, setAlphaToOne: true, stepsOffset: 1 });
    expect(p).toBeInstanceOf(DPMSolverPP2MScheduler);
    p.setTimesteps(10);
    expect(p.timesteps[9]).toBe(1);
    const u = createScheduler(SBLDM_SCHEDULE, { sampler: 'unipc', timestepSpacing: 'trailing' });
    expect(u).toBeInstanceOf(UniPCScheduler);
    u.setTimesteps(4);
    expect([...u.timesteps]).toEqual([999, 749, 499, 249]);
  });

  it('ignores DDIM-only options for the other samplers (the contract stores them for every sampler)', async () => {
    const { sample } = await import('./sample.ts');
    const { createRng } = await import('./rng.ts');
    const { fakeDenoiser } = await import('./testing/fixtures.ts');
    for (const sampler of ['ddpm', 'dpmpp_2m', 'unipc'] as const) {
      const run = (extra: object) => {
        const s = createScheduler(SBLDM_SCHEDULE, { sampler, ...extra });
        return sample({ scheduler: s, shape: [1, 1, 2, 2, 2], rng: createRng(2), numInferenceSteps: 6, denoise: fakeDenoiser(s.alphasCumprod) });
      };
      expect([...(await run({ eta: 1, setAlphaToOne: false }))]).toEqual([...(await run({}))]);
    }
  });

  it('refuses unknown names and out-of-range DDIM options, naming the value and why', () => {
    expect(() => createScheduler(SBLDM_SCHEDULE, { sampler: 'euler' as 'ddim' })).toThrow(/sampler = 'euler'; allowed: 'ddim', 'ddpm', 'dpmpp_2m', 'unipc'/);
    expect(() => createScheduler(SBLDM_SCHEDULE, { sampler: 'ddim' })).toThrow(/needs eta/);
    expect(() => createScheduler(SBLDM_SCHEDULE, { sampler: 'ddim', eta: 1.5 })).toThrow(/eta = 1.5 must be in \[0, 1\]/);
    expect(() => createScheduler(SBLDM_SCHEDULE, { sampler: 'dpmpp_2m', timestepSpacing: 'linspace' as 'leading' })).toThrow(
      /timestepSpacing = 'linspace'; allowed: 'leading', 'trailing'/,
    );
  });
});
