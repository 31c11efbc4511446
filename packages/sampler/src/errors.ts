/** Why a sampler call was refused. One code per kind of mistake, so callers can map them exhaustively. */
export type SamplerErrorCode =
  | 'INVALID_CONFIG' // a schedule / scheduler option is out of range
  | 'INVALID_ARGUMENT' // a call argument is out of range or has the wrong length
  | 'TIMESTEPS_NOT_SET' // step() or timesteps before setTimesteps(n)
  | 'NOISE_REQUIRED' // a stochastic step was called without an rng
  | 'DENOISER_OUTPUT'; // the injected denoiser returned the wrong length / non-finite values

export class SamplerError extends Error {
  override readonly name = 'SamplerError';
  constructor(
    readonly code: SamplerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by `sample()` when its AbortSignal fires; `completedSteps` steps had finished. */
export class SamplingCancelled extends Error {
  override readonly name = 'SamplingCancelled';
  constructor(
    readonly completedSteps: number,
    readonly totalSteps: number,
    readonly reason?: unknown,
  ) {
    super(`sampling cancelled after ${completedSteps} of ${totalSteps} steps`);
  }
}
