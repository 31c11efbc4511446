/**
 * One volume job, end to end: read volume + cohort + distribution version + model, draw the subject's
 * condition vector, sample, decode, threshold, write image (float32) and mask (uint8, label intent) as
 * .nii.gz through Storage (atomic), hash, measure the mask, and record everything in one transaction.
 *
 * Idempotent: a volume already SUCCEEDED (or CANCELLED) is a no-op; outputs go to a key fixed by
 * (cohort, subject index), written atomically, so a repeated attempt replaces identical bytes and no
 * partial file is ever visible; the DB write only happens while the volume is not yet SUCCEEDED.
 */
import { computeFeatures, sampleConditionVector, validateSpec, FEATURE_NAMES } from '@slicewise/conditioning';
import { makeCenteredRasAffine, writeNifti } from '@slicewise/nifti';
import { SamplingCancelled } from '@slicewise/sampler';
import type { Storage } from '@slicewise/storage';
import { parseSamplerSettings, type ModelMetadata } from '@slicewise/models';
import type { WorkerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { generateVolume } from './generate.ts';
import { checkRecordedHashes, type ModelCache } from './model-cache.ts';
import { buildVolumeProvenance } from './provenance.ts';
import { isRunnableCohort } from '@slicewise/lifecycle';
import type { VolumeContext, VolumeRepository } from './volume.repository.ts';

/** An error no retry can fix (invalid spec, impossible condition): the volume fails at once. */
export class PermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentError';
  }
}

export type AbortReason = 'cancelled' | 'shutdown' | 'lease-lost';

export class JobAborted extends Error {
  constructor(readonly reason: AbortReason) {
    super(`volume job aborted: ${reason}`);
    this.name = 'JobAborted';
  }
}

export type Outcome =
  | { kind: 'succeeded'; volumeId: string; recorded: 'recorded' | 'already'; timings: Record<string, number> }
  | { kind: 'skipped'; volumeId: string; why: string };

export interface JobInfo {
  jobId: string;
  volumeId: string;
  cohortId: string;
  subjectIndex: number;
}

export function outputKeys(ctx: { cohort: { teamId: string; id: string }; volume: { subjectIndex: number } }) {
  const base = `teams/${ctx.cohort.teamId}/cohorts/${ctx.cohort.id}/subject-${String(ctx.volume.subjectIndex).padStart(6, '0')}`;
  return { imageKey: `${base}-image.nii.gz`, maskKey: `${base}-mask.nii.gz` };
}

function safeSeed(name: string, v: bigint): number {
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PermanentError(`${name} = ${v} must be in [0, 2^53 - 1]`);
  return Number(v);
}

/**
 * NIfTI-1 .nii.gz bytes of one generated volume: image float32, mask uint8 with label intent; RAS affine
 * centred on the grid with the metadata's spacing. Deterministic (replay re-encodes with it).
 */
export function encodeOutputs(meta: ModelMetadata, gen: { image: Float32Array; mask: Uint8Array }, modelName: string, cohortId: string, subjectIndex: number) {
  const shapeDhw = meta.volume.shape_dhw;
  const spacingMm = meta.volume.spacing_mm;
  const [D, H, W] = shapeDhw;
  const affine = makeCenteredRasAffine([W, H, D], spacingMm);
  const description = `slicewise ${modelName} c${cohortId.slice(0, 8)} s${subjectIndex}`.slice(0, 79);
  const imageBytes = writeNifti({ data: gen.image, shapeDHW: shapeDhw, spacingMm, affine, intent: 'none', description });
  const maskBytes = writeNifti({ data: gen.mask, shapeDHW: shapeDhw, spacingMm, affine, intent: 'label', description });
  return { imageBytes, maskBytes, affine, shapeDhw, spacingMm };
}

export class VolumeProcessor {
  constructor(
    private readonly deps: { repo: VolumeRepository; storage: Storage; models: ModelCache; config: WorkerConfig; log: Logger },
  ) {}

