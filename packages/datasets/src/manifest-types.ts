/**
 * The types of a dataset version's manifest (every stored schema version), its inputs and its error. The format
 * itself is described in manifest.ts (build, bytes, hash); parsing a manifest read back is manifest-parse.ts.
 */
import type { VolumeProvenance } from '@slicewise/provenance';
import type { AdherenceSummary, QcStatus } from './adherence.ts';

export const MANIFEST_SCHEMA_V1 = 'slicewise-dataset-manifest/1';
export const MANIFEST_SCHEMA_V2 = 'slicewise-dataset-manifest/2';
/** The version `buildManifest` writes. */
export const MANIFEST_SCHEMA = MANIFEST_SCHEMA_V2;
export const MANIFEST_SCHEMAS = [MANIFEST_SCHEMA_V1, MANIFEST_SCHEMA_V2] as const;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** A volume row as the API reads it from the database (bigint/Date allowed; normalised here). */
export interface VolumeInput {
  id: string;
  cohortId: string;
  subjectIndex: number;
  imageKey: string | null;
  imageSha256: string | null;
  imageBytes: number | bigint | string | null;
  maskKey: string | null;
  maskSha256: string | null;
  maskBytes: number | bigint | string | null;
  requestedCondition: unknown;
  measuredCondition: unknown;
  /** Parsed by the caller (parseVolumeProvenance): a manifest only holds valid records. */
  provenance: VolumeProvenance;
  reviewState: string;
  /** Reviewer id (or a { id, email, name } object); null if never reviewed. */
  reviewedBy?: unknown;
  reviewedAt?: Date | string | null;
}

export interface CohortInput {
  id: string;
  name: string;
  seed: number | bigint | string;
  samplerSettings?: unknown;
  model: { id?: string; name: string; version: string | number; fileHashes?: unknown };
  distributionVersion: { id: string; version: number | string; specHash: string; spec?: unknown; distributionId?: string };
  /** User id or { id, email, name }. */
  requestedBy: unknown;
  createdAt: Date | string;
}

/**
 * The explicit decision to publish volumes that failed quality control (the API records it in the audit log
 * too). Required exactly when at least one volume's provenance says QC failed.
 */
export interface QcWaiverInput {
  /** Why the failed volumes are wanted anyway (shown in the manifest and the Croissant RAI fields). */
  reason: string;
  /** Who waived: a user id or { id, email, name }. */
  by: unknown;
}

export interface ManifestInput {
  projectId: string;
  cohorts: readonly CohortInput[];
  volumes: readonly VolumeInput[];
  /** Needed when any volume failed quality control; refused when none did. */
  qcWaiver?: QcWaiverInput | null;
}

export interface ManifestFile {
  /** Relative path inside the version: `images/<cohortShort>-sub-0007_image.nii.gz`. */
  path: string;
  kind: 'image' | 'mask';
  sha256: string;
  bytes: number;
  volumeId: string;
  /** Storage key the bytes are read from (relative key, @slicewise/storage rules). */
  storageKey: string;
}

export interface ManifestVolumeV1 {
  id: string;
  cohortId: string;
  subjectIndex: number;
  image: string; // path
  mask: string; // path
  requestedCondition: JsonValue;
  measuredCondition: JsonValue;
  provenance: VolumeProvenance;
  review: { state: string; by: JsonValue; at: string | null };
}

/** A volume's quality-control outcome, from its provenance record (qcOf). */
export interface ManifestVolumeQc {
  status: QcStatus;
  /** Generations of the volume (1 = kept on the first try; records without QC count their one generation). */
  tries: number;
  /** Why it is not a plain pass: the failed checks of the kept try (failed), or why QC did not run (not-run); [] when passed. */
  reasons: string[];
}

export interface ManifestVolumeV2 extends ManifestVolumeV1 {
  qc: ManifestVolumeQc;
}

export type ManifestVolume = ManifestVolumeV1 | ManifestVolumeV2;

export interface ManifestCohort {
  id: string;
  /** File name prefix for this cohort's volumes (>= 8 hex chars of the id, unique within the manifest). */
  short: string;
  name: string;
  seed: string;
  samplerSettings: JsonValue;
  requestedBy: JsonValue;
  createdAt: string;
  model: { id: string | null; name: string; version: string; fileHashes: JsonValue };
  distributionVersion: { id: string; distributionId: string | null; version: string; specHash: string; spec: JsonValue };
}

export interface QcWaiver {
  reason: string;
  by: JsonValue;
  /** Ids of the version's volumes that failed QC and are published under this waiver (sorted). */
  qcFailedVolumes: string[];
}

export interface ManifestV1 {
  schema: typeof MANIFEST_SCHEMA_V1;
  projectId: string;
  cohorts: ManifestCohort[];
  volumes: ManifestVolumeV1[];
  files: ManifestFile[];
  totals: { volumes: number; files: number; bytes: number };
}

export interface ManifestV2 extends Omit<ManifestV1, 'schema' | 'volumes'> {
  schema: typeof MANIFEST_SCHEMA_V2;
  volumes: ManifestVolumeV2[];
  qcWaiver: QcWaiver | null;
  /** computeAdherence over the version's volumes when it was published, without the scatter (the volumes hold those vectors). */
  adherence: AdherenceSummary;
}

/** Any stored manifest. */
export type Manifest = ManifestV1 | ManifestV2;

export type ManifestErrorCode =
  /** A field of the input is missing or malformed (the message names the volume and field). */
  | 'INVALID_INPUT'
  /** Volumes failed quality control and no qcWaiver was given. */
  | 'QC_WAIVER_REQUIRED'
  /** A qcWaiver was given but no volume failed quality control. */
  | 'QC_WAIVER_UNUSED'
  /** A manifest read back (parseManifest) is not a valid manifest. */
  | 'INVALID_MANIFEST';

export class ManifestError extends Error {
  constructor(
    message: string,
    readonly code: ManifestErrorCode = 'INVALID_INPUT',
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** sha256 as the manifest stores it: lowercase hex. */
export const SHA256_RE = /^[0-9a-f]{64}$/;
