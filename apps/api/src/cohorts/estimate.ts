// Time estimates and ETAs people can plan with (pure; the data comes from throughput.repository.ts).
//
// Before a cohort runs: the seconds per volume the model declares (@slicewise/models declaredThroughput,
// scaled to the requested steps), times a correction measured on this deployment (the median ratio of
// measured to predicted seconds over the model's recent volumes), divided among the worker slots seen
// recently.
//
// While it runs: the cohort's own finishing rate, exponentially weighted (time constant TAU_S), so the ETA
// follows the last minutes rather than an average diluted by a fixed window (a 10-minute window made the
// first minutes' ETAs up to 30x too long).

/** Time constant of the weighted rate: finishes older than a few TAU_S barely count. */
export const TAU_S = 120;
/** Below this many measured volumes the declared figure is used as it is. */
export const MIN_SAMPLES = 2;
/**
 * A correction outside [1/100, 100] means the measurements are of something else: do not trust it. (1/20 was
 * too tight: the 16^3 test model runs at 1/20 of the 5 s fallback here, and below it on a faster machine.)
 */
const CORRECTION_BOUNDS = [0.01, 100] as const;

export interface MeasuredVolume {
  /** Wall seconds from the worker's start to the recorded result, plus the worker's pause before it (claiming, bookkeeping). */
  effectiveSeconds: number;
  /** What the model's declaration predicts for this volume's settings. */
  predictedSeconds: number;
}

