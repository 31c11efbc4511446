/**
 * `slicewise pull`: fetch a dataset version's manifest, then every file it lists, verifying each file's
 * size and sha256 while it streams to a temporary file that is renamed into place only when it matches.
 * Idempotent: files already present and verified are skipped; missing, partial or corrupt ones are
 * downloaded again. A mismatch of any file is reported by name and makes the run exit non-zero (the
 * other files are still fetched, so a re-run only has the failures left to do).
 *
 * Routes (served by the API):
 *   GET {api}/datasets/{project}/{dataset}@{ref}/manifest.json
 *   GET {api}/datasets/{project}/{dataset}@{ref}/files/{relative path}
 * with `Authorization: Bearer <token>`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DOCUMENT_NAMES, buildDocuments, documentFiles, manifestBytes, manifestHash, parseManifest, type Manifest, type ManifestFile } from '@slicewise/datasets';
import { CliError, EXIT } from './errors.ts';
import { checkLocal, insideRoot, sweepTemps, tempPathFor, writeAtomic } from './files.ts';
import { Progress } from './progress.ts';
import { HASH_RE, fileUrl, versionUrl, type VersionSpec } from './spec.ts';

export interface PullOptions {
  api: string;
  token?: string;
  out: string;
  concurrency?: number;
  /** Retries of a file after a network error or 5xx (not after a hash mismatch). */
  retries?: number;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  quiet?: boolean;
}

export interface PullResult {
  manifestSha256: string;
  files: number;
  downloaded: number;
  skipped: number;
  failed: { path: string; reason: string }[];
  bytesDownloaded: number;
  seconds: number;
}

class MismatchError extends Error {}
/** The body stream failed mid-way (connection dropped): retried like a network error, reported as truncation. */
class InterruptedError extends MismatchError {}

async function readError(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown; errors?: { message?: string }[] };
    const msg = j.error ?? j.message ?? j.errors?.[0]?.message;
    if (typeof msg === 'string') return msg;
    if (msg && typeof msg === 'object' && typeof (msg as { message?: unknown }).message === 'string') return (msg as { message: string }).message;
  } catch {
    /* not JSON */
  }
  return text.trim().slice(0, 500) || res.statusText;
}

async function request(url: string, token: string | undefined, what: string, extraHeaders: Record<string, string> = {}): Promise<Response> {
  let res: Response;
  try {
    // fetch drops the Authorization header when a redirect leads to another origin (the bucket)
    res = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extraHeaders }, redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(EXIT.NETWORK, `network error fetching ${what} from ${url}: ${cause?.code ?? ''} ${cause?.message ?? (e as Error).message}`.replace(/\s+/g, ' ').trim());
  }
  if (res.ok) return res;
  const msg = await readError(res);
  if (res.status === 401 || res.status === 403) {
    const hint = token ? '' : ' (no token given: pass --token or set SLICEWISE_TOKEN)';
    throw new CliError(EXIT.AUTH, `${what}: ${res.status} ${res.status === 401 ? 'unauthorised' : 'forbidden'}: ${msg}${hint}`);
  }
  if (res.status === 404) throw new CliError(EXIT.AUTH, `${what}: 404 not found: ${msg}`);
  throw new CliError(EXIT.NETWORK, `${what}: server answered ${res.status}: ${msg}`);
}

/** Download one file to a temp file, verifying size and sha256 as it streams, then rename into place. */
async function downloadFile(url: string, token: string | undefined, f: ManifestFile, dest: string, onBytes: (n: number) => void): Promise<number> {
  // with S3 storage the API may answer with a short-lived presigned URL: bytes come from the bucket,
  // and are verified against the manifest exactly as when streamed through the API
  const res = await request(url, token, f.path, { 'x-slicewise-accept-redirect': 'presigned' });
  const tmp = tempPathFor(dest);
  const fh = await fs.open(tmp, 'w');
  const hash = createHash('sha256');
  let n = 0;
  try {
    if (!res.body) throw new MismatchError(`${f.path}: the server sent no body`);
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        n += chunk.length;
        if (n > f.bytes) throw new MismatchError(`${f.path}: the server sent more than the ${f.bytes} bytes the manifest records`);
        hash.update(chunk);
        await fh.write(chunk);
        onBytes(chunk.length);
      }
    } catch (e) {
      if (e instanceof MismatchError) throw e;
      throw new InterruptedError(`${f.path}: download interrupted after ${n} of ${f.bytes} bytes (truncated): ${(e as Error).message}`);
    }
    if (n !== f.bytes) throw new MismatchError(`${f.path}: truncated download: got ${n} bytes, the manifest records ${f.bytes}`);
    const got = hash.digest('hex');
    if (got !== f.sha256) throw new MismatchError(`${f.path}: sha256 mismatch: downloaded ${got}, the manifest records ${f.sha256} (tampered or corrupted file)`);
    // no fsync: a crash can at worst leave a bad file, which the next run's hash check repairs
    await fh.close();
    await fs.rename(tmp, dest);
    return n;
  } finally {
    await fh.close().catch(() => {});
    await fs.rm(tmp, { force: true });
  }
}

