/**
 * The provenance record of one generated volume: the product's audit promise (request -> distribution
 * version -> condition -> seeds -> model hashes -> sampler settings -> runtime and worker -> output sha256).
 *
 * One schema, versioned by the `schema` field; the TypeScript type is inferred from it, so the worker that
 * builds a record, replay that re-runs it, the API's trace, dataset manifests and the viewer all read the
 * same shape. `parseVolumeProvenance` checks a stored record against its declared version and lists every
 * problem with its path; it never fills in or corrects values.
 *
 * Units: timings in ms; shapes [D, H, W]; spacing [x, y, z] mm; affines 4x4 row-major, RAS.
 */
import { pickSamplerSettings, SAMPLERS, TIMESTEP_SPACINGS, type SamplerSettings } from '@slicewise/models';
import { z } from 'zod';

export const VOLUME_PROVENANCE_SCHEMA_V1 = 'slicewise-volume-provenance/1';
/** v2: condition calibration (requested and fed vectors), quality control (every try, its seed, measurements and verdicts), the attempt token. */
export const VOLUME_PROVENANCE_SCHEMA_V2 = 'slicewise-volume-provenance/2';
/** The version the worker writes today. */
export const VOLUME_PROVENANCE_SCHEMA = VOLUME_PROVENANCE_SCHEMA_V2;

const int = z.number().int();
const nonNegInt = int.min(0);
const finite = z.number().finite();
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const vec3 = z.tuple([finite, finite, finite]);
const shapeDhw = z.tuple([nonNegInt, nonNegInt, nonNegInt]);
const affine = z.array(z.array(finite).length(4)).length(4);

const samplerSettings = z.object({
  sampler: z.enum(SAMPLERS),
  numInferenceSteps: int.min(1),
  eta: finite,
  guidanceScale: finite,
  timestepSpacing: z.enum(TIMESTEP_SPACINGS),
  stepsOffset: nonNegInt,
  setAlphaToOne: z.boolean(),
  /** Absent in records written before guidance intervals existed (#15): guidance at every step. */
  guidanceInterval: z.tuple([nonNegInt, nonNegInt]).readonly().nullable().optional(),
});

const schedule = z
  .object({
    num_train_timesteps: int.min(1),
    beta_schedule: z.string(),
    beta_start: finite,
    beta_end: finite,
    prediction_type: z.string(),
  })
  .loose(); // the model's schedule block as declared (formula notes etc.)

const physicalFeatures = z.object({
  volumeMl: finite,
  surfaceAreaMm2: finite,
  sphericity: finite,
  centroidMm: vec3,
  extentsMm: vec3,
});

const outputFile = z.object({
  key: z.string().min(1),
  sha256,
  bytes: nonNegInt,
  dtype: z.enum(['float32', 'uint8']),
  intent: z.enum(['none', 'label']),
  shapeDhw,
  spacingMm: vec3,
  affine,
});

const maskPostprocess = z.object({
  op: z.string(),
  connectivity: int,
  componentsBefore: nonNegInt,
  removedVoxels: nonNegInt,
});

export const volumeProvenanceV1 = z.object({
  schema: z.literal(VOLUME_PROVENANCE_SCHEMA_V1),
  volumeId: z.string().min(1),
  cohort: z.object({ id: z.string(), name: z.string(), teamId: z.string(), projectId: z.string(), size: int.min(1), isPreview: z.boolean() }),
  distributionVersion: z.object({ id: z.string(), distributionId: z.string(), version: int.min(1), specHash: z.string() }),
  subjectIndex: nonNegInt,
  seeds: z.object({
    /** Decimal strings: the database keeps them as BIGINT. */
    cohortSeed: z.string().regex(/^\d+$/),
    volumeSeed: z.string().regex(/^\d+$/),
    condition: z.object({ algorithm: z.string(), seed: nonNegInt, index: nonNegInt, cohortSize: int.min(1) }),
    noise: z.object({ algorithm: z.string(), rng: z.string() }),
  }),
  condition: z.object({
    /** The 9-vector drawn from the distribution (paper order, normalised). */
    requested: z.array(finite),
    /** Features of the generated (post-processed) mask, or null for a model without normalisation. */
    measured: z.array(finite).nullable(),
    measuredPhysical: physicalFeatures,
    stratum: z.string().nullable(),
    drawTries: int.min(1),
    rejections: z.record(z.string(), nonNegInt),
  }),
  model: z.object({
    id: z.string(),
    name: z.string(),
    version: z.string(),
    folderVersion: z.string(),
    metadataSha256: sha256,
    fileHashes: z.record(z.string(), sha256),
  }),
  scheduler: samplerSettings.extend({
    schedule,
    guidance: z.string(),
    decodeBatchSlices: int.min(1),
    denoiserCalls: nonNegInt,
    /** Written before sampler settings were resolved at request time (the request's raw overrides). */
    requestedSettings: z.unknown().optional(),
  }),
  runtime: z.object({
    executionProvider: z.object({ requested: z.enum(['cpu', 'cuda']), used: z.enum(['cpu', 'cuda']), fallbackReason: z.string().nullable() }),
    onnxruntime: z.string(),
    ortVersion: z.string(),
    intraOpThreads: int.min(1),
    interOpThreads: int.min(1),
    node: z.string(),
    platform: z.string(),
    cpu: z.string(),
  }),
  worker: z.object({
    id: z.string(),
    host: z.string(),
    codeRevision: z.string(),
    jobId: z.string(),
    attempt: int.min(1),
    queueRetryCount: nonNegInt,
  }),
  /** Wall-clock ms per stage of this attempt (names end in Ms). */
  timings: z.record(z.string(), finite),
  outputs: z.object({
    storage: z.string(),
    image: outputFile.extend({ range: z.tuple([finite, finite]).nullable() }),
    mask: outputFile.extend({
      labels: z.record(z.string(), z.string()),
      voxels: nonNegInt,
      /** The model's mask post-processing (null: none declared; absent in records written before it existed). */
      postprocess: maskPostprocess.nullable().optional(),
    }),
  }),
  createdAt: z.iso.datetime(),
});

