/**
 * Object storage for generated files. The pipeline only sees this interface, so a local folder (default)
 * and an S3-compatible bucket are interchangeable: keys are '/'-separated relative names, writes are
 * all-or-nothing (a reader sees the whole object or none), and every write reports its sha256 and size.
 */
import type { Readable } from 'node:stream';

export type Body = Uint8Array | Readable | AsyncIterable<Uint8Array>;

export interface PutResult {
  key: string;
  /** sha256 of the stored bytes, lowercase hex. */
  sha256: string;
  bytes: number;
}

export interface ObjectStat {
  key: string;
  bytes: number;
  modifiedAt: Date;
}

export interface Storage {
  /** "local", "s3", ...: recorded in provenance. */
  readonly kind: string;
  /** Write the whole object atomically: concurrent readers never see a partial object. Overwrites. */
  putAtomic(key: string, body: Body, opts?: { contentType?: string }): Promise<PutResult>;
  /** A stream of the object's bytes; StorageError NOT_FOUND if absent. */
  get(key: string): Promise<Readable>;
  stat(key: string): Promise<ObjectStat | null>;
  exists(key: string): Promise<boolean>;
  /** true if something was deleted. */
  delete(key: string): Promise<boolean>;
  /** A location string for people and logs (file path or s3:// URL), never used to bypass the interface. */
  describe(key: string): string;
  /**
   * A short-lived URL from which a client can GET the object directly (S3: presigned). Absent where the
   * backend has no such URL (a local folder): callers then stream through `get`.
   */
  presignGet?(key: string, opts: PresignOptions): Promise<string>;
  /** At start: the backend is reachable and writable by this process's credentials (UNAVAILABLE if not). */
  check?(): Promise<void>;
}

export interface PresignOptions {
  expiresSeconds: number;
  /** Content-Disposition attachment name of the response. */
  filename?: string;
  contentType?: string;
}

export class StorageError extends Error {
  constructor(
    /** INTEGRITY: the stored object's size or sha256 differs from what was written (it was deleted). UNAVAILABLE: the backend cannot be reached or used. */
    readonly code: 'INVALID_KEY' | 'NOT_FOUND' | 'IO' | 'INTEGRITY' | 'UNAVAILABLE',
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

const SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
export const MAX_KEY_LENGTH = 512;

/**
 * Keys: 1..512 chars, '/'-separated segments of [A-Za-z0-9._-] that do not start with '.' or '-' (so no
 * '..', no hidden/temporary names), no leading or trailing '/', no empty segment, no backslash. The same
 * rule is valid for S3 keys, so a key never means different objects on two backends.
 */
export function validateKey(key: unknown): string {
  if (typeof key !== 'string') throw new StorageError('INVALID_KEY', `key must be a string, got ${typeof key}`);
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new StorageError('INVALID_KEY', `key must be 1..${MAX_KEY_LENGTH} characters, got ${key.length}`);
  }
  const segments = key.split('/');
  for (const s of segments) {
    if (!SEGMENT_RE.test(s) || s === '..' || s === '.') {
      throw new StorageError(
        'INVALID_KEY',
        `key ${JSON.stringify(key)} has segment ${JSON.stringify(s)}: segments are [A-Za-z0-9._-], not starting with '.' or '-', non-empty; no absolute paths, no '..'`,
      );
    }
  }
  return key;
}

/** The bytes of a Body as chunks (a Buffer/Uint8Array is one chunk; string chunks of a stream become bytes). */
export async function* chunksOf(body: Body): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }
}
