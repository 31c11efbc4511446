/**
 * The manifest of a dataset version: the complete, deterministic description of what the version
 * contains. Its canonical JSON bytes (canonical.ts) are what `manifest.json` holds and its sha256 is the
 * version's identity (`manifestHash`), so publishing the same content twice yields the same version.
 *
 * Content only: volumes (files with sha256 and size, requested and measured conditions, generation
 * provenance, review state) and the cohorts, models and distribution versions they came from. Anything
 * that differs between two publications of the same content (version name, tags, publish time, who
 * published) lives in the version's metadata, never in the manifest.
 *
 * Order never matters: volumes sort by (cohortId, subjectIndex), files by path, cohorts by id, object keys
 * are sorted by the canonical form.
 */
import type { VolumeProvenance } from '@slicewise/provenance';
import { canonicalJson, sha256Hex } from './canonical.ts';

export const MANIFEST_SCHEMA = 'slicewise-dataset-manifest/1';

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

export interface ManifestInput {
  projectId: string;
  cohorts: readonly CohortInput[];
  volumes: readonly VolumeInput[];
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

export interface ManifestVolume {
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

export interface Manifest {
  schema: typeof MANIFEST_SCHEMA;
  projectId: string;
  cohorts: ManifestCohort[];
  volumes: ManifestVolume[];
  files: ManifestFile[];
  totals: { volumes: number; files: number; bytes: number };
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const SHA256_RE = /^[0-9a-f]{64}$/;
// Storage key rule of @slicewise/storage (kept local so this check needs no storage instance).
const KEY_SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

function toJson(v: unknown, at: string): JsonValue {
  // Round-trip through canonical JSON: refuses NaN/bigint/undefined-in-arrays and turns Dates into strings.
  if (v === undefined) return null;
  try {
    return JSON.parse(canonicalJson(v)) as JsonValue;
  } catch (e) {
    throw new ManifestError(`${at}: ${(e as Error).message}`);
  }
}

function bytesOf(v: number | bigint | string | null, at: string): number {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : v;
  if (n === null || !Number.isSafeInteger(n) || n < 0) throw new ManifestError(`${at} must be a non-negative integer byte count, got ${String(v)}`);
  return n;
}

function shaOf(v: string | null, at: string): string {
  if (typeof v !== 'string' || !SHA256_RE.test(v)) throw new ManifestError(`${at} must be 64 lowercase hex characters (sha256), got ${JSON.stringify(v)}`);
  return v;
}

function keyOf(v: string | null, at: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 512 || !v.split('/').every((s) => KEY_SEGMENT_RE.test(s))) {
    throw new ManifestError(`${at} must be a storage key ('/'-separated [A-Za-z0-9._-] segments), got ${JSON.stringify(v)}`);
  }
  return v;
}

function isoOf(v: Date | string | null | undefined, at: string): string | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) throw new ManifestError(`${at} must be a date, got ${JSON.stringify(v)}`);
  return d.toISOString();
}

/** Shortest prefix length >= 8 of the hyphen-less ids that makes every cohort's prefix unique. */
function cohortShorts(ids: readonly string[]): Map<string, string> {
  const plain = ids.map((id) => id.replace(/-/g, '').toLowerCase());
  const maxLen = Math.max(8, ...plain.map((p) => p.length));
  for (let len = 8; len <= maxLen; len++) {
    const prefixes = plain.map((p) => p.slice(0, len));
    if (new Set(prefixes).size === prefixes.length) return new Map(ids.map((id, i) => [id, prefixes[i]!]));
  }
  throw new ManifestError(`cohort ids are not unique: ${ids.join(', ')}`);
}

export function subjectLabel(subjectIndex: number): string {
  return `sub-${String(subjectIndex).padStart(4, '0')}`;
}

/**
 * Build the manifest of a version from its volumes and their cohorts. Every volume must be complete
 * (image and mask keys, sha256 and sizes present): an incomplete volume is an error naming it, never
 * silently dropped. Duplicate volumes (same id) are an error too.
 */
