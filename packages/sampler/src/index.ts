export { SamplerError, SamplingCancelled, type SamplerErrorCode } from './errors.ts';
export { createRng, drawNoise, philox4x32_10, PhiloxNormalRng, type GaussianRng, type NoiseSource } from './rng.ts';
export {
  SBLDM_SCHEDULE,
  makeAlphasCumprod,
  makeBetas,
  makeTimesteps,
  validateSchedule,
  type BetaSchedule,
  type NoiseScheduleConfig,
  type PredictionType,
  type TimestepSpacing,
} from './schedule.ts';
export { SchedulerBase, type DiffusionScheduler, type SchedulerOptions, type SchedulerStepOutput } from './scheduler.ts';
export { DDIMScheduler, type DDIMOptions } from './ddim.ts';
export { DDPMScheduler, type DDPMOptions, type DDPMVarianceType } from './ddpm.ts';
export { MultistepSchedulerBase } from './multistep.ts';
export { DPMSolverPP2MScheduler, type DPMSolverPP2MOptions } from './dpmpp2m.ts';
export { UniPCScheduler, type UniPCOptions } from './unipc.ts';
export { SAMPLER_NAMES, createScheduler, type SamplerName, type SchedulerSettings } from './create.ts';
export {
  checkGuidanceInterval,
  denoiserCallPlan,
  guidanceActiveAt,
  sample,
  type DenoiseInput,
  type Denoiser,
  type GuidanceInterval,
  type SampleOptions,
  type SampleProgress,
  type TensorShape,
} from './sample.ts';
