/** `<project>/<dataset>@<tag-or-hash>` and the API URLs it maps to. */
import { CliError, EXIT } from './errors.ts';

export interface VersionSpec {
  project: string;
  dataset: string;
  /** A tag/alias (`v3`, `latest`) or a manifest sha256 (64 lowercase hex). */
  ref: string;
}

// Any non-empty text without '/' or control characters (URL-encoded on the wire); '@' only before the last '@'.
const PART_RE = /^[^/\u0000-\u001f\u007f]+$/;
export const HASH_RE = /^[0-9a-f]{64}$/;

export function parseSpec(spec: string | undefined): VersionSpec {
  const usage = `expected <project>/<dataset>@<tag-or-hash>, e.g. brain-mri/glioma-train@v3, got ${JSON.stringify(spec ?? '')}`;
  if (!spec) throw new CliError(EXIT.USAGE, usage);
  const at = spec.lastIndexOf('@');
  const slash = spec.indexOf('/');
  if (at < 0 || slash < 0 || slash > at) throw new CliError(EXIT.USAGE, usage);
  const project = spec.slice(0, slash);
  const dataset = spec.slice(slash + 1, at);
  const ref = spec.slice(at + 1);
  for (const [name, v] of [['project', project], ['dataset', dataset], ['tag-or-hash', ref]] as const) {
    if (!PART_RE.test(v)) throw new CliError(EXIT.USAGE, `${name} ${JSON.stringify(v)} must be non-empty without '/' or control characters; ${usage}`);
  }
  return { project, dataset, ref };
}

export function versionUrl(api: string, s: VersionSpec): string {
  return `${api.replace(/\/+$/, '')}/datasets/${encodeURIComponent(s.project)}/${encodeURIComponent(s.dataset)}@${encodeURIComponent(s.ref)}`;
}

export function fileUrl(api: string, s: VersionSpec, relPath: string): string {
  return `${versionUrl(api, s)}/files/${relPath.split('/').map(encodeURIComponent).join('/')}`;
}
