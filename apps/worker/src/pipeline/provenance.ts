/**
 * The one builder of a volume's provenance record (@slicewise/provenance VolumeProvenance): everything needed
 * to regenerate the volume (replay) and to answer "where did this file come from?" (trace, manifests).
 */
import os from 'node:os';
import type { CalibrationResult, TumourFeatures } from '@slicewise/conditioning';
import type { SamplerSettings } from '@slicewise/models';
import { VOLUME_PROVENANCE_SCHEMA_V2, type ProvenanceQc, type VolumeProvenanceV2 } from '@slicewise/provenance';
import type { PutResult } from '@slicewise/storage';
import { ORT_VERSION } from '../onnx/index.ts';
import { describeNoise, type GenerateResult } from './generate.ts';
import type { ReadyModel } from './model-cache.ts';
import type { VolumeContext } from './volume.repository.ts';

export interface ProvenanceInput {
  ctx: VolumeContext;
  model: ReadyModel;
  draw: { vector: number[]; stratum: string | null; tries: number; rejections: Record<string, number> };
  /** The vector fed to the denoiser, through the model's calibration (null: the model declares none). */
  calibration: CalibrationResult | null;
  fed: number[];
  settings: SamplerSettings;
  /** The accepted try's noise key (quality.ts noiseKeyOf). */
  noiseKey: number;
  qc: ProvenanceQc;
  gen: Pick<GenerateResult, 'denoiserCalls' | 'maskPostprocess'>;
  features: TumourFeatures;
  outputs: { storageKind: string; image: PutResult; mask: PutResult; affine: number[][]; shapeDhw: [number, number, number]; spacingMm: [number, number, number] };
  worker: { id: string; codeRevision: string; jobId: string; attempt: number; attemptId: string; queueRetryCount: number; decodeBatchSlices: number };
  timings: Record<string, number>;
}

export function buildVolumeProvenance(i: ProvenanceInput): VolumeProvenanceV2 {
  const { ctx, model, draw, settings, features: f, outputs: o } = i;
  const meta = model.loaded.metadata;
  const subjectIndex = ctx.volume.subjectIndex;
  const file = (r: PutResult) => ({ key: r.key, sha256: r.sha256, bytes: r.bytes, shapeDhw: o.shapeDhw, spacingMm: o.spacingMm, affine: o.affine });
  return {
    schema: VOLUME_PROVENANCE_SCHEMA_V2,
    volumeId: ctx.volume.id,
    cohort: { id: ctx.cohort.id, name: ctx.cohort.name, teamId: ctx.cohort.teamId, projectId: ctx.cohort.projectId, size: ctx.cohort.size, isPreview: ctx.cohort.isPreview },
    distributionVersion: { id: ctx.distributionVersion.id, distributionId: ctx.distributionVersion.distributionId, version: ctx.distributionVersion.version, specHash: ctx.distributionVersion.specHash },
    subjectIndex,
    seeds: {
      cohortSeed: String(ctx.cohort.seed),
      volumeSeed: String(ctx.volume.seed),
      condition: { algorithm: 'xoshiro128** (@slicewise/conditioning sampleConditionVector)', seed: Number(ctx.cohort.seed), index: subjectIndex, cohortSize: ctx.cohort.size },
      noise: { algorithm: 'philox4x32-10 + Box-Muller (@slicewise/sampler)', rng: describeNoise(Number(ctx.volume.seed), subjectIndex, i.noiseKey), noiseKey: i.noiseKey },
    },
    condition: { requested: draw.vector, fed: i.fed, measured: f.normalised, measuredPhysical: f.physical, stratum: draw.stratum, drawTries: draw.tries, rejections: draw.rejections },
    calibration: i.calibration && { version: i.calibration.version, applied: i.calibration.applied, clamped: i.calibration.clamped, unchangedReason: i.calibration.unchangedReason },
    qc: i.qc,
    model: {
      id: ctx.model.id,
      name: ctx.model.name,
      version: ctx.model.version,
      folderVersion: model.loaded.version,
      metadataSha256: model.loaded.metadataSha256,
      fileHashes: model.loaded.fileHashes,
    },
    scheduler: {
      ...settings,
      schedule: meta.schedule,
      guidance: meta.conditioning.null_condition
        ? `classifier-free, conditional and null rows in one batched call${settings.guidanceInterval ? ` while ${settings.guidanceInterval[0]} <= t <= ${settings.guidanceInterval[1]} (conditional rows alone elsewhere)` : ''}`
        : 'none',
      decodeBatchSlices: i.worker.decodeBatchSlices,
      denoiserCalls: i.gen.denoiserCalls,
    },
    runtime: {
      executionProvider: model.ort.provider,
      onnxruntime: `onnxruntime-node ${ORT_VERSION}`,
      ortVersion: ORT_VERSION,
      intraOpThreads: model.ort.intraOpThreads,
      interOpThreads: 1,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpu: os.cpus()[0]?.model ?? 'unknown',
    },
    worker: { id: i.worker.id, host: os.hostname(), codeRevision: i.worker.codeRevision, jobId: i.worker.jobId, attempt: i.worker.attempt, attemptId: i.worker.attemptId, queueRetryCount: i.worker.queueRetryCount },
    timings: i.timings,
    outputs: {
      storage: o.storageKind,
      image: { ...file(o.image), dtype: 'float32', intent: 'none', range: meta.volume.channels.find((c) => c.name === 'image')?.range ?? null },
      mask: { ...file(o.mask), dtype: 'uint8', intent: 'label', labels: { 0: 'background', 1: 'whole tumour' }, voxels: f.raw.voxelCount, postprocess: i.gen.maskPostprocess },
    },
    createdAt: new Date().toISOString(),
  };
}
