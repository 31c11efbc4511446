/**
 * `slicewise pull`: fetch a dataset version's manifest, then every file it lists, verifying each file's
 * size and sha256 while it streams to a partial file that is renamed into place only when it matches.
 *
 * - The tag is resolved once, to the version hash (sha256 of the canonical manifest), which is recorded in
 *   `slicewise.lock`; every file then comes from that exact version (a tag moved mid-pull cannot mix two).
 * - A folder holding another version (or files that are not a pulled version) is refused, unless
 *   `replace` (then the old version's files the new one lacks are deleted).
 * - Idempotent: files present and verified are skipped; missing or corrupt ones are downloaded again. A
 *   download cut short keeps its partial file (`.slicewise-part-<name>`) and continues with an HTTP Range
 *   request (`If-Range` on the file's sha256), in this run (after a retry) or the next.
 * - Files come through the signed links the manifest response hands out (`x-signed-files-url`: no
 *   database work per file on the server), or with the token by version hash from servers that do not sign.
 * - A mismatch of any file is reported by name and makes the run exit 1 (the other files are still
 *   fetched, so a re-run only has the failures left to do).
 *
 * Routes (served by the API):
 *   GET {api}/datasets/{project}/{dataset}@{ref}/manifest.json           (Authorization: Bearer <token>)
 *   GET {api}/datasets/signed/{versionId}/files/{path}?expires=…&signature=…
 *   GET {api}/datasets/{project}/{dataset}@{hash}/files/{path}            (servers without signed links)
 * File requests carry `x-slicewise-accept-redirect: presigned`: with S3 storage the API answers 302 to a
 * presigned object URL, which is followed without the token.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { DocumentName } from '@slicewise/datasets';
// The manifest module alone: the whole package (documents, export, diff) costs about a quarter of a second of
// start-up, and is only loaded when a server does not serve the documents.
import { manifestBytes, manifestHash, parseManifest, type Manifest, type ManifestFile } from '@slicewise/datasets/manifest';
import { CliError, EXIT } from './errors.ts';
import { checkLocal, insideRoot, partPathFor, sweepParts, writeAtomic } from './files.ts';
import { clearOtherVersion, folderVersion } from './folder.ts';
import { DEFAULT_RETRY, Http, backoffMs, type RetryPolicy } from './http.ts';
import { LOCK_SCHEMA, readLock, writeLock, type Lock } from './lock.ts';
import { Progress } from './progress.ts';
import { HASH_RE, fileUrl, versionUrl, type VersionSpec } from './spec.ts';

export interface PullOptions {
  api: string;
  token?: string;
  out: string;
  concurrency?: number;
  /** Turn a folder holding another version into this one. */
  replace?: boolean;
  /** Retries of a request after a connection failure, 5xx or 429 (never after a hash mismatch). */
  retries?: number;
  /** First retry delay in ms (doubles each attempt). */
  backoffMs?: number;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  quiet?: boolean;
}

export interface PullResult {
  manifestSha256: string;
  lock: Lock;
  files: number;
  downloaded: number;
  skipped: number;
  repaired: number;
  /** Downloads continued from a partial file (HTTP Range). */
  resumed: number;
  failed: { path: string; reason: string }[];
  bytesDownloaded: number;
  seconds: number;
}

/** The bytes received are not the file the manifest describes. */
class MismatchError extends Error {}
/** The body ended early or the connection failed mid-file: retried, continuing from the partial file. */
class InterruptedError extends Error {}

/** The documents written beside the files (manifest.json is written first, from the verified manifest). */
const DOCUMENTS = ['datalist.json', 'dataset_description.json', 'prov.json', 'croissant.json'] as const satisfies readonly DocumentName[];

// A signed link is refreshed this long before it expires (clocks differ a little).
const SIGNED_MARGIN_MS = 60_000;

interface Signed {
  template: string;
  expiresAtMs: number;
}

function signedFrom(res: IncomingMessage): Signed | null {
  const template = res.headers['x-signed-files-url'];
  const expires = res.headers['x-signed-files-expires'];
  if (typeof template !== 'string' || !template.startsWith('/') || !template.includes('{path}') || typeof expires !== 'string' || !/^\d+$/.test(expires)) return null;
  return { template, expiresAtMs: Number(expires) * 1000 };
}

const header = (res: IncomingMessage, name: string): string | null => {
  const v = res.headers[name];
  return typeof v === 'string' ? v : null;
};