export async function pull(spec: VersionSpec, opts: PullOptions): Promise<PullResult> {
  const t0 = performance.now();
  const out = path.resolve(opts.out);
  const say = (s: string) => {
    if (!opts.quiet) opts.stderr.write(`${s}\n`);
  };
  const label = `${spec.project}/${spec.dataset}@${spec.ref}`;
  const base = versionUrl(opts.api, spec);

  const mres = await request(`${base}/manifest.json`, opts.token, `manifest of ${label}`);
  const received = Buffer.from(await mres.arrayBuffer());
  let manifest: Manifest;
  try {
    manifest = parseManifest(JSON.parse(received.toString('utf8')));
  } catch (e) {
    throw new CliError(EXIT.VERIFY, `manifest.json from ${base}/manifest.json is not a valid dataset manifest: ${(e as Error).message}`);
  }
  // The version hash is over the manifest's canonical JSON (sorted keys), so it does not depend on how the
  // server serialised it; the folder gets the canonical bytes, identical to manifest.json in an export.
  const msha = manifestHash(manifest);
  const mbytes = manifestBytes(manifest);
  const announced = mres.headers.get('x-manifest-sha256');
  if (announced && announced !== msha) throw new CliError(EXIT.VERIFY, `manifest.json: sha256 ${msha} does not match the server's x-manifest-sha256 ${announced} (tampered or corrupted manifest)`);
  if (HASH_RE.test(spec.ref) && msha !== spec.ref) {
    throw new CliError(EXIT.VERIFY, `manifest.json: sha256 ${msha} does not match the requested version ${spec.ref} (tampered or wrong manifest)`);
  }
  await fs.mkdir(out, { recursive: true });
  await sweepTemps([out, path.join(out, 'images'), path.join(out, 'masks')]);
  for (const d of new Set(manifest.files.map((f) => path.dirname(insideRoot(out, f.path))))) await fs.mkdir(d, { recursive: true });
  await writeAtomic(path.join(out, 'manifest.json'), mbytes);
  say(`slicewise: ${label} = version ${msha.slice(0, 12)}: ${manifest.files.length} files, ${(manifest.files.reduce((s, f) => s + f.bytes, 0) / 1e6).toFixed(1)} MB -> ${out}`);

  const progress = new Progress(opts.stderr, manifest.files.length, manifest.files.reduce((s, f) => s + f.bytes, 0), opts.quiet ?? false);
  const failed: PullResult['failed'] = [];
  let downloaded = 0;
  let skipped = 0;
  let bytesDownloaded = 0;
  let fatal: CliError | null = null;
  let next = 0;
  const worker = async () => {
    while (fatal === null && next < manifest.files.length) {
      const f = manifest.files[next++]!;
      const dest = insideRoot(out, f.path);
      const local = await checkLocal(dest, f.bytes, f.sha256);
      if (local.state === 'ok') {
        skipped++;
        progress.fileDone(f.bytes, false);
        continue;
      }
      if (local.state === 'bad') progress.note(`repairing ${f.path}: ${local.reason}`);
      const retries = opts.retries ?? 2;
      for (let attempt = 0; ; attempt++) {
        let got = 0;
        try {
          const n = await downloadFile(fileUrl(opts.api, spec, f.path), opts.token, f, dest, (k) => {
            got += k;
            progress.bytes(k);
          });
          bytesDownloaded += n;
          downloaded++;
          progress.fileDone(0, true);
          break;
        } catch (e) {
          progress.bytes(-got);
          if (e instanceof InterruptedError && attempt < retries) {
            progress.note(`retrying ${f.path} (${attempt + 1}/${retries}): ${e.message}`);
            await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
            continue;
          }
          if (e instanceof MismatchError) {
            // a local copy already known to be bad must not stay where a training job would read it
            if (local.state === 'bad') await fs.rm(dest, { force: true });
            failed.push({ path: f.path, reason: e.message });
            progress.note(`FAILED ${e.message}`);
            progress.fileDone(f.bytes, false);
            break;
          }
          if (e instanceof CliError && e.exitCode === EXIT.NETWORK && attempt < retries) {
            progress.note(`retrying ${f.path} (${attempt + 1}/${retries}): ${e.message}`);
            await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
            continue;
          }
          fatal = e instanceof CliError ? e : new CliError(EXIT.NETWORK, `${f.path}: ${(e as Error).message}`);
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  progress.finish();
  if (fatal) throw fatal;

  // Derived documents: the server's copies if it serves them, else computed from the manifest.
  let docs: ReturnType<typeof documentFiles> | null = null;
  const localDoc = (name: string) => {
    docs ??= documentFiles(manifest, buildDocuments(manifest, { datasetName: spec.dataset, projectSlug: spec.project, tag: HASH_RE.test(spec.ref) ? null : spec.ref }));
    return docs.find((d) => d.path === name)!.bytes;
  };
  for (const name of DOCUMENT_NAMES) {
    if (name === 'manifest.json') continue;
    let bytes: Uint8Array | undefined;
    try {
      const res = await request(fileUrl(opts.api, spec, name), opts.token, name);
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      if (!(e instanceof CliError && e.exitCode === EXIT.AUTH && /404/.test(e.message))) throw e;
      bytes = localDoc(name);
    }
    await writeAtomic(path.join(out, name), bytes);
  }

  const seconds = (performance.now() - t0) / 1000;
  const result: PullResult = { manifestSha256: msha, files: manifest.files.length, downloaded, skipped, failed, bytesDownloaded, seconds };
  say(
    `slicewise: ${failed.length ? 'FAILED' : 'done'}: ${downloaded} downloaded (${(bytesDownloaded / 1e6).toFixed(1)} MB), ${skipped} already verified, ${failed.length} failed, in ${seconds.toFixed(1)} s`,
  );
  return result;
}

export interface VerifyResult {
  manifestSha256: string;
  files: number;
  ok: number;
  failed: { path: string; reason: string }[];
}

/** Offline check of a pulled folder against its manifest.json (and against `ref` if it is a hash). */
export async function verifyFolder(outDir: string, ref: string | null, stderr: NodeJS.WritableStream, quiet = false): Promise<VerifyResult> {
  const out = path.resolve(outDir);
  let mbytes: Buffer;
  try {
    mbytes = await fs.readFile(path.join(out, 'manifest.json'));
  } catch (e) {
    throw new CliError(EXIT.VERIFY, `${path.join(out, 'manifest.json')}: cannot read the manifest (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pull first`);
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(JSON.parse(mbytes.toString('utf8')));
  } catch (e) {
    throw new CliError(EXIT.VERIFY, `manifest.json is not a valid dataset manifest: ${(e as Error).message}`);
  }
  const msha = manifestHash(manifest);
  if (ref && HASH_RE.test(ref) && msha !== ref) throw new CliError(EXIT.VERIFY, `manifest.json: sha256 ${msha} is not the requested version ${ref}`);
  const failed: VerifyResult['failed'] = [];
  const progress = new Progress(stderr, manifest.files.length, manifest.files.reduce((s, f) => s + f.bytes, 0), quiet);
  for (const f of manifest.files) {
    const st = await checkLocal(insideRoot(out, f.path), f.bytes, f.sha256);
    if (st.state !== 'ok') {
      const reason = st.state === 'missing' ? 'missing' : st.reason;
      failed.push({ path: f.path, reason });
      progress.note(`FAILED ${f.path}: ${reason}`);
    }
    progress.fileDone(f.bytes, false);
  }
  progress.finish();
  return { manifestSha256: msha, files: manifest.files.length, ok: manifest.files.length - failed.length, failed };
}
