/**
 * Reading an upload stream bounded by what it DECODES to, not only by what is sent:
 *
 * 1. bytes as sent are counted; past `maxBytes` the source is destroyed (TOO_LARGE_COMPRESSED);
 * 2. gzip is inflated incrementally (node:zlib, off the event loop); as soon as the header has
 *    arrived, dims x datatype are checked against `maxVoxels` and `maxUncompressedBytes` BEFORE the
 *    voxels are inflated (TOO_LARGE_DECOMPRESSED), so a 1 MB file that claims a 1000^3 volume costs
 *    a few kilobytes of work;
 * 3. the inflation ratio (decoded / sent) is bounded too (`maxInflationRatio`, checked once more than
 *    `ratioFloorBytes` have been decoded), and decoding stops at the size the header announces;
 * 4. the decoded file is written into ONE buffer of exactly that size (no list of chunks, no concat).
 */
import { createGunzip } from 'node:zlib';
import { NiftiError } from './errors.ts';
import { SUPPORTED_DATATYPES } from './datatypes.ts';
import { type NiftiVolume, type ReadOptions, detectVersion, parseNifti } from './read.ts';

export interface StreamReadOptions extends Omit<ReadOptions, 'maxBytes'> {
  /** Largest accepted upload (bytes as sent, compressed or not). Required: uploads must be bounded. */
  maxBytes: number;
  /** Most decoded bytes per byte sent (gzip bombs inflate ~1000x). Default: no ratio limit. */
  maxInflationRatio?: number;
  /** The ratio is enforced once this many bytes have been decoded (small files compress well). Default 1 MiB. */
  ratioFloorBytes?: number;
}

export interface DecodedNifti {
  /** The uncompressed NIfTI file: header, extensions and voxels (vox_offset + voxels x bytes). */
  bytes: Uint8Array;
  /** Bytes as sent. */
  sentBytes: number;
  gzip: boolean;
}

type ChunkSource = AsyncIterable<Uint8Array | string> & { destroy?: (error?: Error) => void };

const HEADER_PROBE = 540; // a NIfTI-2 header; NIfTI-1 needs 348

/** Size of the decoded file a header announces (vox_offset + voxels x bytes), checked against the limits. */
function announcedSize(head: Uint8Array, options: StreamReadOptions): number {
  const { version, littleEndian } = detectVersion(head);
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const dims: number[] = [];
  const ndim = version === 1 ? dv.getInt16(40, littleEndian) : Number(dv.getBigInt64(16, littleEndian));
  if (!(Number.isInteger(ndim) && ndim >= 1 && ndim <= 7)) throw new NiftiError('INVALID_HEADER', `dim[0] = ${ndim} must be in [1, 7] (number of dimensions)`);
  for (let i = 1; i <= ndim; i++) dims.push(version === 1 ? dv.getInt16(40 + 2 * i, littleEndian) : Number(dv.getBigInt64(16 + 8 * i, littleEndian)));
  if (dims.some((n) => !(Number.isSafeInteger(n) && n >= 1))) throw new NiftiError('INVALID_HEADER', `dim[1..${ndim}] = [${dims.join(', ')}] must all be integers >= 1`);
  const code = version === 1 ? dv.getInt16(70, littleEndian) : dv.getInt16(12, littleEndian);
  const info = SUPPORTED_DATATYPES.get(code);
  const voxOffset = version === 1 ? dv.getFloat32(108, littleEndian) : Number(dv.getBigInt64(168, littleEndian));
  const hdr = version === 1 ? 348 : 540;
  if (!(Number.isSafeInteger(voxOffset) && voxOffset >= hdr && voxOffset <= hdr + 16 * 1024 * 1024)) {
    throw new NiftiError('INVALID_HEADER', `vox_offset = ${voxOffset} must be an integer in [${hdr}, ${hdr + 16 * 1024 * 1024}] for a single-file NIfTI-${version}`);
  }
  const voxels = dims.reduce((a, n) => a * n, 1);
  if (options.maxVoxels !== undefined && voxels > options.maxVoxels) {
    throw new NiftiError('TOO_LARGE_DECOMPRESSED', `the header announces dims [${dims.join(', ')}] = ${voxels} voxels, over the limit maxVoxels = ${options.maxVoxels}`);
  }
  // Unknown datatypes are refused by parseNifti with their name; size them as 1 byte here.
  const size = voxOffset + voxels * (info?.bytes ?? 1);
  const max = options.maxUncompressedBytes;
  if (max !== undefined && size > max) {
    throw new NiftiError('TOO_LARGE_DECOMPRESSED', `the header announces ${size} decoded bytes (dims [${dims.join(', ')}], ${info?.name ?? `datatype ${code}`}), over the limit maxUncompressedBytes = ${max}`);
  }
  return size;
}