export async function pull(spec: VersionSpec, opts: PullOptions): Promise<PullResult> {
  const t0 = performance.now();
  const out = path.resolve(opts.out);
  const quiet = opts.quiet ?? false;
  let progress: Progress | null = null;
  const say = (s: string) => {
    if (progress) progress.note(s);
    else if (!quiet) opts.stderr.write(`${s}\n`);
  };
  const policy: RetryPolicy = { ...DEFAULT_RETRY, retries: opts.retries ?? DEFAULT_RETRY.retries, backoffMs: opts.backoffMs ?? DEFAULT_RETRY.backoffMs };
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const net = new Http(opts.token, policy, concurrency, say);
  const label = `${spec.project}/${spec.dataset}@${spec.ref}`;
  const api = opts.api.replace(/\/+$/, '');

  async function fetchManifest(ref: string) {
    const s = { ...spec, ref };
    const { body, res } = await net.getBytes(`${versionUrl(api, s)}/manifest.json`, `manifest of ${s.project}/${s.dataset}@${ref}`);
    let manifest: Manifest;
    try {
      manifest = parseManifest(JSON.parse(body.toString('utf8')));
    } catch (e) {
      throw new CliError(EXIT.VERIFY, `manifest.json from ${versionUrl(api, s)}/manifest.json is not a valid dataset manifest: ${(e as Error).message}`);
    }
    // The version hash is over the manifest's canonical JSON (sorted keys), so it does not depend on how the
    // server serialised it; the folder gets the canonical bytes, identical to manifest.json in an export.
    const msha = manifestHash(manifest);
    const announced = header(res, 'x-manifest-sha256');
    if (announced && announced !== msha) throw new CliError(EXIT.VERIFY, `manifest.json: sha256 ${msha} does not match the server's x-manifest-sha256 ${announced} (tampered or corrupted manifest)`);
    if (HASH_RE.test(ref) && msha !== ref) throw new CliError(EXIT.VERIFY, `manifest.json: sha256 ${msha} does not match the requested version ${ref} (tampered or wrong manifest)`);
    return { manifest, msha, res };
  }

  try {
    const first = await fetchManifest(spec.ref);
    const { manifest, msha } = first;
    let signed = signedFrom(first.res);
    let refreshing: Promise<void> | null = null;
    /** A fresh signed link: the manifest again (by hash), which must be the same version. */
    const refreshSigned = (used: Signed | null): Promise<void> => {
      if (signed !== used) return Promise.resolve(); // refreshed meanwhile
      refreshing ??= fetchManifest(msha)
        .then((m) => {
          signed = signedFrom(m.res);
        })
        .finally(() => (refreshing = null));
      return refreshing;
    };
    const byHash = { ...spec, ref: msha };
    const fileTarget = async (rel: string): Promise<{ url: string; auth: boolean; used: Signed | null }> => {
      if (signed && Date.now() > signed.expiresAtMs - SIGNED_MARGIN_MS) await refreshSigned(signed);
      const s = signed;
      if (s) return { url: `${api}${s.template.replace('{path}', rel.split('/').map(encodeURIComponent).join('/'))}`, auth: false, used: s };
      return { url: fileUrl(api, byHash, rel), auth: true, used: null };
    };

    // The folder: new, empty, or holding this version (replace: another one).
    await fs.mkdir(out, { recursive: true });
    const old = await readLock(out);
    const holds = await folderVersion(out, old);
    if (holds && holds !== msha) {
      if (!opts.replace) {
        throw new CliError(
          EXIT.FOLDER,
          `${out} holds version ${holds.slice(0, 12)}${old ? ` (${old.spec})` : ''}, not ${label} = ${msha.slice(0, 12)}; pull into another folder, or pass --replace to turn it into ${msha.slice(0, 12)} (files ${holds.slice(0, 12)} has and ${msha.slice(0, 12)} lacks are deleted)`,
        );
      }
      const removed = await clearOtherVersion(out, manifest.files);
      say(`slicewise: replacing version ${holds.slice(0, 12)} in ${out} (${removed} of its files removed)`);
    }
    const totalBytes = manifest.files.reduce((s, f) => s + f.bytes, 0);
    const sameVersion = old?.manifestSha256 === msha;
    const lock: Lock = {
      schema: LOCK_SCHEMA,
      spec: label,
      project: spec.project,
      dataset: spec.dataset,
      ref: spec.ref,
      manifestSha256: msha,
      datasetVersionId: header(first.res, 'x-dataset-version-id') ?? (sameVersion ? old!.datasetVersionId : null),
      projectId: header(first.res, 'x-project-id') ?? (sameVersion ? old!.projectId : null),
      api,
      files: manifest.files.length,
      bytes: totalBytes,
      complete: false,
      pulledAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      client: 'slicewise-cli/0.1.0',
    };
    await writeLock(out, lock);
    for (const d of new Set(manifest.files.map((f) => path.dirname(insideRoot(out, f.path))))) await fs.mkdir(d, { recursive: true });
    await writeAtomic(path.join(out, 'manifest.json'), manifestBytes(manifest));
    await sweepParts([out, path.join(out, 'images'), path.join(out, 'masks')], new Set(manifest.files.map((f) => partPathFor(insideRoot(out, f.path)))));
    say(`slicewise: ${label} = version ${msha.slice(0, 12)}: ${manifest.files.length} files, ${(totalBytes / 1e6).toFixed(1)} MB -> ${out}`);

    progress = new Progress(opts.stderr, manifest.files.length, totalBytes, quiet);
    const p = progress;
    const result: PullResult = { manifestSha256: msha, lock, files: manifest.files.length, downloaded: 0, skipped: 0, repaired: 0, resumed: 0, failed: [], bytesDownloaded: 0, seconds: 0 };

    /** One request for `f` into its partial file (continuing it if it holds a prefix); `credit` counts progress bytes. */
    async function downloadOnce(f: ManifestFile, part: string, credit: { bytes: number }): Promise<void> {
      let have = (await fs.stat(part).catch(() => null))?.size ?? 0;
      const hash = createHash('sha256');
      if (have > f.bytes) {
        await fs.rm(part, { force: true });
        have = 0;
      } else if (have > 0) {
        for await (const c of createReadStream(part, { highWaterMark: 1 << 20 })) hash.update(c as Buffer);
        if (have === f.bytes) {
          if (hash.copy().digest('hex') === f.sha256) return;
          throw new MismatchError(`${f.path}: the partial download has the full size but the wrong sha256`);
        }
      }
      const res = await net.retrying(async () => {
        const target = await fileTarget(f.path);
        // with S3 storage the API may answer with a presigned URL: the bytes then come from the bucket, and
        // are verified against the manifest exactly as when they come through the API
        const headers: Record<string, string> = { 'x-slicewise-accept-redirect': 'presigned', ...(have ? { range: `bytes=${have}-`, 'if-range': `"${f.sha256}"` } : {}) };
        const r = await net.openFollowing(target.url, headers, target.auth);
        if (r.statusCode !== 200 && r.statusCode !== 206) {
          const err = await net.errorFor(r, f.path);
          if (err.status === 401 && target.used) {
            // the signed link expired: a fresh one, then this file again
            await refreshSigned(target.used);
            throw new CliError(EXIT.NETWORK, `${f.path}: signed link expired`, 401, true, 0);
          }
          throw err;
        }
        return r;
      }, f.path);
      let n = have;
      let h = hash;
      let flags = 'a';
      try {
        if (res.statusCode === 206) {
          const cr = header(res, 'content-range') ?? '';
          if (!cr.startsWith(`bytes ${have}-`) || !cr.endsWith(`/${f.bytes}`)) throw new MismatchError(`${f.path}: the server answered a resume from byte ${have} with content-range ${JSON.stringify(cr)}`);
        } else {
          // the whole file (a first request, or a server that does not resume): start over
          p.bytes(-credit.bytes);
          credit.bytes = 0;
          n = 0;
          h = createHash('sha256');
          flags = 'w';
        }
        const length = header(res, 'content-length');
        if (length !== null && n + Number(length) !== f.bytes) throw new MismatchError(`${f.path}: the server announces ${n + Number(length)} bytes, the manifest records ${f.bytes}`);
        const sink = createWriteStream(part, { flags, highWaterMark: 1 << 20 });
        const closed = new Promise<void>((resolve, reject) => {
          sink.once('close', resolve);
          sink.once('error', reject);
        });
        try {
          for await (const chunk of res as AsyncIterable<Buffer>) {
            n += chunk.length;
            if (n > f.bytes) throw new MismatchError(`${f.path}: the server sent more than the ${f.bytes} bytes the manifest records`);
            h.update(chunk);
            credit.bytes += chunk.length;
            p.bytes(chunk.length);
            if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
          }
        } catch (e) {
          if (e instanceof MismatchError) throw e;
          throw new InterruptedError(`download interrupted after ${n} of ${f.bytes} bytes: ${(e as Error).message}`);
        } finally {
          sink.end();
          await closed;
        }
        // an IncomingMessage whose connection dropped can end without an error: count
        if (n < f.bytes || !res.complete) throw new InterruptedError(`download interrupted after ${n} of ${f.bytes} bytes (truncated)`);
        const got = h.digest('hex');
        if (got !== f.sha256) throw new MismatchError(`${f.path}: sha256 mismatch: downloaded ${got}, the manifest records ${f.sha256} (tampered or corrupted file)`);
        // no fsync: a crash can at worst leave a bad file, which the next run's hash check repairs
      } finally {
        res.destroy();
      }
    }

    async function fetchFile(f: ManifestFile, dest: string, localBad: boolean): Promise<void> {
      const part = partPathFor(dest);
      const credit = { bytes: 0 };
      let fromPartial = ((await fs.stat(part).catch(() => null))?.size ?? 0) > 0;
      let restarted = false;
      for (let attempt = 0; ; ) {
        try {
          await downloadOnce(f, part, credit);
        } catch (e) {
          if (e instanceof MismatchError) {
            await fs.rm(part, { force: true });
            p.bytes(-credit.bytes);
            credit.bytes = 0;
            if (fromPartial && !restarted) {
              // the kept prefix may have been the bad part: once more from the first byte
              restarted = true;
              fromPartial = false;
              say(`retrying ${f.path} from the start: ${e.message}`);
              continue;
            }
            // a local copy already known to be bad must not stay where a training job would read it
            if (localBad) await fs.rm(dest, { force: true });
            result.failed.push({ path: f.path, reason: e.message });
            say(`FAILED ${e.message}`);
            p.fileDone(0, false);
            return;
          }
          if (e instanceof InterruptedError) {
            fromPartial = ((await fs.stat(part).catch(() => null))?.size ?? 0) > 0;
            if (attempt >= policy.retries) {
              const reason = `${f.path}: ${e.message}; gave up after ${attempt} retries (re-run to continue from the partial file)`;
              result.failed.push({ path: f.path, reason });
              say(`FAILED ${reason}`);
              p.fileDone(0, false);
              return;
            }
            const delay = backoffMs(policy, attempt++);
            say(`retrying ${f.path} in ${(delay / 1000).toFixed(1)} s (${attempt}/${policy.retries}): ${e.message}`);
            await new Promise((r) => setTimeout(r, delay));
            continue;
          }
          throw e;
        }
        await fs.rename(part, dest);
        result.downloaded++;
        result.bytesDownloaded += credit.bytes;
        if (fromPartial) result.resumed++;
        p.fileDone(Math.max(0, f.bytes - credit.bytes), true);
        return;
      }
    }

    let fatal: unknown = null;
    const queue = [...manifest.files].sort((a, b) => b.bytes - a.bytes); // largest first: the stragglers are small
    let next = 0;
    const worker = async () => {
      while (fatal === null && next < queue.length) {
        const f = queue[next++]!;
        const dest = insideRoot(out, f.path);
        const local = await checkLocal(dest, f.bytes, f.sha256);
        if (local.state === 'ok') {
          result.skipped++;
          p.fileDone(f.bytes, false);
          continue;
        }
        if (local.state === 'bad') {
          p.note(`repairing ${f.path}: ${local.reason}`);
          result.repaired++;
        }
        try {
          await fetchFile(f, dest, local.state === 'bad');
        } catch (e) {
          fatal ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    p.finish();
    if (fatal) throw fatal instanceof CliError ? fatal : new CliError(EXIT.NETWORK, (fatal as Error).message);

    // Derived documents: the server's copies if it serves them, else computed from the manifest.
    let docs: { path: string; bytes: Uint8Array }[] | null = null;
    const localDoc = async (name: string) => {
      if (!docs) {
        const { buildDocuments, documentFiles } = await import('@slicewise/datasets');
        docs = documentFiles(manifest, buildDocuments(manifest, { datasetName: spec.dataset, projectSlug: spec.project, tag: HASH_RE.test(spec.ref) ? null : spec.ref }));
      }
      return docs.find((d) => d.path === name)!.bytes;
    };
    for (const name of DOCUMENTS) {
      const target = await fileTarget(name);
      let bytes: Uint8Array;
      try {
        bytes = (await net.getBytes(target.url, name, target.auth)).body;
      } catch (e) {
        if (!(e instanceof CliError && e.status === 404)) throw e;
        bytes = await localDoc(name);
      }
      await writeAtomic(path.join(out, name), bytes);
    }

    result.seconds = (performance.now() - t0) / 1000;
    if (!result.failed.length) {
      lock.complete = true;
      await writeLock(out, lock);
    }
    if (!quiet) {
      opts.stderr.write(
        `slicewise: ${result.failed.length ? 'FAILED' : 'done'}: ${result.downloaded} downloaded (${(result.bytesDownloaded / 1e6).toFixed(1)} MB), ${result.skipped} already verified, ` +
          `${result.repaired} repaired, ${result.resumed} resumed, ${result.failed.length} failed, in ${result.seconds.toFixed(1)} s; pin: ${spec.project}/${spec.dataset}@${msha}\n`,
      );
    }
    return result;
  } finally {
    net.close();
  }
}