const qcSettings = z.object({
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  maxTries: int.min(1),
  minTumourVoxels: nonNegInt,
  tolerances: z.record(z.string(), finite),
  brainOutline: z.object({ imageThreshold: finite, minDice: finite }).nullable(),
  intensity: z.object({ percentiles: z.array(finite), ranges: z.array(z.tuple([finite, finite])), excludeTumour: z.boolean().optional() }).nullable(),
});

/** One quality check of one try: what was measured against which limit, and why it failed. */
const qcCheck = z.object({ name: z.string(), passed: z.boolean(), measured: finite.nullable(), limit: z.string(), reason: z.string().nullable() });

/** One generation of the volume: its noise key (0 = the volume's own seed), what was measured, the verdict. */
const qcTry = z.object({
  index: nonNegInt,
  noiseKey: nonNegInt,
  rng: z.string(),
  measured: z.array(finite).nullable(),
  checks: z.array(qcCheck),
  passed: z.boolean(),
});

export const volumeProvenanceV2 = volumeProvenanceV1.extend({
  schema: z.literal(VOLUME_PROVENANCE_SCHEMA_V2),
  seeds: volumeProvenanceV1.shape.seeds.extend({
    /** The accepted try's noise: createRng(volumeSeed).fork(subjectIndex), then .fork(noiseKey) when noiseKey > 0. */
    noise: z.object({ algorithm: z.string(), rng: z.string(), noiseKey: nonNegInt }),
  }),
  condition: volumeProvenanceV1.shape.condition.extend({
    /** The vector fed to the denoiser: `requested` through the model's calibration (equal when it has none). */
    fed: z.array(finite),
  }),
  calibration: z
    .object({
      version: int.min(1),
      applied: z.array(z.object({ feature: z.string(), requested: finite, fed: finite, via: z.enum(['map', 'rule']) })),
      clamped: z.array(z.string()),
      unchangedReason: z.string().nullable(),
    })
    .nullable(),
  qc: z.object({
    status: z.enum(['passed', 'failed', 'not-run']),
    notRunReason: z.string().nullable(),
    settings: qcSettings.nullable(),
    tries: z.array(qcTry),
    /** The try whose files were kept: the one that passed, else the last. */
    acceptedTry: nonNegInt,
  }),
  worker: volumeProvenanceV1.shape.worker.extend({ attemptId: z.string() }),
});

export type VolumeProvenanceV1 = z.infer<typeof volumeProvenanceV1>;
export type VolumeProvenanceV2 = z.infer<typeof volumeProvenanceV2>;
export type VolumeProvenance = VolumeProvenanceV1 | VolumeProvenanceV2;
export type QcTry = z.infer<typeof qcTry>;
export type QcCheck = z.infer<typeof qcCheck>;
export type ProvenanceQc = VolumeProvenanceV2['qc'];

export class ProvenanceError extends Error {
  constructor(
    readonly code: 'UNKNOWN_SCHEMA' | 'INVALID',
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message);
    this.name = 'ProvenanceError';
  }
}

const SCHEMAS = { [VOLUME_PROVENANCE_SCHEMA_V1]: volumeProvenanceV1, [VOLUME_PROVENANCE_SCHEMA_V2]: volumeProvenanceV2 } as const;

/** A stored record, checked against the schema version it declares. Throws ProvenanceError listing every issue. */
export function parseVolumeProvenance(raw: unknown): VolumeProvenance {
  const declared = typeof raw === 'object' && raw !== null ? (raw as { schema?: unknown }).schema : undefined;
  const schema = SCHEMAS[declared as keyof typeof SCHEMAS];
  if (!schema) {
    throw new ProvenanceError('UNKNOWN_SCHEMA', `provenance schema ${JSON.stringify(declared)} is not one of ${Object.keys(SCHEMAS).join(', ')}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ProvenanceError('INVALID', `provenance record is not a valid ${String(declared)}: ${issues.join('; ')}`, issues);
  }
  return r.data;
}

/** The sampler settings a record was generated with (the keys of the sampler-settings contract only). */
export function samplerSettingsOf(p: VolumeProvenance): SamplerSettings {
  return pickSamplerSettings(p.scheduler);
}

/** What regenerating the accepted try needs, for every schema version (v1: no calibration, the volume's own noise). */
export function generationInputsOf(p: VolumeProvenance): { condition: number[]; noiseSeed: number; subjectIndex: number; noiseKey: number } {
  const v2 = p.schema === VOLUME_PROVENANCE_SCHEMA_V2 ? p : null;
  return { condition: v2 ? v2.condition.fed : p.condition.requested, noiseSeed: Number(p.seeds.volumeSeed), subjectIndex: p.subjectIndex, noiseKey: v2 ? v2.seeds.noise.noiseKey : 0 };
}

/** The quality-control record of any schema version (v1 records predate quality control). */
export function qcOf(p: VolumeProvenance): ProvenanceQc {
  if (p.schema === VOLUME_PROVENANCE_SCHEMA_V2) return p.qc;
  return { status: 'not-run', notRunReason: 'generated before quality control existed (provenance schema /1)', settings: null, tries: [], acceptedTry: 0 };
}
