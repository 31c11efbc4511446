/**
 * Streaming export of a dataset version as an uncompressed ustar archive (optionally gzip):
 *
 *   manifest.json, datalist.json, dataset_description.json, prov.json, croissant.json,
 *   images/, images/<...>_image.nii.gz ..., masks/, masks/<...>_mask.nii.gz ...
 *
 * Memory stays flat: each file is read from storage as a stream and written chunk by chunk, waiting for
 * the destination's 'drain' (backpressure), so at most one storage chunk plus the destination's buffer
 * is held at any time, whatever the version's size. Each file's sha256 and size are verified while it
 * streams; a mismatch stops the export with an ExportError naming the file (the destination is NOT
 * ended, so an HTTP client sees a truncated response, never a silently wrong archive).
 *
 * NIfTI files are already gzipped, so the plain tar is the default: its exact length is known up front
 * (`archiveSize`) and any byte range can be served (`range`), which gives HTTP Content-Length and
 * resumable downloads. Files entirely outside a range are not read; a file partly inside is read in
 * full (to verify its hash) and only the requested bytes are written.
 */
import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { Storage } from '@slicewise/storage';
import { type DatasetDocuments, documentFiles } from './documents.ts';
import type { Manifest } from './manifest.ts';
import { BLOCK, type TarEntry, paddedSize, tarHeader, tarSize } from './tar.ts';

export type ExportErrorCode = 'HASH_MISMATCH' | 'SIZE_MISMATCH' | 'STORAGE' | 'DESTINATION_CLOSED' | 'INVALID_RANGE' | 'INVALID_OPTIONS';

export class ExportError extends Error {
  constructor(
    readonly code: ExportErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

export interface ExportProgress {
  filesDone: number;
  filesTotal: number;
  /** Archive bytes produced so far (before gzip; within the range if one was given). */
  bytesWritten: number;
  bytesTotal: number;
  path: string;
}

export interface ExportOptions {
  onProgress?: (p: ExportProgress) => void;
  /** gzip the tar stream (size not known up front; no range). Default false. */
  gzip?: boolean;
  /** Inclusive byte range of the uncompressed archive, as in an HTTP Range header. */
  range?: { start: number; end: number };
  /** mtime (seconds since epoch) for every entry; default 0 so the archive is byte-reproducible. */
  mtimeSec?: number;
  /** End `out` when done (default true). */
  end?: boolean;
  /** How many upcoming storage objects to open ahead of the one streaming (default 8; 0 = none). */
  lookahead?: number;
}

interface PlannedEntry extends TarEntry {
  /** Document bytes, or the manifest file to stream from storage. */
  data?: Buffer;
  file?: Manifest['files'][number];
  offset: number; // of the header
}

function plan(manifest: Manifest, docs: DatasetDocuments): { entries: PlannedEntry[]; total: number } {
  const entries: PlannedEntry[] = [];
  let offset = 0;
  const push = (e: Omit<PlannedEntry, 'offset'>) => {
    entries.push({ ...e, offset });
    offset += BLOCK + paddedSize(e.bytes);
  };
  for (const d of documentFiles(manifest, docs)) push({ path: d.path, type: 'file', bytes: d.bytes.length, data: d.bytes });
  let dir = '';
  for (const f of manifest.files) {
    const fdir = f.path.slice(0, f.path.indexOf('/'));
    if (fdir !== dir) {
      push({ path: `${fdir}/`, type: 'directory', bytes: 0 });
      dir = fdir;
    }
    push({ path: f.path, type: 'file', bytes: f.bytes, file: f });
  }
  const total = tarSize(entries);
  return { entries, total };
}

/** Exact byte length of the uncompressed export archive (Content-Length). */
export function archiveSize(manifest: Manifest, docs: DatasetDocuments): number {
  return plan(manifest, docs).total;
}

/** Paths of the archive's entries in order (files and the images/ masks/ directories). */
export function archiveEntries(manifest: Manifest, docs: DatasetDocuments): { path: string; bytes: number; type: 'file' | 'directory' }[] {
  return plan(manifest, docs).entries.map((e) => ({ path: e.path, bytes: e.bytes, type: e.type }));
}

function waitDrain(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onError);
    };
    const onDrain = () => (cleanup(), resolve());
    const onClose = () => (cleanup(), reject(new ExportError('DESTINATION_CLOSED', 'the destination closed before the export finished')));
    const onError = (e: Error) => (cleanup(), reject(new ExportError('DESTINATION_CLOSED', `the destination failed: ${e.message}`)));
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onError);
  });
}

