/**
 * How long one volume takes, as the model declares it: the starting point of every time estimate (the
 * API corrects it with what this deployment's workers measured). Read from metadata.json `throughput`
 * (optional); models without it fall back, in this order, to the model card's sampling measurement
 * (`metrics.sampling.wall_s_per_volume`, PyTorch) and then to a fixed default, and the basis says which.
 *
 * Cost model: a volume costs a fixed part (decode, encode, file I/O) plus one unit per denoiser ROW
 * evaluation (steps x rows, where rows = 2 with classifier-free guidance: conditional + null), so
 *   seconds(steps, rows) = fixed + (seconds_per_volume - fixed) * (steps * rows) / (ref_steps * ref_rows).
 */
import type { SamplerSettings } from './sampler-settings.ts';

/** metadata.json `throughput` (snake_case, like the rest of the contract). */
export interface ThroughputJson {
  /** Wall seconds per volume in the worker, measured with `measured_with`. */
  seconds_per_volume: number;
  /** The part of it that does not scale with denoiser calls (decoder, files); default 0. */
  fixed_seconds_per_volume?: number;
  measured_with: { num_inference_steps: number; denoiser_rows_per_step: 1 | 2 };
  intra_op_threads?: number;
  execution_provider?: string;
  hardware?: string;
  /** Where the number comes from (a benchmark command, a report). */
  source?: string;
}

/** The parts of a model's metadata this reads. */
export interface ThroughputModel {
  throughput?: unknown;
  metrics?: unknown;
  sampler_defaults: { num_inference_steps: number };
  conditioning: { null_condition?: unknown };
  schedule?: { num_train_timesteps: number };
}

export type ThroughputSource = 'declared' | 'model-card' | 'default';

export interface DeclaredThroughput {
  source: ThroughputSource;
  /** Seconds per volume with the given denoiser steps and rows per step. */
  secondsPerVolume(steps: number, rowsPerStep: number): number;
  /** For people: "declared by the model: 4.4 s per volume at 50 steps (2 threads, cpu; npm run bench:sampler)". */
  basis: string;
}

/** Without any declaration: 5 s per volume at the model's default steps (a 64^3 model on 2 CPU cores). */
export const DEFAULT_SECONDS_PER_VOLUME = 5;

/** Rows the denoiser evaluates per step: 2 for models with a null condition (the worker always guides them). */
export function denoiserRowsPerStep(meta: Pick<ThroughputModel, 'conditioning'>): 1 | 2 {
  return meta.conditioning?.null_condition !== undefined ? 2 : 1;
}

/**
 * Average denoiser rows per step with these settings: 2 on guided steps, 1 elsewhere. With a guidance interval
 * [tLo, tHi] the guided share is taken as the interval's share of the T training timesteps (the exact count
 * depends on the spacing; this is an estimate's input, not the sampler's plan).
 */
