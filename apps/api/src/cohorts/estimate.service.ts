// Estimates before a cohort runs and ETAs while it runs (the arithmetic is in estimate.ts).
import { declaredThroughput, denoiserRowsPerStepWith, type SamplerSettings, type ThroughputModel } from '@slicewise/models';
import type { ModelService } from '../models/model.service.ts';
import { cohortRate, correctionOf, estimateCohort, MIN_SAMPLES, type CohortEstimateResult, type CohortRate } from './estimate.ts';
import type { ThroughputRepository } from './throughput.repository.ts';

export class EstimateService {
  constructor(
    private readonly models: ModelService,
    private readonly repo: ThroughputRepository,
  ) {}

  /** How long `size` volumes of this model with these settings will take on this deployment, and why. */
  async estimate(modelId: string, size: number, settings: Pick<SamplerSettings, 'numInferenceSteps'> & { guidanceInterval?: readonly number[] | null }): Promise<CohortEstimateResult> {
    const { row } = await this.models.get(modelId);
    const meta = row.metadata as unknown as ThroughputModel;
    const declared = declaredThroughput(meta);
    const [measured, slots, queuedAhead] = await Promise.all([this.repo.recentVolumesOfModel(modelId), this.repo.activeWorkerSlots(), this.repo.queuedVolumes()]);
    // A worker's first volume may include loading the model: leave those out while others remain.
    const steady = measured.filter((m) => !m.firstOfWorker);
    const samples = (steady.length >= MIN_SAMPLES ? steady : measured).flatMap((m) => {
      const s = m.samplerSettings as Partial<SamplerSettings> | null;
      const steps = s?.numInferenceSteps;
      return typeof steps === 'number' && steps > 0 ? [{ effectiveSeconds: m.wallSeconds + m.gapSeconds, predictedSeconds: declared.secondsPerVolume(steps, denoiserRowsPerStepWith(meta, s ?? {})) }] : [];
    });
    const workers = Math.max(slots.workers, slots.runningNow, Math.round(slots.averageInFlight));
    return estimateCohort({
      size,
      declaredSeconds: declared.secondsPerVolume(settings.numInferenceSteps, denoiserRowsPerStepWith(meta, settings)),
      declaredBasis: declared.basis,
      correction: correctionOf(samples),
      workers,
      workersSeen: workers > 0,
      queuedAhead,
    });
  }

  /** Live rate and ETA of cohorts (one query for all of them). */
  async ratesOf(cohorts: readonly { id: string; startedAt: Date | null; estimatedSeconds: number | null; size: number; remaining: number }[]): Promise<Map<string, CohortRate>> {
    const { nowS, byCohort } = await this.repo.finishesOf(cohorts.map((c) => c.id));
    return new Map(
      cohorts.map((c) => {
        const f = byCohort.get(c.id)!;
        return [
          c.id,
          cohortRate({
            startedAtS: c.startedAt ? c.startedAt.getTime() / 1000 : null,
            finishedAtS: f.finishedAtS,
            nowS,
            remaining: c.remaining,
            workers: f.workers,
            estimatedSeconds: c.estimatedSeconds,
            size: c.size,
          }),
        ];
      }),
    );
  }
}
