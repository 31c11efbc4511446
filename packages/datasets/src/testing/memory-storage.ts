/** In-memory Storage for tests (no fsync cost); `chunkBytes` controls the size of the chunks get() yields. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Body, type ObjectStat, type PutResult, type Storage, StorageError, validateKey } from '@slicewise/storage';

export class MemoryStorage implements Storage {
  readonly kind = 'memory';
  readonly objects = new Map<string, Buffer>();
  constructor(private readonly chunkBytes = 64 * 1024) {}

  async putAtomic(key: string, body: Body): Promise<PutResult> {
    validateKey(key);
    const chunks: Buffer[] = [];
    if (body instanceof Uint8Array) chunks.push(Buffer.from(body));
    else for await (const c of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
    const b = Buffer.concat(chunks);
    this.objects.set(key, b);
    return { key, sha256: createHash('sha256').update(b).digest('hex'), bytes: b.length };
  }
  async get(key: string): Promise<Readable> {
    validateKey(key);
    const b = this.objects.get(key);
    if (!b) throw new StorageError('NOT_FOUND', `no object under key ${JSON.stringify(key)}`);
    const size = this.chunkBytes;
    return Readable.from((function* () {
      for (let o = 0; o < b.length; o += size) yield b.subarray(o, o + size);
    })());
  }
  async stat(key: string): Promise<ObjectStat | null> {
    const b = this.objects.get(validateKey(key));
    return b ? { key, bytes: b.length, modifiedAt: new Date(0) } : null;
  }
  async exists(key: string): Promise<boolean> {
    return this.objects.has(validateKey(key));
  }
  async delete(key: string): Promise<boolean> {
    return this.objects.delete(validateKey(key));
  }
  describe(key: string): string {
    return `memory:${key}`;
  }
}
