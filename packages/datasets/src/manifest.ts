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
 *
 * Schema versions (stored versions are immutable: their bytes and hash never change, so every reader keeps
 * reading every version; `buildManifest` writes the newest):
 *  - /1: files, volumes (conditions, provenance, review), cohorts, totals.
 *  - /2: /1 plus, per volume, a `qc` block (status, tries, reasons; derived from the provenance record), and at
 *    the top the `qcWaiver` under which QC-failed volumes were published (null when none was needed) and the
 *    version's `adherence` report (adherence.ts) over its volumes.
 */
import { qcOf, type VolumeProvenance } from '@slicewise/provenance';
import { type AdherenceSummary, adherenceSummary, computeAdherence } from './adherence.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { MANIFEST_SCHEMA_V2, ManifestError, SHA256_RE } from './manifest-types.ts';
import type { CohortInput, JsonValue, Manifest, ManifestCohort, ManifestFile, ManifestInput, ManifestVolume, ManifestV2, ManifestVolumeQc, ManifestVolumeV2, QcWaiver, QcWaiverInput } from './manifest-types.ts';

export * from './manifest-types.ts';
export { isSafeFilePath, parseManifest } from './manifest-parse.ts';

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

/** A volume's QC block from its provenance record (any schema version; records before QC are 'not-run'). */
export function volumeQcOf(p: VolumeProvenance): ManifestVolumeQc {
  const qc = qcOf(p);
  const kept = qc.tries.find((t) => t.index === qc.acceptedTry) ?? qc.tries[qc.tries.length - 1];
  const reasons =
    qc.status === 'failed'
      ? (kept?.checks ?? []).filter((c) => !c.passed).map((c) => c.reason ?? `${c.name}: failed (${c.limit})`)
      : qc.status === 'not-run'
        ? [qc.notRunReason ?? 'quality control did not run']
        : [];
  return { status: qc.status, tries: Math.max(1, qc.tries.length), reasons };
}

/** The QC block of a manifest volume: stored in /2 manifests, derived from the provenance record in /1. */
export function manifestVolumeQc(v: ManifestVolume): ManifestVolumeQc {
  return 'qc' in v ? v.qc : volumeQcOf(v.provenance);
}

/** computeAdherence's input for manifest volumes (requested and measured vectors from the provenance record). */
export function adherenceInputOf(volumes: readonly ManifestVolume[]) {
  return volumes.map((v) => {
    const qc = manifestVolumeQc(v);
    return { id: v.id, requested: v.provenance.condition.requested, measured: v.provenance.condition.measured, qcStatus: qc.status, tries: qc.tries };
  });
}

/** The adherence report of any manifest: stored in /2 (as published), computed from the volumes for /1. */
export function manifestAdherence(m: Manifest): AdherenceSummary {
  return m.schema === MANIFEST_SCHEMA_V2 ? m.adherence : adherenceSummary(computeAdherence(adherenceInputOf(m.volumes)));
}

/** The QC waiver of any manifest (/1 manifests predate waivers: null). */
export function manifestQcWaiver(m: Manifest): QcWaiver | null {
  return m.schema === MANIFEST_SCHEMA_V2 ? m.qcWaiver : null;
}

/**
 * Build the manifest of a version from its volumes and their cohorts. Every volume must be complete
 * (image and mask keys, sha256 and sizes present): an incomplete volume is an error naming it, never
 * silently dropped. Duplicate volumes (same id) are an error too. Volumes that failed quality control need
 * `input.qcWaiver` (QC_WAIVER_REQUIRED naming them); a waiver without such volumes is refused (QC_WAIVER_UNUSED),
 * so a manifest's waiver always names what it waived.
 */
export function buildManifest(input: ManifestInput): ManifestV2 {
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
  const volumes: ManifestVolumeV2[] = [];
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
      qc: volumeQcOf(v.provenance),
    });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const paths = new Set(files.map((f) => f.path));
  if (paths.size !== files.length) throw new ManifestError('two volumes map to the same file path (same cohort and subject index twice)');
  const qcWaiver = waiverOf(input.qcWaiver, volumes);
  let adherence: AdherenceSummary;
  try {
    adherence = adherenceSummary(computeAdherence(adherenceInputOf(volumes)));
  } catch (e) {
    throw new ManifestError(`adherence of the version's volumes: ${(e as Error).message}`);
  }
  return {
    schema: MANIFEST_SCHEMA_V2,
    projectId: input.projectId,
    cohorts,
    volumes,
    files,
    totals: { volumes: volumes.length, files: files.length, bytes: files.reduce((s, f) => s + f.bytes, 0) },
    qcWaiver,
    adherence,
  };
}

const MAX_WAIVER_REASON = 2000;

function waiverOf(w: QcWaiverInput | null | undefined, volumes: readonly ManifestVolumeV2[]): QcWaiver | null {
  const failed = volumes.filter((v) => v.qc.status === 'failed').map((v) => v.id).sort();
  if (w === null || w === undefined) {
    if (failed.length === 0) return null;
    const shown = volumes.filter((v) => v.qc.status === 'failed').slice(0, 5).map((v) => `${v.id} (cohort ${v.cohortId}, subject ${v.subjectIndex}: ${v.qc.reasons.join('; ')})`);
    throw new ManifestError(
      `${failed.length} volume(s) failed quality control: ${shown.join(', ')}${failed.length > 5 ? ', ...' : ''}; leave them out, or publish them with qcWaiver { reason, by }`,
      'QC_WAIVER_REQUIRED',
    );
  }
  if (failed.length === 0) throw new ManifestError('qcWaiver was given but no volume of the version failed quality control: remove the waiver', 'QC_WAIVER_UNUSED');
  const reason = typeof w.reason === 'string' ? w.reason.trim() : '';
  if (reason.length === 0 || reason.length > MAX_WAIVER_REASON) {
    throw new ManifestError(`qcWaiver.reason must be 1-${MAX_WAIVER_REASON} characters saying why QC-failed volumes are published, got ${JSON.stringify(w.reason)}`);
  }
  const by = toJson(w.by ?? null, 'qcWaiver.by');
  if (by === null) throw new ManifestError('qcWaiver.by must name who waived (a user id or { id, email, name }), got null');
  return { reason, by, qcFailedVolumes: failed };
}

/** The exact bytes of `manifest.json` (canonical JSON, UTF-8). */
export function manifestBytes(manifest: Manifest): Buffer {
  return Buffer.from(canonicalJson(manifest), 'utf8');
}

/** A version's identity: sha256 (lowercase hex) of the manifest's canonical bytes. */
export function manifestHash(manifest: Manifest): string {
  return sha256Hex(manifestBytes(manifest));
}
