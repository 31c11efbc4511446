/** Reading a manifest back (a download, a file on disk, the stored text): structure checks, never a rewrite. */
import type { AdherenceSummary } from './adherence.ts';
import { QC_STATUSES } from './adherence.ts';
import { type Manifest, MANIFEST_SCHEMA_V2, MANIFEST_SCHEMAS, ManifestError, type ManifestVolume, type ManifestVolumeV2, SHA256_RE } from './manifest-types.ts';

const SAFE_PATH_RE = /^(images|masks)\/[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** True if a manifest file path is one this format produces (no traversal, no absolute path). */
export function isSafeFilePath(p: string): boolean {
  return SAFE_PATH_RE.test(p) && !p.includes('..');
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Structural check of a manifest read back from JSON (a download, a file on disk, the stored text): the fields
 * the exporter, the documents and the CLI rely on, for every schema version. Throws ManifestError
 * (INVALID_MANIFEST) naming the first bad field. It never rewrites the value: a /1 manifest stays /1, so its
 * bytes and hash are the ones it was published with. The stored adherence report is checked for shape, not
 * recomputed: it records what was measured at publish time.
 */
export function parseManifest(value: unknown): Manifest {
  const bad = (msg: string) => new ManifestError(msg, 'INVALID_MANIFEST');
  const m = value as Manifest;
  if (!isObj(m)) throw bad('manifest must be a JSON object');
  if (!(MANIFEST_SCHEMAS as readonly unknown[]).includes(m.schema)) throw bad(`manifest.schema must be one of ${MANIFEST_SCHEMAS.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(m.schema)}`);
  if (!Array.isArray(m.files)) throw bad('manifest.files must be an array');
  if (!Array.isArray(m.volumes)) throw bad('manifest.volumes must be an array');
  if (!Array.isArray(m.cohorts)) throw bad('manifest.cohorts must be an array');
  const paths = new Set<string>();
  m.files.forEach((f, i) => {
    const at = `manifest.files[${i}]`;
    if (!f || typeof f.path !== 'string' || !isSafeFilePath(f.path)) throw bad(`${at}.path must be images/<name> or masks/<name> with [A-Za-z0-9._-] characters, got ${JSON.stringify(f?.path)}`);
    if (paths.has(f.path)) throw bad(`${at}.path ${f.path} appears twice`);
    paths.add(f.path);
    if (typeof f.sha256 !== 'string' || !SHA256_RE.test(f.sha256)) throw bad(`${at} (${f.path}).sha256 must be 64 lowercase hex characters, got ${JSON.stringify(f.sha256)}`);
    if (!Number.isSafeInteger(f.bytes) || f.bytes < 0) throw bad(`${at} (${f.path}).bytes must be a non-negative integer, got ${JSON.stringify(f.bytes)}`);
  });
  (m.volumes as ManifestVolume[]).forEach((v, i) => {
    if (!isObj(v)) throw bad(`manifest.volumes[${i}] must be an object`);
    if (!paths.has(v.image) || !paths.has(v.mask)) throw bad(`manifest.volumes[${i}] (${v.id}) refers to a file that manifest.files does not list`);
    if (!isObj(v.provenance) || !isObj(v.provenance.condition)) throw bad(`manifest.volumes[${i}] (${v.id}).provenance must be a provenance record with a condition`);
  });
  if (m.schema === MANIFEST_SCHEMA_V2) {
    const failed = new Set<string>();
    m.volumes.forEach((v, i) => {
      const at = `manifest.volumes[${i}] (${v.id}).qc`;
      const qc = (v as Partial<ManifestVolumeV2>).qc;
      if (!isObj(qc)) throw bad(`${at} must be { status, tries, reasons } in a ${MANIFEST_SCHEMA_V2} manifest`);
      if (!QC_STATUSES.includes(qc.status)) throw bad(`${at}.status must be one of ${QC_STATUSES.join(', ')}, got ${JSON.stringify(qc.status)}`);
      if (!Number.isSafeInteger(qc.tries) || qc.tries < 1) throw bad(`${at}.tries must be a whole number >= 1, got ${JSON.stringify(qc.tries)}`);
      if (!Array.isArray(qc.reasons) || !qc.reasons.every((r) => typeof r === 'string')) throw bad(`${at}.reasons must be an array of strings`);
      if (qc.status === 'failed') failed.add(v.id);
    });
    const w = m.qcWaiver;
    if (w !== null) {
      if (!isObj(w) || typeof w.reason !== 'string' || !Array.isArray(w.qcFailedVolumes)) throw bad('manifest.qcWaiver must be null or { reason, by, qcFailedVolumes }');
      const listed = new Set(w.qcFailedVolumes);
      const missing = [...failed].filter((id) => !listed.has(id));
      const extra = w.qcFailedVolumes.filter((id) => !failed.has(id));
      if (missing.length || extra.length) throw bad(`manifest.qcWaiver.qcFailedVolumes must list exactly the QC-failed volumes (not listed: ${missing.join(', ') || 'none'}; listed but not failed: ${extra.join(', ') || 'none'})`);
    } else if (failed.size > 0) {
      throw bad(`manifest.qcWaiver is null but ${failed.size} volume(s) failed quality control (${[...failed].slice(0, 5).join(', ')})`);
    }
    const a = m.adherence as Partial<AdherenceSummary> | undefined;
    if (!isObj(a) || typeof a.schema !== 'string' || !Array.isArray(a.features) || !isObj(a.qc) || !isObj(a.tumourVolume)) throw bad('manifest.adherence must be an adherence summary { schema, counts, qc, features, tumourVolume, centroidError }');
  }
  return m;
}
