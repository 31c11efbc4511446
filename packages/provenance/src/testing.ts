/**
 * A schema-valid provenance record for fixtures (dataset tests, API tests that stand in for the worker).
 * Deterministic for the same arguments; only the fields fixtures vary are parameters.
 */
import { VOLUME_PROVENANCE_SCHEMA_V2, type ProvenanceQc, type VolumeProvenanceV2 } from './volume-provenance.ts';

const affine = [
  [1, 0, 0, -7.5],
  [0, 1, 0, -7.5],
  [0, 0, 1, -7.5],
  [0, 0, 0, 1],
];

export function exampleVolumeProvenance(f: {
  volumeId: string;
  cohortId: string;
  subjectIndex: number;
  cohortSeed?: number;
  volumeSeed?: number;
  requested?: number[];
  measured?: number[];
  image?: { key: string; sha256: string; bytes: number };
  mask?: { key: string; sha256: string; bytes: number };
  workerId?: string;
  createdAt?: string;
  modelName?: string;
  /** Default: QC passed on the first try. */
  qc?: ProvenanceQc;
}): VolumeProvenanceV2 {
  const requested = f.requested ?? [0.2, 0.3, 0.8, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3];
  const measured = f.measured ?? requested;
  const file = (x: { key: string; sha256: string; bytes: number } | undefined, kind: string) => ({
    key: x?.key ?? `cohorts/${f.cohortId}/${f.subjectIndex}-${kind}.nii.gz`,
    sha256: x?.sha256 ?? (kind === 'image' ? 'a' : 'b').repeat(64),
    bytes: x?.bytes ?? 1000,
    shapeDhw: [16, 16, 16] as [number, number, number],
    spacingMm: [1, 1, 1] as [number, number, number],
    affine,
  });
  const cohortSeed = f.cohortSeed ?? 1234;
  const volumeSeed = f.volumeSeed ?? 1000 + f.subjectIndex;
  return {
    schema: VOLUME_PROVENANCE_SCHEMA_V2,
    volumeId: f.volumeId,
    cohort: { id: f.cohortId, name: 'fixture cohort', teamId: 'team', projectId: 'project', size: 1 + f.subjectIndex, isPreview: false },
    distributionVersion: { id: 'dv', distributionId: 'dist', version: 1, specHash: 'c'.repeat(64) },
    subjectIndex: f.subjectIndex,
    seeds: {
      cohortSeed: String(cohortSeed),
      volumeSeed: String(volumeSeed),
      condition: { algorithm: 'xoshiro128**', seed: cohortSeed, index: f.subjectIndex, cohortSize: 1 + f.subjectIndex },
      noise: { algorithm: 'philox4x32-10 + Box-Muller', rng: `createRng(${volumeSeed}).fork(${f.subjectIndex})`, noiseKey: 0 },
    },
    condition: {
      requested,
      fed: requested,
      measured,
      measuredPhysical: { volumeMl: 1, surfaceAreaMm2: 50, sphericity: measured[2] ?? 0.8, centroidMm: [8, 8, 8], extentsMm: [4, 4, 4] },
      stratum: null,
      drawTries: 1,
      rejections: {},
    },
    model: { id: 'model', name: f.modelName ?? 'tiny-random', version: 'sha256:000000000000', folderVersion: 'sha256:000000000000', metadataSha256: 'd'.repeat(64), fileHashes: { 'denoiser.onnx': 'e'.repeat(64) } },
    scheduler: {
      sampler: 'ddim',
      numInferenceSteps: 4,
      eta: 0,
      guidanceScale: 2,
      timestepSpacing: 'leading',
      stepsOffset: 0,
      setAlphaToOne: true,
      schedule: { num_train_timesteps: 1000, beta_schedule: 'scaled_linear', beta_start: 0.002, beta_end: 0.02, prediction_type: 'epsilon' },
      guidance: 'classifier-free',
      decodeBatchSlices: 16,
      denoiserCalls: 4,
    },
    runtime: {
      executionProvider: { requested: 'cpu', used: 'cpu', fallbackReason: null },
      onnxruntime: 'onnxruntime-node 1.30.0',
      ortVersion: '1.30.0',
      intraOpThreads: 1,
      interOpThreads: 1,
      node: 'v20.0.0',
      platform: 'linux-x64',
      cpu: 'test cpu',
    },
    worker: { id: f.workerId ?? 'test-worker', host: 'test-host', codeRevision: 'abc1234', jobId: `job-${f.volumeId}`, attempt: 1, queueRetryCount: 0, attemptId: `attempt-${f.volumeId}` },
    calibration: null,
    qc: f.qc ?? {
      status: 'passed',
      notRunReason: null,
      settings: { enabled: true, disabledReason: null, maxTries: 3, minTumourVoxels: 10, tolerances: { voxel_volume: 0.2 }, brainOutline: null, intensity: null },
      tries: [{ index: 0, noiseKey: 0, rng: `createRng(${volumeSeed}).fork(${f.subjectIndex})`, measured, checks: [{ name: 'tumour present', passed: true, measured: 10, limit: '>= 10 voxels', reason: null }], passed: true }],
      acceptedTry: 0,
    },
    timings: { denoiserMs: 100 + f.subjectIndex, decoderMs: 20 },
    outputs: {
      storage: 'local',
      image: { ...file(f.image, 'image'), dtype: 'float32', intent: 'none', range: [-1, 1] },
      mask: { ...file(f.mask, 'mask'), dtype: 'uint8', intent: 'label', labels: { 0: 'background', 1: 'whole tumour' }, voxels: 10, postprocess: null },
    },
    createdAt: f.createdAt ?? new Date(Date.UTC(2026, 0, 2, 0, 0, f.subjectIndex % 60)).toISOString(),
  };
}
