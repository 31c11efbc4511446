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
  /** DDIM only (required there); the other samplers accept only undefined or 0. */
  eta?: number;
  /** DDIM only (default true); the multistep solvers always end at sigma = 0, so only undefined or true. */
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
  if (s.eta !== undefined && s.eta !== 0) {
    throw new SamplerError(
      'INVALID_CONFIG',
      `eta = ${s.eta} with sampler '${s.sampler}': eta is DDIM's stochasticity; '${s.sampler}' ${s.sampler === 'ddpm' ? 'always samples the DDPM posterior' : 'is a deterministic ODE solver'}, so eta must be 0 or absent`,
    );
  }
  if (s.sampler === 'ddpm') {
    if (s.setAlphaToOne === false) {
      throw new SamplerError('INVALID_CONFIG', "setAlphaToOne = false with sampler 'ddpm': DDPM always ends at alpha_bar = 1; only DDIM has this option");
    }
    return new DDPMScheduler(schedule, common);
  }
  if (s.setAlphaToOne === false) {
    throw new SamplerError(
      'INVALID_CONFIG',
      `setAlphaToOne = false with sampler '${s.sampler}': the multistep solvers always end at sigma = 0 (the data prediction); only DDIM has this option`,
    );
  }
  return s.sampler === 'dpmpp_2m' ? new DPMSolverPP2MScheduler(schedule, common) : new UniPCScheduler(schedule, common);
}
