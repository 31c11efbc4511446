/**
 * The one sampler-settings contract: a model declares its defaults (metadata `sampler_defaults`, snake_case);
 * a cohort request may override a few of them; the API resolves and validates the COMPLETE settings at
 * request time and stores them on the cohort; the worker, replay and the benchmark read them as they are.
 * The web app reads the same shape through GraphQL (`SamplerSettings`, `SamplerLimits`).
 *
 * Limits are the same everywhere because they live here: steps in 1..num_train_timesteps, eta in [0, 1],
 * guidance scale in [0, 20] (and only for models trained with a null condition), steps offset in 0..10,
 * guidance interval null or [tLo, tHi] with 0 <= tLo <= tHi <= T - 1 (training timesteps, inclusive; only with
 * guidance).
 *
 * Samplers (packages/sampler createScheduler): 'ddim', 'ddpm', 'dpmpp_2m' = DPM-Solver++(2M), 'unipc' = UniPC
 * (bh2, order 2). eta and setAlphaToOne are DDIM's own: stored for every sampler, ignored by the others.
 */

export const SAMPLERS = ['ddim', 'ddpm', 'dpmpp_2m', 'unipc'] as const;
export type SamplerName = (typeof SAMPLERS)[number];
export const TIMESTEP_SPACINGS = ['leading', 'trailing'] as const;
export type TimestepSpacing = (typeof TIMESTEP_SPACINGS)[number];

/** Complete, resolved settings of one sampling run (what a cohort stores and the worker runs). */
export interface SamplerSettings {
  sampler: SamplerName;
  numInferenceSteps: number;
  /** DDIM eta: 0 = deterministic, 1 = DDPM-like noise. Ignored by other samplers. */
  eta: number;
  /** Classifier-free guidance scale s: eps = eps_null + s (eps_cond - eps_null). Used when the model declares a null condition. */
  guidanceScale: number;
  timestepSpacing: TimestepSpacing;
  stepsOffset: number;
  /** DDIM: alpha_bar_prev = 1 after the last step (else alpha_bar_0). */
  setAlphaToOne: boolean;
  /**
   * Guidance only while tLo <= t <= tHi (training timesteps; Kynkaanniemi et al. 2024): steps outside it run the
   * conditional rows alone (half the denoiser rows). null: guidance at every step.
   */
  guidanceInterval: GuidanceInterval | null;
}

/** [tLo, tHi], training timesteps, inclusive. */
export type GuidanceInterval = readonly [number, number];

/** The settings a cohort request may choose; everything else comes from the model. */
export interface SamplerOverrides {
  sampler?: SamplerName | null;
  numInferenceSteps?: number | null;
  eta?: number | null;
  guidanceScale?: number | null;
  /** undefined or null: the model's default; [] : guidance at every step; [tLo, tHi]: guidance in that interval. */
  guidanceInterval?: readonly number[] | null;
}

/** The allowed values for one model (the web app shows and checks them). */
export interface SamplerLimits {
  samplers: readonly SamplerName[];
  minInferenceSteps: number;
  /** The model's training schedule length T. */
  maxInferenceSteps: number;
  eta: readonly [number, number];
  guidanceScale: readonly [number, number];
  /** False for models trained without a null condition: guidanceScale cannot be chosen. */
  guidance: boolean;
  stepsOffset: readonly [number, number];
  /** [0, T - 1]: the training timesteps a guidance interval may name (only when `guidance`). */
  guidanceIntervalRange: readonly [number, number];
}

export const ETA_RANGE = [0, 1] as const;
export const GUIDANCE_SCALE_RANGE = [0, 20] as const;
export const STEPS_OFFSET_RANGE = [0, 10] as const;

export interface SamplerSettingsIssue {
  /** The settings key (camelCase), as GraphQL and the web app name it. */
  field: keyof SamplerSettings;
  value: unknown;
  message: string;
}

export class SamplerSettingsError extends Error {
  constructor(readonly issues: SamplerSettingsIssue[], context: string) {
    super(`${context}: ${issues.map((i) => `${i.field} = ${JSON.stringify(i.value)}: ${i.message}`).join('; ')}`);
    this.name = 'SamplerSettingsError';
  }
}