export function denoiserRowsPerStepWith(
  meta: Pick<ThroughputModel, 'conditioning' | 'schedule'>,
  settings: { guidanceInterval?: readonly number[] | null },
): number {
  if (denoiserRowsPerStep(meta) === 1) return 1;
  const gi = settings.guidanceInterval;
  const T = meta.schedule?.num_train_timesteps;
  if (!gi || gi.length !== 2 || !T) return 2;
  return 1 + Math.min(1, Math.max(0, (gi[1]! - gi[0]! + 1) / T));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const posNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Problems with a `throughput` declaration, as "path: message" (metadata.ts reports them). */
export function throughputIssues(raw: unknown): string[] {
  const out: string[] = [];
  if (!isObj(raw)) return [`throughput: must be an object, got ${JSON.stringify(raw)}`];
  if (!posNum(raw.seconds_per_volume)) out.push(`throughput.seconds_per_volume: must be a finite number > 0, got ${JSON.stringify(raw.seconds_per_volume)}`);
  const fixed = raw.fixed_seconds_per_volume;
  if (fixed !== undefined && !(typeof fixed === 'number' && Number.isFinite(fixed) && fixed >= 0 && (!posNum(raw.seconds_per_volume) || fixed < raw.seconds_per_volume))) {
    out.push(`throughput.fixed_seconds_per_volume: must be a number >= 0 and below seconds_per_volume, got ${JSON.stringify(fixed)}`);
  }
  const mw = raw.measured_with;
  if (!isObj(mw)) out.push(`throughput.measured_with: must be an object {num_inference_steps, denoiser_rows_per_step}, got ${JSON.stringify(mw)}`);
  else {
    if (!(typeof mw.num_inference_steps === 'number' && Number.isInteger(mw.num_inference_steps) && mw.num_inference_steps > 0)) {
      out.push(`throughput.measured_with.num_inference_steps: must be an integer > 0, got ${JSON.stringify(mw.num_inference_steps)}`);
    }
    if (mw.denoiser_rows_per_step !== 1 && mw.denoiser_rows_per_step !== 2) out.push(`throughput.measured_with.denoiser_rows_per_step: must be 1 or 2, got ${JSON.stringify(mw.denoiser_rows_per_step)}`);
  }
  if (raw.intra_op_threads !== undefined && !(typeof raw.intra_op_threads === 'number' && Number.isInteger(raw.intra_op_threads) && raw.intra_op_threads > 0)) {
    out.push(`throughput.intra_op_threads: must be an integer > 0, got ${JSON.stringify(raw.intra_op_threads)}`);
  }
  for (const k of ['execution_provider', 'hardware', 'source'] as const) {
    if (raw[k] !== undefined && typeof raw[k] !== 'string') out.push(`throughput.${k}: must be a string, got ${JSON.stringify(raw[k])}`);
  }
  return out;
}

function scaled(total: number, fixed: number, refSteps: number, refRows: number) {
  return (steps: number, rows: number) => fixed + (total - fixed) * ((steps * rows) / (refSteps * refRows));
}

const fmtS = (s: number) => (s >= 10 ? s.toFixed(0) : s.toFixed(1));

/** The model's own throughput claim, or the documented fallback. Never throws (metadata is validated at load). */
export function declaredThroughput(meta: ThroughputModel): DeclaredThroughput {
  const t = meta.throughput;
  if (t !== undefined && throughputIssues(t).length === 0) {
    const d = t as ThroughputJson;
    const details = [d.intra_op_threads ? `${d.intra_op_threads} threads` : null, d.execution_provider ?? null, d.hardware ?? null].filter(Boolean).join(', ');
    return {
      source: 'declared',
      secondsPerVolume: scaled(d.seconds_per_volume, d.fixed_seconds_per_volume ?? 0, d.measured_with.num_inference_steps, d.measured_with.denoiser_rows_per_step),
      basis: `declared by the model: ${fmtS(d.seconds_per_volume)} s per volume at ${d.measured_with.num_inference_steps} steps${details ? ` (${details})` : ''}${d.source ? `; ${d.source}` : ''}`,
    };
  }
  const sampling = isObj(meta.metrics) && isObj(meta.metrics.sampling) ? meta.metrics.sampling : null;
  const settings = sampling && isObj(sampling.settings) ? sampling.settings : null;
  if (sampling && settings && posNum(sampling.wall_s_per_volume) && posNum(settings.num_inference_steps)) {
    const threads = posNum(sampling.threads) ? `, ${sampling.threads} thread${sampling.threads === 1 ? '' : 's'}` : '';
    const engine = typeof sampling.engine === 'string' ? sampling.engine : 'reference sampler';
    return {
      source: 'model-card',
      secondsPerVolume: scaled(sampling.wall_s_per_volume, 0, settings.num_inference_steps, denoiserRowsPerStep(meta)),
      basis: `the model card's sampling time: ${fmtS(sampling.wall_s_per_volume)} s per volume at ${settings.num_inference_steps} steps (${engine}${threads})`,
    };
  }
  return {
    source: 'default',
    secondsPerVolume: scaled(DEFAULT_SECONDS_PER_VOLUME, 0, meta.sampler_defaults.num_inference_steps, denoiserRowsPerStep(meta)),
    basis: `no throughput declared by the model: assumed ${DEFAULT_SECONDS_PER_VOLUME} s per volume at ${meta.sampler_defaults.num_inference_steps} steps`,
  };
}

/** Predicted seconds of one volume with these settings. */
export function predictVolumeSeconds(meta: ThroughputModel, settings: Pick<SamplerSettings, 'numInferenceSteps'> & { guidanceInterval?: readonly number[] | null }): number {
  return declaredThroughput(meta).secondsPerVolume(settings.numInferenceSteps, denoiserRowsPerStepWith(meta, settings));
}

/**
 * The anatomy one voxel of the model grid covers, [sx, sy, sz] mm: metadata `volume.anatomical_spacing_mm`
 * when declared (a model trained on resampled data), else the grid's `volume.spacing_mm`.
 */
export function anatomicalSpacingMm(meta: { volume: { spacing_mm: [number, number, number]; anatomical_spacing_mm?: unknown } }): { spacingMm: [number, number, number]; declared: boolean } {
  const a = meta.volume.anatomical_spacing_mm;
  if (Array.isArray(a) && a.length === 3 && a.every(posNum)) return { spacingMm: a as [number, number, number], declared: true };
  return { spacingMm: meta.volume.spacing_mm, declared: false };
}
