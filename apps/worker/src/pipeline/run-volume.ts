/**
 * One volume job, end to end: read volume + cohort + distribution version + model, claim the volume (a
 * new attempt: its id is the fencing token), draw the subject's condition vector, sample, decode,
 * threshold, write image (float32) and mask (uint8, label intent) as .nii.gz through Storage (atomic),
 * hash, measure the mask, and record everything in one transaction.
 *
 * Fencing: the attempt heart-beats while it runs, checks between denoising steps that it still holds the
 * claim, writes under attempt-specific keys (declared on the attempt first) and records only while it holds
 * the claim. An attempt whose claim was taken over (it froze past its lease) stops within one step, or, if
 * it got as far as recording, records nothing and removes its own files. Cancel wins the same way: the
 * record step reads the cohort in its transaction. Idempotent: a volume already SUCCEEDED or CANCELLED is a
 * no-op.
 */
import os from 'node:os';
import { applyCalibration, computeFeatures, sampleConditionVector, validateSpec, FEATURE_NAMES, type CalibrationResult, type TumourFeatures } from '@slicewise/conditioning';
import { isRunnableCohort } from '@slicewise/lifecycle';
import { parseQcSettings, parseSamplerSettings, type ModelMetadata } from '@slicewise/models';
import type { ProvenanceQc, QcTry } from '@slicewise/provenance';
import { makeCenteredRasAffine, writeNifti } from '@slicewise/nifti';
import { SamplingCancelled } from '@slicewise/sampler';
import type { Storage } from '@slicewise/storage';
import type { WorkerConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { JobAborted, PermanentError } from './faults.ts';
import { describeNoise, generateVolume, type GenerateResult } from './generate.ts';
import { checkRecordedHashes, type ModelCache } from './model-cache.ts';
import { buildVolumeProvenance } from './provenance.ts';
import { checkVolume, noiseKeyOf } from './quality.ts';
import type { Claim, VolumeContext, VolumeRepository } from './volume.repository.ts';

export { JobAborted, PermanentError } from './faults.ts';

export type Outcome =
  | { kind: 'succeeded'; volumeId: string; recorded: 'recorded' | 'already'; timings: Record<string, number> }
  | { kind: 'skipped'; volumeId: string; why: string }
  /** The cohort was cancelled while the volume was being written: nothing recorded, files removed. */
  | { kind: 'cancelled'; volumeId: string }
  /** Another attempt had taken the claim over: nothing recorded, files removed, the job is not ours. */
  | { kind: 'superseded'; volumeId: string };

export interface JobInfo {
  jobId: string;
  volumeId: string;
  cohortId: string;
  subjectIndex: number;
}

/** Filled in by `process` as it goes, so the caller's error handling knows the claim and the files written. */
export interface AttemptState {
  claim: Claim | null;
  /** Storage keys declared by this attempt and not (yet) recorded. */
  keys: string[];
}

/** Keys of one attempt's files: a retried or taken-over volume never overwrites another attempt's bytes. */
export function outputKeys(ctx: { cohort: { teamId: string; id: string }; volume: { subjectIndex: number } }, attemptNumber: number) {
  const base = `teams/${ctx.cohort.teamId}/cohorts/${ctx.cohort.id}/subject-${String(ctx.volume.subjectIndex).padStart(6, '0')}-a${String(attemptNumber).padStart(2, '0')}`;
  return { imageKey: `${base}-image.nii.gz`, maskKey: `${base}-mask.nii.gz` };
}

function safeSeed(name: string, v: bigint): number {
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PermanentError(`${name} = ${v} must be in [0, 2^53 - 1]`);
  return Number(v);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** What a volume needs before sampling: model, condition vector and sampler settings (PermanentError if impossible). */
async function prepare(ctx: VolumeContext, models: ModelCache) {
  const model = await models.get(ctx.model.name);
  checkRecordedHashes(ctx.model.name, ctx.model.fileHashes, model.loaded.fileHashes);
  const meta = model.loaded.metadata;
  // condition vector: (distribution version, cohort seed, subject index) -> the same vector everywhere
  const v = validateSpec(ctx.distributionVersion.spec, model.conditioning);
  if (!v.ok) {
    throw new PermanentError(`distribution version ${ctx.distributionVersion.id} spec is invalid for model ${ctx.model.name}: ${v.errors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}`);
  }
  const draw = sampleConditionVector(v.spec, model.conditioning, { seed: safeSeed('cohort.seed', ctx.cohort.seed), index: ctx.volume.subjectIndex, cohortSize: ctx.cohort.size });
  if (!draw.vector) {
    throw new PermanentError(`subject ${ctx.volume.subjectIndex}: every draw of the condition distribution was rejected (${JSON.stringify(draw.rejections)})`);
  }
  let settings, qc;
  try {
    // resolved and validated at request time (API); stored complete on the cohort
    settings = parseSamplerSettings(ctx.cohort.samplerSettings, meta);
    qc = parseQcSettings(ctx.cohort.qcSettings, meta);
  } catch (e) {
    throw new PermanentError((e as Error).message);
  }
  // the model's calibration: requested -> the value fed to the network (never for the empty condition)
  let calibration: CalibrationResult | null = null;
  if (meta.calibration) {
    try {
      calibration = applyCalibration(draw.vector, meta.calibration, FEATURE_NAMES);
    } catch (e) {
      throw new PermanentError(`model ${ctx.model.name}: ${(e as Error).message}`);
    }
  }
  const fed = calibration ? calibration.fed : [...draw.vector];
  return { model, meta, draw: { ...draw, vector: draw.vector }, fed, calibration, settings, qc, volumeSeed: safeSeed('volume.seed', ctx.volume.seed) };
}

export class VolumeProcessor {
  constructor(private readonly deps: { repo: VolumeRepository; storage: Storage; models: ModelCache; config: WorkerConfig; log: Logger }) {}

  /**
   * Run one job. `abort` is raised by the caller (shutdown) or by this attempt's own heartbeat and step
   * checks (claim taken over, cohort cancelled). Throws JobAborted, PermanentError or any failure; `state`
   * tells the caller which claim and files were involved.
   */
  async process(job: JobInfo, abort: AbortController, queue: { retryCount: number }, state: AttemptState): Promise<Outcome> {
    const { repo, config } = this.deps;
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
    if (!isRunnableCohort(ctx.cohort.status)) return { kind: 'skipped', volumeId: job.volumeId, why: `cohort is ${ctx.cohort.status}` };

    const start = await repo.startAttempt(job.volumeId, { workerId: config.workerId, host: os.hostname(), jobId: job.jobId }, config.maxInterruptions);
    if (start.kind === 'not-runnable') return { kind: 'skipped', volumeId: job.volumeId, why: 'volume not runnable' };
    if (start.kind === 'exhausted') {
      throw new PermanentError(`interrupted ${start.interruptions} times (worker lost, killed or cut off; MAX_INTERRUPTIONS = ${config.maxInterruptions}): giving up until a manual retry`);
    }
    const claim = start.claim;
    state.claim = claim;
    const heartbeat = setInterval(() => {
      repo
        .heartbeat(claim.attemptId)
        .then((held) => {
          if (!held && !abort.signal.aborted) abort.abort(new JobAborted('lease-lost'));
        })
        .catch((e) => this.deps.log.warn({ err: e, volumeId: job.volumeId }, 'heartbeat failed (database unreachable?)'));
    }, Math.max(200, (config.leaseSeconds * 1000) / 3));
    try {
      return await this.generateAndRecord(job, ctx, claim, abort, queue, state, t0);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Throws JobAborted with the reason the attempt must stop now, if any. */
  private async checkClaim(claim: Claim, cohortId: string, abort: AbortController): Promise<void> {
    const s = await this.deps.repo.claimState(claim.attemptId, cohortId);
    if (s.cohortStatus === 'CANCELLED') abort.abort(new JobAborted('cancelled'));
    else if (!s.held) abort.abort(new JobAborted('lease-lost'));
    if (abort.signal.aborted) throw abortReason(abort);
  }

  private async generateAndRecord(job: JobInfo, ctx: VolumeContext, claim: Claim, abort: AbortController, queue: { retryCount: number }, state: AttemptState, t0: number): Promise<Outcome> {
    const { repo, storage, models, config, log } = this.deps;
    const tDb0 = performance.now();
    const { model, meta, draw, fed, calibration, settings, qc, volumeSeed } = await prepare(ctx, models);
    const conditionMs = performance.now() - tDb0;

    // Generate, measure and check; a volume that fails quality control is generated again with a derived
    // seed, up to qc.maxTries. The last try's files are kept either way (QC_FAILED volumes can be inspected).
    const qcOn = qc?.enabled === true;
    const tries: QcTry[] = [];
    let gen!: GenerateResult;
    let f!: TumourFeatures;
    let noiseKey = 0;
    const denoise = { denoiserMs: 0, samplerOverheadMs: 0, decoderMs: 0, measureMs: 0 };
    for (let t = 0; t < (qcOn ? qc!.maxTries : 1); t++) {
      noiseKey = noiseKeyOf(claim.round, t);
      let stepsSinceCheck = 0;
      try {
        gen = await generateVolume({
          ort: model.ort,
          condition: fed,
          settings,
          noiseSeed: volumeSeed,
          subjectIndex: ctx.volume.subjectIndex,
          noiseKey,
          decodeBatchSlices: config.decodeBatchSlices,
          signal: abort.signal,
          stepDelayMs: config.stepDelayMs,
          onStep: async () => {
            if (++stepsSinceCheck >= config.claimCheckEverySteps) {
              stepsSinceCheck = 0;
              await this.checkClaim(claim, ctx.cohort.id, abort);
            }
          },
        });
      } catch (e) {
        if (e instanceof SamplingCancelled || abort.signal.aborted) throw abortReason(abort);
        throw e;
      }
      denoise.denoiserMs += gen.timings.denoiserMs;
      denoise.samplerOverheadMs += gen.timings.samplerOverheadMs;
      denoise.decoderMs += gen.timings.decoderMs;
      if (t < config.qcTestEmptyMaskTries) gen.mask.fill(0); // testing: an out-of-tolerance mask
      const tM = performance.now();
      const norm = meta.conditioning.normalisation;
      f = computeFeatures(gen.mask, meta.volume.shape_dhw, meta.volume.spacing_mm, { maxVoxelCount: norm.max_voxel_count, maxSurfaceArea: norm.max_surface_area });
      const checks = qcOn ? checkVolume(qc!, model.conditioning, draw.vector, f, gen.image, gen.mask) : [];
      denoise.measureMs += performance.now() - tM;
      const passed = checks.every((c) => c.passed);
      tries.push({ index: t, noiseKey, rng: describeNoise(volumeSeed, ctx.volume.subjectIndex, noiseKey), measured: f.normalised, checks, passed });
      if (passed) break;
      log.info({ volumeId: ctx.volume.id, try: t + 1, of: qc!.maxTries, reasons: checks.filter((c) => !c.passed).map((c) => c.reason) }, 'volume failed quality control; generating again with a derived seed');
    }
    await this.checkClaim(claim, ctx.cohort.id, abort);
    const last = tries[tries.length - 1]!;
    const qcRecord: ProvenanceQc = qcOn
      ? { status: last.passed ? 'passed' : 'failed', notRunReason: null, settings: qc, tries, acceptedTry: last.index }
      : { status: 'not-run', notRunReason: qc ? qc.disabledReason : 'cohort requested before quality control existed', settings: qc, tries, acceptedTry: 0 };
    const qcFailed = qcRecord.status === 'failed';

    const tN0 = performance.now();
    const { imageBytes, maskBytes, affine, shapeDhw, spacingMm } = encodeOutputs(meta, gen, ctx.model.name, ctx.cohort.id, ctx.volume.subjectIndex);
    const tN1 = performance.now();
    const keys = outputKeys(ctx, claim.number);
    if (!(await repo.declareOutputs(claim.attemptId, keys))) throw new JobAborted('lease-lost');
    state.keys = [keys.imageKey, keys.maskKey];
    const img = await storage.putAtomic(keys.imageKey, imageBytes);
    const msk = await storage.putAtomic(keys.maskKey, maskBytes);
    const tS1 = performance.now();

    if (config.recordDelayMs) await sleep(config.recordDelayMs);

    const timings = {
      databaseReadMs: tDb0 - t0,
      modelLoadMs: model.loadMs,
      conditionMs,
      ...denoise,
      niftiEncodeMs: tN1 - tN0,
      storageWriteAndHashMs: tS1 - tN1,
      totalBeforeRecordMs: performance.now() - t0,
    };
    const provenance = buildVolumeProvenance({
      ctx,
      model,
      draw,
      calibration,
      fed,
      settings,
      noiseKey,
      qc: qcRecord,
      gen,
      features: f,
      outputs: { storageKind: storage.kind, image: img, mask: msk, affine, shapeDhw, spacingMm },
      worker: { id: config.workerId, codeRevision: config.codeRevision, jobId: job.jobId, attempt: claim.number, attemptId: claim.attemptId, queueRetryCount: queue.retryCount, decodeBatchSlices: config.decodeBatchSlices },
      timings,
    });
    const tR0 = performance.now();
    const rec = await repo.recordSuccess(
      {
        volumeId: ctx.volume.id,
        status: qcFailed ? 'QC_FAILED' : 'SUCCEEDED',
        error: qcFailed ? `quality control failed on all ${tries.length} tries; last try: ${last.checks.filter((c) => !c.passed).map((c) => c.reason).join('; ')}`.slice(0, 4000) : null,
        cohortId: ctx.cohort.id,
        workerId: config.workerId,
        requestedCondition: { featureNames: [...FEATURE_NAMES], vector: draw.vector, stratum: draw.stratum, tries: draw.tries, rejections: draw.rejections },
        measuredCondition: { featureNames: [...FEATURE_NAMES], vector: f.normalised, empty: f.empty, physical: f.physical },
        imageKey: img.key,
        imageSha256: img.sha256,
        imageBytes: img.bytes,
        maskKey: msk.key,
        maskSha256: msk.sha256,
        maskBytes: msk.bytes,
        provenance,
      },
      claim.attemptId,
    );
    const recordMs = performance.now() - tR0;
    if (rec.result === 'recorded' || rec.result === 'already') state.keys = [];
    await removeFiles(storage, rec.staleKeys, log);
    const logFields = { volumeId: ctx.volume.id, cohortId: ctx.cohort.id, subjectIndex: ctx.volume.subjectIndex, attempt: claim.number };
    if (rec.result === 'cancelled') {
      log.info(logFields, 'cohort cancelled while the volume was written: nothing recorded, files removed');
      return { kind: 'cancelled', volumeId: ctx.volume.id };
    }
    if (rec.result === 'superseded') {
      log.warn(logFields, 'claim was taken over while this attempt ran: nothing recorded, files removed');
      return { kind: 'superseded', volumeId: ctx.volume.id };
    }
    log.info({ ...logFields, recorded: rec.result, qc: qcRecord.status, tries: tries.length, ms: Math.round(performance.now() - t0), imageSha256: img.sha256 }, 'volume generated');
    return { kind: 'succeeded', volumeId: ctx.volume.id, recorded: rec.result, timings: { ...timings, databaseRecordMs: recordMs } };
  }
}

function abortReason(abort: AbortController): JobAborted {
  const r = abort.signal.reason;
  return r instanceof JobAborted ? r : new JobAborted('shutdown');
}

/** Best effort: a file that cannot be removed now is named in the log (no record points at it). */
export async function removeFiles(storage: Storage, keys: readonly string[], log: Logger): Promise<void> {
  for (const key of keys) {
    try {
      await storage.delete(key);
    } catch (e) {
      log.warn({ err: e, key: storage.describe(key) }, 'could not remove a file no record points at');
    }
  }
}
