export { CanonicalJsonError, canonicalJson, sha256Hex } from './canonical.ts';
export {
  MANIFEST_SCHEMA,
  ManifestError,
  buildManifest,
  isSafeFilePath,
  manifestBytes,
  manifestHash,
  parseManifest,
  subjectLabel,
  type CohortInput,
  type JsonValue,
  type Manifest,
  type ManifestCohort,
  type ManifestFile,
  type ManifestInput,
  type ManifestVolume,
  type VolumeInput,
} from './manifest.ts';
export {
  DOCUMENT_NAMES,
  buildCroissant,
  buildDatalist,
  buildDatasetDescription,
  buildDocuments,
  buildProv,
  documentFiles,
  provIds,
  type DatasetDocuments,
  type DocumentName,
  type VersionMetadata,
} from './documents.ts';
export { DIFF_FEATURES, diffManifests, featureValues, type FeatureDiff, type ManifestDiff, type VolumeRef } from './diff.ts';
export { kolmogorovSf, ksTwoSample, sharedHistogram, type Histogram, type KsResult } from './ks.ts';
export { ExportError, archiveEntries, archiveSize, writeExportArchive, type ExportErrorCode, type ExportOptions, type ExportProgress } from './export.ts';
export { TarError, tarHeader, tarSize } from './tar.ts';
