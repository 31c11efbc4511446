/**
 * Sampler settings of a cohort (Cohort.samplerSettings JSON) over the model's sampler_defaults.
 * Known keys: sampler, numInferenceSteps (alias steps), eta, guidanceScale, timestepSpacing, stepsOffset.
 * Other keys are kept in provenance but do not change sampling.
 */
import { z } from 'zod';
import type { ModelMetadata } from '@slicewise/models';

export interface SamplerSettings {
  sampler: 'ddim' | 'ddpm';
  numInferenceSteps: number;
  eta: number;
  guidanceScale: number;
  timestepSpacing: 'leading' | 'trailing';
  stepsOffset: number;
  setAlphaToOne: boolean;
}

const overrides = z
  .object({
    sampler: z.enum(['ddim', 'ddpm']).optional(),
    numInferenceSteps: z.number().int().min(1).max(1000).optional(),
    steps: z.number().int().min(1).max(1000).optional(),
    eta: z.number().min(0).max(1).optional(),
    guidanceScale: z.number().min(0).max(50).optional(),
    timestepSpacing: z.enum(['leading', 'trailing']).optional(),
    stepsOffset: z.number().int().min(0).max(10).optional(),
  })
  .passthrough();

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

export function resolveSamplerSettings(meta: ModelMetadata, raw: unknown): SamplerSettings {
  const r = overrides.safeParse(raw ?? {});
  if (!r.success) {
    throw new SettingsError(
      `cohort samplerSettings invalid: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')} (got ${JSON.stringify(raw)})`,
    );
  }
  const o = r.data;
  if (o.steps !== undefined && o.numInferenceSteps !== undefined && o.steps !== o.numInferenceSteps) {
    throw new SettingsError(`cohort samplerSettings has steps = ${o.steps} and numInferenceSteps = ${o.numInferenceSteps}: give one`);
  }
  const d = meta.sampler_defaults;
  const s: SamplerSettings = {
    sampler: o.sampler ?? d.sampler,
    numInferenceSteps: o.numInferenceSteps ?? o.steps ?? d.num_inference_steps,
    eta: o.eta ?? d.eta,
    guidanceScale: o.guidanceScale ?? d.guidance_scale,
    timestepSpacing: o.timestepSpacing ?? d.timestep_spacing,
    stepsOffset: o.stepsOffset ?? d.steps_offset,
    setAlphaToOne: d.set_alpha_to_one,
  };
  if (s.numInferenceSteps > meta.schedule.num_train_timesteps) {
    throw new SettingsError(`numInferenceSteps = ${s.numInferenceSteps} exceeds the model's num_train_timesteps = ${meta.schedule.num_train_timesteps}`);
  }
  return s;
}