/** metadata.json `sampler_defaults`: the model's defaults, snake_case. */
export interface SamplerDefaultsJson {
  sampler: SamplerName;
  num_inference_steps: number;
  eta: number;
  guidance_scale: number;
  timestep_spacing: TimestepSpacing;
  steps_offset: number;
  set_alpha_to_one: boolean;
  /** Optional: absent or null = guidance at every step. */
  guidance_interval?: readonly number[] | null;
}

/** The parts of a model's metadata the contract reads (metadata.ts ModelMetadata satisfies it). */
export interface SamplerModel {
  name: string;
  schedule: { num_train_timesteps: number };
  conditioning: { null_condition?: unknown };
  sampler_defaults: SamplerDefaultsJson;
}
type ScheduleAndConditioning = Pick<SamplerModel, 'schedule' | 'conditioning'>;

export function samplerLimits(meta: ScheduleAndConditioning): SamplerLimits {
  return {
    samplers: SAMPLERS,
    minInferenceSteps: 1,
    maxInferenceSteps: meta.schedule.num_train_timesteps,
    eta: ETA_RANGE,
    guidanceScale: GUIDANCE_SCALE_RANGE,
    guidance: meta.conditioning?.null_condition !== undefined,
    stepsOffset: STEPS_OFFSET_RANGE,
    guidanceIntervalRange: [0, meta.schedule.num_train_timesteps - 1],
  };
}

/** Every problem with complete settings for this model (empty when valid). */
export function checkSamplerSettings(s: Record<keyof SamplerSettings, unknown>, limits: SamplerLimits): SamplerSettingsIssue[] {
  const issues: SamplerSettingsIssue[] = [];
  const bad = (field: keyof SamplerSettings, message: string) => issues.push({ field, value: s[field], message });
  const inRange = (v: unknown, [lo, hi]: readonly [number, number]) => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
  const intIn = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

  if (!limits.samplers.includes(s.sampler as SamplerName)) bad('sampler', `must be one of ${limits.samplers.join(', ')}`);
  if (!intIn(s.numInferenceSteps, limits.minInferenceSteps, limits.maxInferenceSteps)) {
    bad('numInferenceSteps', `must be a whole number in ${limits.minInferenceSteps}..${limits.maxInferenceSteps} (at most the model's ${limits.maxInferenceSteps} training timesteps)`);
  }
  if (!inRange(s.eta, limits.eta)) bad('eta', `must be a number in [${limits.eta[0]}, ${limits.eta[1]}] (0 = deterministic DDIM)`);
  if (!inRange(s.guidanceScale, limits.guidanceScale)) bad('guidanceScale', `must be a number in [${limits.guidanceScale[0]}, ${limits.guidanceScale[1]}]`);
  if (!TIMESTEP_SPACINGS.includes(s.timestepSpacing as TimestepSpacing)) bad('timestepSpacing', `must be one of ${TIMESTEP_SPACINGS.join(', ')}`);
  if (!intIn(s.stepsOffset, limits.stepsOffset[0], limits.stepsOffset[1])) bad('stepsOffset', `must be a whole number in ${limits.stepsOffset[0]}..${limits.stepsOffset[1]}`);
  if (typeof s.setAlphaToOne !== 'boolean') bad('setAlphaToOne', 'must be true or false');
  const gi = s.guidanceInterval;
  if (gi !== null) {
    const [lo, hi] = limits.guidanceIntervalRange;
    if (!Array.isArray(gi) || gi.length !== 2 || !intIn(gi[0], lo, hi) || !intIn(gi[1], lo, hi) || gi[0] > gi[1]) {
      bad('guidanceInterval', `must be null (guidance at every step) or [tLo, tHi], whole numbers with ${lo} <= tLo <= tHi <= ${hi} (training timesteps)`);
    } else if (!limits.guidance) {
      bad('guidanceInterval', 'limits classifier-free guidance, which this model does not have (trained without a null condition): leave it unset');
    }
  }
  return issues;
}

/** The model's declared defaults in the contract's (camelCase) shape, unchecked. */
export function samplerDefaultsOf(meta: Pick<SamplerModel, 'sampler_defaults'>): SamplerSettings {
  const d = meta.sampler_defaults;
  return {
    sampler: d.sampler,
    numInferenceSteps: d.num_inference_steps,
    eta: d.eta,
    guidanceScale: d.guidance_scale,
    timestepSpacing: d.timestep_spacing,
    stepsOffset: d.steps_offset,
    setAlphaToOne: d.set_alpha_to_one,
    guidanceInterval: intervalOf(d.guidance_interval),
  };
}

