// The "use this dataset" lines: the CLI, Python and curl, filled with this deployment's address (the web
// app forwards /datasets/* to the API, so pipelines can use the address people use) and the project's
// slug. Tokens are never written into a snippet: they read SLICEWISE_TOKEN from the environment.

export interface DatasetRef {
  /** This deployment's origin, e.g. https://slicewise.example.org */
  origin: string;
  projectSlug: string;
  dataset: string;
  /** A tag (moves) or a manifest sha256 (pinned). */
  ref: string;
}

/** `<project>/<dataset>@<ref>`: what `slicewise pull` and the download paths take. */
export const datasetSpec = (d: DatasetRef) => `${d.projectSlug}/${d.dataset}@${d.ref}`;

export function datasetBaseUrl(d: DatasetRef): string {
  return `${d.origin.replace(/\/$/, '')}/datasets/${encodeURIComponent(d.projectSlug)}/${encodeURIComponent(d.dataset)}@${encodeURIComponent(d.ref)}`;
}

export function datasetSnippets(d: DatasetRef): { cli: string; python: string; curl: string } {
  const base = datasetBaseUrl(d);
  const folder = `${d.dataset}-${d.ref.slice(0, 12)}`;
  return {
    cli: [
      '# a READ token from Team → API tokens',
      'export SLICEWISE_TOKEN=swt_…',
      `npx slicewise pull ${datasetSpec(d)} --api ${d.origin} --out ${folder}/`,
    ].join('\n'),
    python: [
      'import hashlib, os, pathlib, requests',
      '',
      `BASE = "${base}"`,
      'auth = {"Authorization": f"Bearer {os.environ[\'SLICEWISE_TOKEN\']}"}',
      'manifest = requests.get(f"{BASE}/manifest.json", headers=auth, timeout=60).json()',
      'for f in manifest["files"]:',
      '    data = requests.get(f"{BASE}/files/{f[\'path\']}", headers=auth, timeout=600).content',
      '    assert hashlib.sha256(data).hexdigest() == f["sha256"], f"{f[\'path\']}: sha256 mismatch"',
      `    out = pathlib.Path("${folder}") / f["path"]`,
      '    out.parent.mkdir(parents=True, exist_ok=True)',
      '    out.write_bytes(data)',
    ].join('\n'),
    curl: [`curl -fL -C - -H "Authorization: Bearer $SLICEWISE_TOKEN" \\`, `  -o ${folder}.tar "${base}/export.tar"`].join('\n'),
  };
}