/** Decodes an upload into the uncompressed NIfTI bytes, enforcing every limit while streaming. */
export async function decodeNiftiStream(readable: ChunkSource, options: StreamReadOptions): Promise<DecodedNifti> {
  const { maxBytes } = options;
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    throw new NiftiError('INVALID_ARGUMENT', `maxBytes = ${maxBytes} must be a positive integer (bytes)`);
  }
  const ratio = options.maxInflationRatio;
  const floor = options.ratioFloorBytes ?? 1024 * 1024;
  let sent = 0;
  let gzip: boolean | null = null;
  let inflater: ReturnType<typeof createGunzip> | null = null;
  let head: Uint8Array = new Uint8Array(0);
  let out: Uint8Array | null = null;
  let filled = 0;
  let decoded = 0;
  let failure: Error | null = null;

  const fail = (e: Error) => {
    failure ??= e;
  };
  /** Takes decoded bytes; returns true once the announced size is complete. */
  const take = (chunk: Uint8Array): boolean => {
    decoded += chunk.length;
    if (ratio !== undefined && decoded > floor && decoded > ratio * Math.max(sent, 1)) {
      throw new NiftiError('TOO_LARGE_DECOMPRESSED', `decoded ${decoded} bytes from ${sent} bytes sent: the inflation ratio exceeds maxInflationRatio = ${ratio}`);
    }
    if (!out) {
      const merged = new Uint8Array(head.length + chunk.length);
      merged.set(head);
      merged.set(chunk, head.length);
      head = merged;
      if (head.length < 4) return false;
      const le = new DataView(head.buffer).getInt32(0, true);
      const be = new DataView(head.buffer).getInt32(0, false);
      const need = le === 540 || be === 540 ? 540 : 348;
      if (head.length < Math.min(need, HEADER_PROBE)) return false;
      out = new Uint8Array(announcedSize(head, options));
      const n = Math.min(head.length, out.length);
      out.set(head.subarray(0, n));
      filled = n;
      head = new Uint8Array(0);
      return filled === out.length;
    }
    const n = Math.min(chunk.length, out.length - filled);
    out.set(chunk.subarray(0, n), filled);
    filled += n;
    return filled === out.length;
  };

  let complete = false;
  const onInflated = (d: Buffer) => {
    if (complete || failure) return;
    try {
      if (take(d)) complete = true;
    } catch (e) {
      fail(e as Error);
    }
  };

  const done = await (async (): Promise<boolean> => {
    for await (const chunk of readable) {
      if (typeof chunk === 'string') throw new NiftiError('INVALID_ARGUMENT', 'the stream yields strings: open it without an encoding (binary chunks)');
      sent += chunk.length;
      if (sent > maxBytes) throw new NiftiError('TOO_LARGE_COMPRESSED', `the upload exceeds maxBytes = ${maxBytes} bytes as sent (refused after ${sent} bytes)`);
      if (gzip === null) gzip = chunk.length >= 2 ? chunk[0] === 0x1f && chunk[1] === 0x8b : chunk[0] === 0x1f;
      if (!gzip) {
        if (take(chunk)) return true;
        continue;
      }
      if (!inflater) {
        inflater = createGunzip();
        inflater.on('error', fail);
        inflater.on('data', onInflated);
      }
      // Feed one chunk and let it inflate before reading more (back-pressure by hand).
      const inf = inflater;
      await new Promise<void>((resolve) => inf.write(chunk, () => resolve()));
      if (failure) throw failure;
      if (complete) return true;
    }
    return false;
  })().catch((e: unknown) => {
    readable.destroy?.();
    inflater?.destroy();
    throw normalise(e);
  });

  const inflating = inflater as ReturnType<typeof createGunzip> | null; // assigned inside the loop
  if (done) {
    // The file is complete; anything after the announced size is neither read nor inflated.
    readable.destroy?.();
    inflating?.destroy();
  } else if (inflating) {
    const inf = inflating;
    await new Promise<void>((resolve) => {
      inf.once('end', resolve);
      inf.once('close', resolve);
      inf.end();
    });
    if (failure) throw normalise(failure);
  }
  const finalOut = out as Uint8Array | null;
  if (!finalOut) {
    if (head.length === 0 && sent === 0) throw new NiftiError('NOT_NIFTI', 'the upload is empty');
    detectVersion(head); // throws NOT_NIFTI / TRUNCATED with the reason
    throw new NiftiError('TRUNCATED', `the file ends after ${head.length} bytes, inside its header`);
  }
  if (filled < finalOut.length) {
    throw new NiftiError('TRUNCATED', `file is truncated: ${filled} bytes, but its header announces ${finalOut.length} (vox_offset + voxels)`);
  }
  return { bytes: finalOut, sentBytes: sent, gzip: gzip === true };
}

function normalise(e: unknown): unknown {
  if (e instanceof NiftiError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err && /unexpected end of file/i.test(String(err.message))) return new NiftiError('TRUNCATED', 'the gzip stream ends early: the .nii.gz file is truncated');
  if (err && typeof err.code === 'string' && err.code.startsWith('Z_')) return new NiftiError('CORRUPT_GZIP', `cannot decompress the gzip stream: ${err.message}`);
  return e;
}

export async function readNiftiFromStream(readable: ChunkSource, options: StreamReadOptions): Promise<NiftiVolume> {
  const { bytes } = await decodeNiftiStream(readable, options);
  const { maxBytes: _sent, maxInflationRatio: _r, ratioFloorBytes: _f, ...parse } = options;
  return parseNifti(bytes, parse);
}