  /**
   * Run one job. `abort` is raised by the caller (shutdown, lost lease); cohort cancellation is polled here
   * every `cancelCheckEverySteps` denoising steps. Throws JobAborted, PermanentError or any failure.
   */
  async process(job: JobInfo, abort: AbortController, attemptLabel: { retryCount: number }): Promise<Outcome> {
    const { repo, storage, models, config, log } = this.deps;
    const t0 = performance.now();
    const ctx = await repo.loadContext(job.volumeId);
    if (!ctx) return { kind: 'skipped', volumeId: job.volumeId, why: 'volume not found (deleted)' };
    if (ctx.volume.cohortId !== job.cohortId || ctx.volume.subjectIndex !== job.subjectIndex) {
      throw new PermanentError(`job payload (cohort ${job.cohortId}, subject ${job.subjectIndex}) does not match volume ${job.volumeId} (cohort ${ctx.volume.cohortId}, subject ${ctx.volume.subjectIndex})`);
    }
    if (ctx.volume.status === 'SUCCEEDED') return { kind: 'skipped', volumeId: job.volumeId, why: 'already succeeded' };
    if (ctx.volume.status === 'CANCELLED') return { kind: 'skipped', volumeId: job.volumeId, why: 'volume cancelled' };
    if (ctx.cohort.status === 'CANCELLED') {
      await repo.markCancelled(job.volumeId, ctx.cohort.id);
      return { kind: 'skipped', volumeId: job.volumeId, why: 'cohort cancelled' };
    }
    if (!isRunnableCohort(ctx.cohort.status)) {
      return { kind: 'skipped', volumeId: job.volumeId, why: `cohort is ${ctx.cohort.status}` };
    }
    const started = await repo.startAttempt(job.volumeId, config.workerId);
    if (!started) return { kind: 'skipped', volumeId: job.volumeId, why: 'volume not runnable' };
    const tDb0 = performance.now();

    const model = await models.get(ctx.model.name);
    checkRecordedHashes(ctx.model.name, ctx.model.fileHashes, model.loaded.fileHashes);
    const meta = model.loaded.metadata;

    // condition vector: (distribution version, cohort seed, subject index) -> the same vector everywhere
    const tCond0 = performance.now();
    const v = validateSpec(ctx.distributionVersion.spec, model.conditioning);
    if (!v.ok) {
      throw new PermanentError(`distribution version ${ctx.distributionVersion.id} spec is invalid for model ${ctx.model.name}: ${v.errors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}`);
    }
    const cohortSeed = safeSeed('cohort.seed', ctx.cohort.seed);
    const volumeSeed = safeSeed('volume.seed', ctx.volume.seed);
    const draw = sampleConditionVector(v.spec, model.conditioning, { seed: cohortSeed, index: ctx.volume.subjectIndex, cohortSize: ctx.cohort.size });
    if (!draw.vector) {
      throw new PermanentError(`subject ${ctx.volume.subjectIndex}: every draw of the condition distribution was rejected (${JSON.stringify(draw.rejections)})`);
    }
    const settings = (() => {
      try {
        // resolved and validated at request time (API); stored complete on the cohort
        return parseSamplerSettings(ctx.cohort.samplerSettings, meta);
      } catch (e) {
        throw new PermanentError((e as Error).message);
      }
    })();
    const conditionMs = performance.now() - tCond0;

    let stepsSinceCheck = 0;
    const checkCancelled = async () => {
      if ((await repo.cohortStatus(ctx.cohort.id)) === 'CANCELLED') abort.abort(new JobAborted('cancelled'));
    };
    let gen;
    try {
      gen = await generateVolume({
        ort: model.ort,
        condition: draw.vector,
        settings,
        noiseSeed: volumeSeed,
        subjectIndex: ctx.volume.subjectIndex,
        decodeBatchSlices: config.decodeBatchSlices,
        signal: abort.signal,
        stepDelayMs: config.stepDelayMs,
        onStep: async () => {
          if (++stepsSinceCheck >= config.cancelCheckEverySteps) {
            stepsSinceCheck = 0;
            await checkCancelled();
          }
        },
      });
    } catch (e) {
      if (e instanceof SamplingCancelled || abort.signal.aborted) {
        const r = abort.signal.reason;
        throw r instanceof JobAborted ? r : new JobAborted('shutdown');
      }
      throw e;
    }
    await checkCancelled();
    if (abort.signal.aborted) throw abort.signal.reason instanceof JobAborted ? abort.signal.reason : new JobAborted('shutdown');

    const tN0 = performance.now();
    const { imageBytes, maskBytes, affine, shapeDhw, spacingMm } = encodeOutputs(meta, gen, ctx.model.name, ctx.cohort.id, ctx.volume.subjectIndex);
    const tN1 = performance.now();
    const { imageKey, maskKey } = outputKeys(ctx);
    const img = await storage.putAtomic(imageKey, imageBytes);
    const msk = await storage.putAtomic(maskKey, maskBytes);
    const tS1 = performance.now();

    const tM0 = performance.now();
    const norm = meta.conditioning.normalisation;
    const f = computeFeatures(gen.mask, shapeDhw, spacingMm, { maxVoxelCount: norm.max_voxel_count, maxSurfaceArea: norm.max_surface_area });
    const measureMs = performance.now() - tM0;

    const requestedCondition = { featureNames: [...FEATURE_NAMES], vector: draw.vector, stratum: draw.stratum, tries: draw.tries, rejections: draw.rejections };
    const measuredCondition = { featureNames: [...FEATURE_NAMES], vector: f.normalised, empty: f.empty, physical: f.physical };
    const timings = {
      databaseReadMs: tDb0 - t0,
      modelLoadMs: model.loadMs,
      conditionMs,
      denoiserMs: gen.timings.denoiserMs,
      samplerOverheadMs: gen.timings.samplerOverheadMs,
      decoderMs: gen.timings.decoderMs,
      niftiEncodeMs: tN1 - tN0,
      storageWriteAndHashMs: tS1 - tN1,
      measureMs,
      totalBeforeRecordMs: performance.now() - t0,
    };
    const provenance = buildVolumeProvenance({
      ctx,
      model,
      draw: { ...draw, vector: draw.vector },
      settings,
      gen,
      features: f,
      outputs: { storageKind: storage.kind, image: img, mask: msk, affine, shapeDhw, spacingMm },
      worker: { id: config.workerId, codeRevision: config.codeRevision, jobId: job.jobId, attempt: started.attempts, queueRetryCount: attemptLabel.retryCount, decodeBatchSlices: config.decodeBatchSlices },
      timings,
    });
    const tR0 = performance.now();
    const recorded = await repo.recordSuccess({
      volumeId: ctx.volume.id,
      cohortId: ctx.cohort.id,
      workerId: config.workerId,
      requestedCondition,
      measuredCondition,
      imageKey: img.key,
      imageSha256: img.sha256,
      imageBytes: img.bytes,
      maskKey: msk.key,
      maskSha256: msk.sha256,
      maskBytes: msk.bytes,
      provenance,
    });
    const recordMs = performance.now() - tR0;
    log.info({ volumeId: ctx.volume.id, cohortId: ctx.cohort.id, subjectIndex: ctx.volume.subjectIndex, recorded, ms: Math.round(performance.now() - t0), imageSha256: img.sha256 }, 'volume generated');
    return { kind: 'succeeded', volumeId: ctx.volume.id, recorded, timings: { ...timings, databaseRecordMs: recordMs } };
  }

  /** Context for failure handling (cohort id for the transaction). */
  async context(volumeId: string): Promise<VolumeContext | null> {
    return this.deps.repo.loadContext(volumeId);
  }
}
