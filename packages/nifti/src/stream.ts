/**
 * Reading an upload stream with a hard size limit: chunks are counted as they arrive and the stream is
 * destroyed as soon as the total passes `maxBytes`, so no more than maxBytes (plus the one chunk in hand)
 * is ever held. Decompression is bounded separately by `maxUncompressedBytes`.
 */
import { NiftiError } from './errors.ts';
import { type NiftiVolume, type ReadOptions, parseNifti } from './read.ts';

export interface StreamReadOptions extends Omit<ReadOptions, 'maxBytes'> {
  /** Largest accepted upload (bytes as sent, compressed or not). Required: uploads must be bounded. */
  maxBytes: number;
}

type ChunkSource = AsyncIterable<Uint8Array | string> & { destroy?: (error?: Error) => void };

export async function readNiftiFromStream(readable: ChunkSource, options: StreamReadOptions): Promise<NiftiVolume> {
  const { maxBytes } = options;
  if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
    throw new NiftiError('INVALID_ARGUMENT', `maxBytes = ${maxBytes} must be a positive integer (bytes)`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of readable) {
    if (typeof chunk === 'string') {
      readable.destroy?.();
      throw new NiftiError('INVALID_ARGUMENT', 'the stream yields strings: open it without an encoding (binary chunks)');
    }
    total += chunk.length;
    if (total > maxBytes) {
      const err = new NiftiError('TOO_LARGE', `upload exceeds maxBytes = ${maxBytes} (refused after ${total} bytes)`);
      readable.destroy?.();
      throw err;
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  return parseNifti(bytes, options);
}
