/**
 * One place that turns sampler settings (the cohort / metadata names of the sampler contract) into a
 * scheduler, so the worker does not branch on sampler names itself.
 */
import { DDIMScheduler } from './ddim.ts';
import { DDPMScheduler } from './ddpm.ts';
import { DPMSolverPP2MScheduler } from './dpmpp2m.ts';
import { SamplerError } from './errors.ts';
import type { NoiseScheduleConfig, TimestepSpacing } from './schedule.ts';
import type { DiffusionScheduler } from './scheduler.ts';
import { UniPCScheduler } from './unipc.ts';

/** Metadata / cohort names: 'dpmpp_2m' = DPM-Solver++(2M), 'unipc' = UniPC (order 2, bh2). */
export type SamplerName = 'ddim' | 'ddpm' | 'dpmpp_2m' | 'unipc';
export const SAMPLER_NAMES: readonly SamplerName[] = Object.freeze(['ddim', 'ddpm', 'dpmpp_2m', 'unipc']);

export interface SchedulerSettings {
  sampler: SamplerName;
  timestepSpacing?: TimestepSpacing;
  stepsOffset?: number;
  /** DDIM's stochasticity (required for 'ddim'); ignored by the other samplers, as the settings contract says. */
  eta?: number;
  /** DDIM only (default true); ignored by the others: DDPM and the multistep solvers always end at clean data. */
  setAlphaToOne?: boolean;
}

export function createScheduler(schedule: Readonly<NoiseScheduleConfig>, s: SchedulerSettings): DiffusionScheduler {
  const common = {
    ...(s.timestepSpacing !== undefined ? { timestepSpacing: s.timestepSpacing } : {}),
    ...(s.stepsOffset !== undefined ? { stepsOffset: s.stepsOffset } : {}),
  };
  if (!SAMPLER_NAMES.includes(s.sampler)) {
    throw new SamplerError('INVALID_CONFIG', `sampler = '${String(s.sampler)}'; allowed: ${SAMPLER_NAMES.map((n) => `'${n}'`).join(', ')}`);
  }
  if (s.sampler === 'ddim') {
    if (s.eta === undefined) {
      throw new SamplerError('INVALID_CONFIG', "sampler 'ddim' needs eta in [0, 1] (0: deterministic DDIM, 1: DDPM posterior variance)");
    }
    return new DDIMScheduler(schedule, { ...common, eta: s.eta, ...(s.setAlphaToOne !== undefined ? { setAlphaToOne: s.setAlphaToOne } : {}) });
  }
  // eta and setAlphaToOne belong to DDIM; the contract (packages/models sampler-settings) stores them for every
  // sampler and documents them as ignored by the others.
  if (s.sampler === 'ddpm') return new DDPMScheduler(schedule, common);
  return s.sampler === 'dpmpp_2m' ? new DPMSolverPP2MScheduler(schedule, common) : new UniPCScheduler(schedule, common);
}