export function buildManifest(input: ManifestInput): Manifest {
  if (typeof input.projectId !== 'string' || input.projectId.length === 0) throw new ManifestError(`projectId must be a non-empty string, got ${JSON.stringify(input.projectId)}`);
  if (input.volumes.length === 0) throw new ManifestError('a dataset version needs at least one volume, got 0');
  const cohortById = new Map<string, CohortInput>();
  for (const c of input.cohorts) {
    if (cohortById.has(c.id)) throw new ManifestError(`cohort ${c.id} is listed twice`);
    cohortById.set(c.id, c);
  }
  const usedCohortIds = [...new Set(input.volumes.map((v) => v.cohortId))].sort();
  for (const id of usedCohortIds) if (!cohortById.has(id)) throw new ManifestError(`volume refers to cohort ${id}, which is not in cohorts`);
  const shorts = cohortShorts(usedCohortIds);

  const cohorts: ManifestCohort[] = usedCohortIds.map((id) => {
    const c = cohortById.get(id)!;
    const at = `cohort ${id}`;
    return {
      id,
      short: shorts.get(id)!,
      name: c.name,
      seed: String(c.seed),
      samplerSettings: toJson(c.samplerSettings ?? null, `${at}.samplerSettings`),
      requestedBy: toJson(c.requestedBy ?? null, `${at}.requestedBy`),
      createdAt: isoOf(c.createdAt, `${at}.createdAt`) ?? '',
      model: { id: c.model.id ?? null, name: c.model.name, version: String(c.model.version), fileHashes: toJson(c.model.fileHashes ?? null, `${at}.model.fileHashes`) },
      distributionVersion: {
        id: c.distributionVersion.id,
        distributionId: c.distributionVersion.distributionId ?? null,
        version: String(c.distributionVersion.version),
        specHash: c.distributionVersion.specHash,
        spec: toJson(c.distributionVersion.spec ?? null, `${at}.distributionVersion.spec`),
      },
    };
  });

  const seen = new Set<string>();
  const volumes: ManifestVolume[] = [];
  const files: ManifestFile[] = [];
  const sorted = [...input.volumes].sort((a, b) => (a.cohortId < b.cohortId ? -1 : a.cohortId > b.cohortId ? 1 : a.subjectIndex - b.subjectIndex));
  for (const v of sorted) {
    const at = `volume ${v.id} (cohort ${v.cohortId}, subject ${v.subjectIndex})`;
    if (seen.has(v.id)) throw new ManifestError(`${at} is listed twice`);
    seen.add(v.id);
    if (!Number.isSafeInteger(v.subjectIndex) || v.subjectIndex < 0) throw new ManifestError(`${at}: subjectIndex must be a non-negative integer, got ${v.subjectIndex}`);
    const base = `${shorts.get(v.cohortId)!}-${subjectLabel(v.subjectIndex)}`;
    const image: ManifestFile = {
      path: `images/${base}_image.nii.gz`,
      kind: 'image',
      sha256: shaOf(v.imageSha256, `${at}.imageSha256`),
      bytes: bytesOf(v.imageBytes, `${at}.imageBytes`),
      volumeId: v.id,
      storageKey: keyOf(v.imageKey, `${at}.imageKey`),
    };
    const mask: ManifestFile = {
      path: `masks/${base}_mask.nii.gz`,
      kind: 'mask',
      sha256: shaOf(v.maskSha256, `${at}.maskSha256`),
      bytes: bytesOf(v.maskBytes, `${at}.maskBytes`),
      volumeId: v.id,
      storageKey: keyOf(v.maskKey, `${at}.maskKey`),
    };
    files.push(image, mask);
    volumes.push({
      id: v.id,
      cohortId: v.cohortId,
      subjectIndex: v.subjectIndex,
      image: image.path,
      mask: mask.path,
      requestedCondition: toJson(v.requestedCondition ?? null, `${at}.requestedCondition`),
      measuredCondition: toJson(v.measuredCondition ?? null, `${at}.measuredCondition`),
      provenance: v.provenance,
      review: { state: v.reviewState, by: toJson(v.reviewedBy ?? null, `${at}.reviewedBy`), at: isoOf(v.reviewedAt, `${at}.reviewedAt`) },
    });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const paths = new Set(files.map((f) => f.path));
  if (paths.size !== files.length) throw new ManifestError('two volumes map to the same file path (same cohort and subject index twice)');
  return {
    schema: MANIFEST_SCHEMA,
    projectId: input.projectId,
    cohorts,
    volumes,
    files,
    totals: { volumes: volumes.length, files: files.length, bytes: files.reduce((s, f) => s + f.bytes, 0) },
  };
}

/** The exact bytes of `manifest.json` (canonical JSON, UTF-8). */
export function manifestBytes(manifest: Manifest): Buffer {
  return Buffer.from(canonicalJson(manifest), 'utf8');
}

/** A version's identity: sha256 (lowercase hex) of the manifest's canonical bytes. */
export function manifestHash(manifest: Manifest): string {
  return sha256Hex(manifestBytes(manifest));
}

const SAFE_PATH_RE = /^(images|masks)\/[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** True if a manifest file path is one this format produces (no traversal, no absolute path). */
export function isSafeFilePath(p: string): boolean {
  return SAFE_PATH_RE.test(p) && !p.includes('..');
}

/**
 * Structural check of a manifest read back from JSON (a download, a file on disk): the fields the
 * exporter and the CLI rely on. Throws ManifestError naming the first bad field.
 */
export function parseManifest(value: unknown): Manifest {
  const m = value as Manifest;
  if (!m || typeof m !== 'object') throw new ManifestError('manifest must be a JSON object');
  if (m.schema !== MANIFEST_SCHEMA) throw new ManifestError(`manifest.schema must be ${JSON.stringify(MANIFEST_SCHEMA)}, got ${JSON.stringify(m.schema)}`);
  if (!Array.isArray(m.files)) throw new ManifestError('manifest.files must be an array');
  if (!Array.isArray(m.volumes)) throw new ManifestError('manifest.volumes must be an array');
  if (!Array.isArray(m.cohorts)) throw new ManifestError('manifest.cohorts must be an array');
  const paths = new Set<string>();
  m.files.forEach((f, i) => {
    const at = `manifest.files[${i}]`;
    if (!f || typeof f.path !== 'string' || !isSafeFilePath(f.path)) throw new ManifestError(`${at}.path must be images/<name> or masks/<name> with [A-Za-z0-9._-] characters, got ${JSON.stringify(f?.path)}`);
    if (paths.has(f.path)) throw new ManifestError(`${at}.path ${f.path} appears twice`);
    paths.add(f.path);
    if (typeof f.sha256 !== 'string' || !SHA256_RE.test(f.sha256)) throw new ManifestError(`${at} (${f.path}).sha256 must be 64 lowercase hex characters, got ${JSON.stringify(f.sha256)}`);
    if (!Number.isSafeInteger(f.bytes) || f.bytes < 0) throw new ManifestError(`${at} (${f.path}).bytes must be a non-negative integer, got ${JSON.stringify(f.bytes)}`);
  });
  m.volumes.forEach((v, i) => {
    if (!paths.has(v.image) || !paths.has(v.mask)) throw new ManifestError(`manifest.volumes[${i}] (${v.id}) refers to a file that manifest.files does not list`);
  });
  return m;
}