export interface Correction {
  factor: number;
  samples: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Measured / predicted, the median over recent volumes; null when too few (or implausible). */
export function correctionOf(samples: readonly MeasuredVolume[]): Correction | null {
  const ratios = samples.filter((s) => s.effectiveSeconds > 0 && s.predictedSeconds > 0).map((s) => s.effectiveSeconds / s.predictedSeconds);
  if (ratios.length < MIN_SAMPLES) return null;
  const factor = median(ratios);
  if (factor < CORRECTION_BOUNDS[0] || factor > CORRECTION_BOUNDS[1]) return null;
  return { factor, samples: ratios.length };
}

export interface CohortEstimateParts {
  size: number;
  /** Declared seconds per volume for the request's settings. */
  declaredSeconds: number;
  declaredBasis: string;
  correction: Correction | null;
  /** Worker slots seen in the last minutes (at least 1 is assumed). */
  workers: number;
  workersSeen: boolean;
  /** Volumes of other cohorts queued or running ahead of a new request. */
  queuedAhead: number;
}

export interface CohortEstimateResult {
  seconds: number;
  perVolumeSeconds: number;
  volumesPerMinute: number;
  workers: number;
  queuedAhead: number;
  waitSeconds: number;
  basis: string;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

const fmtRate = (perMin: number) => (perMin >= 10 ? perMin.toFixed(0) : perMin >= 1 ? perMin.toFixed(1) : perMin.toFixed(2));
const workersLabel = (n: number, seen: boolean) => `${n} worker${n === 1 ? '' : 's'}${seen ? '' : ' assumed (none seen in the last 10 min)'}`;

export function estimateCohort(p: CohortEstimateParts): CohortEstimateResult {
  const perVolumeSeconds = p.declaredSeconds * (p.correction?.factor ?? 1);
  const workers = Math.max(1, p.workers);
  const volumesPerMinute = (60 * workers) / perVolumeSeconds;
  const seconds = (p.size * perVolumeSeconds) / workers;
  const waitSeconds = (p.queuedAhead * perVolumeSeconds) / workers;
  const corrected = p.correction
    ? `corrected x${p.correction.factor.toFixed(2)} by the last ${p.correction.samples} volumes measured on this deployment`
    : 'not yet measured on this deployment';
  const queue = p.queuedAhead > 0 ? `; starts after ${p.queuedAhead} queued volume${p.queuedAhead === 1 ? '' : 's'} (~${formatDuration(waitSeconds)})` : '';
  return {
    seconds,
    perVolumeSeconds,
    volumesPerMinute,
    workers,
    queuedAhead: p.queuedAhead,
    waitSeconds,
    basis: `~${formatDuration(seconds)} at ${fmtRate(volumesPerMinute)} volumes/min, ${workersLabel(workers, p.workersSeen)}: ${p.declaredBasis}, ${corrected}${queue}`,
  };
}

export interface CohortRateInput {
  /** Epoch seconds the cohort's first volume started (null: not started). */
  startedAtS: number | null;
  /** Epoch seconds of its recent finishes (succeeded or failed), any order. */
  finishedAtS: readonly number[];
  nowS: number;
  /** Volumes still pending or running. */
  remaining: number;
  /** Worker slots working on it in the last minutes. */
  workers: number;
  /** The request-time estimate of the whole cohort (seconds), for before anything finished. */
  estimatedSeconds: number | null;
  size: number;
}

export interface CohortRate {
  /** Volumes per minute, exponentially weighted (0 before the first finish). */
  volumesPerMinute: number;
  /** Seconds left (0 when nothing remains; null when there is no basis at all). */
  etaSeconds: number | null;
  basis: string;
  workers: number;
}

/**
 * The exponentially weighted finishing rate (volumes per second) at time t:
 *   r(t) = sum_i exp(-(t - f_i) / tau) / (tau (1 - exp(-(t - t0) / tau)))
 * The denominator is the weight of the time observed since the first start t0, so the rate is unbiased
 * from the first finish on (one volume after T seconds gives 1 / T), not diluted by a fixed window.
 * t is the last finish, unless the cohort has been quiet for longer than two intervals at that rate
 * (a stalled worker): then it is now, and the rate decays.
 */
export function weightedRate(finishedAtS: readonly number[], t0: number, nowS: number, tau = TAU_S): number {
  const done = finishedAtS.filter((f) => f >= t0 && f <= nowS);
  if (done.length === 0) return 0;
  const last = Math.max(...done);
  const rateAt = (t: number) => {
    const observed = Math.max(t - t0, 1e-3);
    let w = 0;
    for (const f of done) w += Math.exp(-(t - f) / tau);
    return w / (tau * (1 - Math.exp(-observed / tau)));
  };
  const atLast = rateAt(last);
  return nowS - last > 2 / atLast ? rateAt(nowS) : atLast;
}

export function cohortRate(p: CohortRateInput): CohortRate {
  const workers = p.workers;
  if (p.remaining === 0) return { volumesPerMinute: 0, etaSeconds: 0, basis: 'nothing left to generate', workers };
  const ws = p.workers > 0 ? `, ${p.workers} worker${p.workers === 1 ? '' : 's'}` : '';
  const perS = p.startedAtS === null ? 0 : weightedRate(p.finishedAtS, p.startedAtS, p.nowS);
  if (perS > 0) {
    const perMin = perS * 60;
    return {
      volumesPerMinute: perMin,
      etaSeconds: p.remaining / perS,
      basis: `at ${fmtRate(perMin)} volumes/min (this cohort, weighted towards the last ${TAU_S / 60} min)${ws}`,
      workers,
    };
  }
  if (p.estimatedSeconds !== null && p.size > 0) {
    // Nothing finished yet: the request-time estimate for what is left, less the time already running.
    const left = (p.estimatedSeconds * p.remaining) / p.size;
    const elapsed = p.startedAtS === null ? 0 : Math.max(0, p.nowS - p.startedAtS);
    if (elapsed >= left) return { volumesPerMinute: 0, etaSeconds: null, basis: `the first volumes take longer than the ${formatDuration(left)} estimated when requested${ws}`, workers };
    return { volumesPerMinute: 0, etaSeconds: left - elapsed, basis: `estimate when requested (no volume finished yet${ws})`, workers };
  }
  return { volumesPerMinute: 0, etaSeconds: null, basis: 'no volume finished yet', workers };
}