export async function writeExportArchive(manifest: Manifest, docs: DatasetDocuments, storage: Storage, out: Writable, opts: ExportOptions = {}): Promise<{ bytes: number; files: number }> {
  const { entries, total } = plan(manifest, docs);
  const mtime = opts.mtimeSec ?? 0;
  let start = 0;
  let endExcl = total;
  if (opts.range) {
    if (opts.gzip) throw new ExportError('INVALID_OPTIONS', 'range and gzip cannot be combined: a range addresses the uncompressed tar');
    const { start: s, end: e } = opts.range;
    if (!Number.isSafeInteger(s) || !Number.isSafeInteger(e) || s < 0 || e < s || e >= total) {
      throw new ExportError('INVALID_RANGE', `range ${s}-${e} is not within the archive of ${total} bytes (0 <= start <= end < ${total})`);
    }
    start = s;
    endExcl = e + 1;
  }
  const bytesTotal = endExcl - start;
  const sink: Writable = opts.gzip ? createGzip() : out;
  if (opts.gzip) sink.pipe(out, { end: opts.end ?? true });

  let pos = 0; // archive offset of the next byte produced
  let written = 0;
  const emit = async (buf: Buffer): Promise<void> => {
    const a = Math.max(pos, start);
    const b = Math.min(pos + buf.length, endExcl);
    pos += buf.length;
    if (b <= a) return;
    if (out.destroyed || sink.destroyed) throw new ExportError('DESTINATION_CLOSED', 'the destination closed before the export finished');
    const part = a === pos - buf.length && b === pos ? buf : buf.subarray(a - (pos - buf.length), b - (pos - buf.length));
    written += part.length;
    if (!sink.write(part)) await waitDrain(sink);
  };

  const filesTotal = entries.filter((e) => e.type === 'file').length;
  const inRange = (e: PlannedEntry) => e.offset + BLOCK + paddedSize(e.bytes) > start && e.offset < endExcl;

  // Open the next few storage objects while the current one streams: per-file latency (open, first
  // read) overlaps instead of adding up. Each opened stream buffers at most its highWaterMark (64 KiB
  // for files), so memory stays bounded by `lookahead` chunks, never by file or version size.
  const lookahead = Math.max(0, opts.lookahead ?? 8);
  const pending = new Map<number, Promise<Readable>>();
  const open = (i: number) => {
    const f = entries[i]!.file!;
    const p = storage.get(f.storageKey).then((s) => {
      s.read(0); // start filling the stream's buffer now
      return s;
    });
    p.catch(() => {}); // observed when awaited below
    pending.set(i, p);
  };
  let nextToOpen = 0;
  const prefetch = (current: number) => {
    nextToOpen = Math.max(nextToOpen, current + 1);
    while (nextToOpen < entries.length && nextToOpen <= current + lookahead) {
      const e = entries[nextToOpen]!;
      if (e.file && inRange(e)) open(nextToOpen);
      nextToOpen++;
    }
  };

  let filesDone = 0;
  try {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const entryEnd = e.offset + BLOCK + paddedSize(e.bytes);
      if (!inRange(e)) {
        pos = entryEnd; // wholly outside the range: skip without reading
        if (e.type === 'file') filesDone++;
        continue;
      }
      await emit(tarHeader(e, mtime));
      if (e.data) await emit(e.data);
      else if (e.file) {
        const f = e.file;
        if (!pending.has(i)) open(i);
        prefetch(i);
        let stream: Readable;
        try {
          stream = await pending.get(i)!;
        } catch (err) {
          throw new ExportError('STORAGE', `${f.path}: cannot read storage key ${f.storageKey}: ${(err as Error).message}`, f.path);
        } finally {
          pending.delete(i);
        }
        const hash = createHash('sha256');
        let n = 0;
        try {
          for await (const chunk of stream as AsyncIterable<Buffer>) {
            n += chunk.length;
            if (n > f.bytes) throw new ExportError('SIZE_MISMATCH', `${f.path}: storage holds more than the ${f.bytes} bytes the manifest records`, f.path);
            hash.update(chunk);
            await emit(chunk);
          }
        } catch (err) {
          stream.destroy();
          if (err instanceof ExportError) throw err;
          throw new ExportError('STORAGE', `${f.path}: reading storage key ${f.storageKey} failed: ${(err as Error).message}`, f.path);
        }
        if (n !== f.bytes) throw new ExportError('SIZE_MISMATCH', `${f.path}: storage holds ${n} bytes, the manifest records ${f.bytes}`, f.path);
        const got = hash.digest('hex');
        if (got !== f.sha256) throw new ExportError('HASH_MISMATCH', `${f.path}: sha256 ${got} does not match the manifest's ${f.sha256}`, f.path);
      }
      const pad = paddedSize(e.bytes) - e.bytes;
      if (pad) await emit(Buffer.alloc(pad));
      if (e.type === 'file') {
        filesDone++;
        opts.onProgress?.({ filesDone, filesTotal, bytesWritten: written, bytesTotal, path: e.path });
      }
    }
  } finally {
    // an error (or a closed destination) leaves prefetched streams open: close them
    for (const p of pending.values()) p.then((s) => s.destroy(), () => {});
    pending.clear();
  }
  await emit(Buffer.alloc(2 * BLOCK));
  const end = opts.end ?? true;
  if (opts.gzip) {
    const outDone = end ? new Promise<void>((resolve, reject) => (out.once('finish', resolve), out.once('error', reject))) : Promise.resolve();
    await new Promise<void>((resolve, reject) => {
      sink.once('end', resolve);
      sink.once('error', reject);
      sink.end();
    });
    await outDone;
  } else if (end) {
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
  }
  return { bytes: written, files: filesTotal };
}