/** A declared or requested interval as the contract stores it: null, or a [tLo, tHi] pair (checked later). */
function intervalOf(v: readonly number[] | null | undefined): GuidanceInterval | null {
  if (v === undefined || v === null) return null;
  return (Array.isArray(v) ? [...v] : v) as unknown as GuidanceInterval;
}

/**
 * Request time (API): the model's defaults with the request's overrides, validated in full.
 * Throws SamplerSettingsError naming every bad field; never corrects a value.
 */
export function resolveSamplerSettings(meta: SamplerModel, overrides: SamplerOverrides = {}): SamplerSettings {
  const limits = samplerLimits(meta);
  const pre: SamplerSettingsIssue[] = [];
  if (!limits.guidance && overrides.guidanceScale != null && overrides.guidanceScale !== meta.sampler_defaults.guidance_scale) {
    pre.push({
      field: 'guidanceScale',
      value: overrides.guidanceScale,
      message: `model ${meta.name} was trained without a null condition (no classifier-free guidance): leave guidanceScale unset`,
    });
  }
  const d = samplerDefaultsOf(meta);
  const s: SamplerSettings = {
    ...d,
    sampler: overrides.sampler ?? d.sampler,
    numInferenceSteps: overrides.numInferenceSteps ?? d.numInferenceSteps,
    eta: overrides.eta ?? d.eta,
    guidanceScale: overrides.guidanceScale ?? d.guidanceScale,
    guidanceInterval:
      overrides.guidanceInterval == null ? d.guidanceInterval : overrides.guidanceInterval.length === 0 ? null : intervalOf(overrides.guidanceInterval),
  };
  const issues = [...pre, ...checkSamplerSettings(s, limits)];
  if (issues.length) throw new SamplerSettingsError(issues, `sampler settings for model ${meta.name}`);
  return s;
}

export const SAMPLER_SETTING_KEYS: readonly (keyof SamplerSettings)[] = ['sampler', 'numInferenceSteps', 'eta', 'guidanceScale', 'timestepSpacing', 'stepsOffset', 'setAlphaToOne', 'guidanceInterval'];
const KEYS = SAMPLER_SETTING_KEYS;

/** The contract's keys of a larger record (e.g. a provenance record's scheduler block). */
export function pickSamplerSettings(o: Omit<SamplerSettings, 'guidanceInterval'> & { guidanceInterval?: GuidanceInterval | null }): SamplerSettings {
  // records written before guidance intervals existed ran guidance at every step (null)
  return Object.fromEntries(KEYS.map((k) => [k, k === 'guidanceInterval' ? (o.guidanceInterval ?? null) : o[k]])) as unknown as SamplerSettings;
}

/**
 * Run time (worker, replay): the settings a cohort stored, which must be complete and valid for the model.
 * Unknown keys are refused too: a stored setting the worker would ignore is a bug, not an option.
 */
export function parseSamplerSettings(raw: unknown, meta: Pick<SamplerModel, 'name' | 'schedule' | 'conditioning'>): SamplerSettings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SamplerSettingsError([{ field: 'sampler', value: raw, message: 'stored sampler settings must be an object with every setting' }], 'stored sampler settings');
  }
  // Settings stored before guidance intervals existed (cohorts and provenance records up to #15) have no
  // guidanceInterval: they ran guidance at every step, which is what null means.
  const o = 'guidanceInterval' in raw ? (raw as Record<string, unknown>) : { ...(raw as Record<string, unknown>), guidanceInterval: null };
  const issues: SamplerSettingsIssue[] = [];
  for (const k of KEYS) if (!(k in o)) issues.push({ field: k, value: undefined, message: 'is missing (settings are stored complete at request time)' });
  for (const k of Object.keys(o)) {
    if (!KEYS.includes(k as keyof SamplerSettings)) issues.push({ field: k as keyof SamplerSettings, value: o[k], message: `is not a sampler setting (known: ${KEYS.join(', ')})` });
  }
  if (issues.length === 0) issues.push(...checkSamplerSettings(o as Record<keyof SamplerSettings, unknown>, samplerLimits(meta)));
  if (issues.length) throw new SamplerSettingsError(issues, `stored sampler settings for model ${meta.name}`);
  return pickSamplerSettings(o as unknown as SamplerSettings);
}
