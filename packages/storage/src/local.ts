/**
 * Local-folder Storage. Atomic write: the bytes go to a temporary file in the SAME folder as the target
 * (".tmp-<random>", a name no valid key can have), are fsync'ed, renamed over the target (rename(2) is
 * atomic within one file system), and the folder is fsync'ed so the rename survives a crash. A killed
 * writer leaves only a ".tmp-*" file, never a partial object under a key; `sweepTemporary` removes
 * leftovers older than a given age.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { chunksOf, StorageError, validateKey, type Body, type ObjectStat, type PutResult, type Storage } from './storage.ts';

const TMP_PREFIX = '.tmp-';

export class LocalStorage implements Storage {
  readonly kind = 'local';
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Absolute path of a key, checked to lie inside root (validateKey already forbids escapes). */
  private pathOf(key: string): string {
    validateKey(key);
    const p = path.resolve(this.root, ...key.split('/'));
    if (!p.startsWith(this.root + path.sep)) {
      throw new StorageError('INVALID_KEY', `key ${JSON.stringify(key)} resolves outside the storage root`);
    }
    return p;
  }

  /** Refuse folders that are symlinks leading out of root (someone else's link inside our tree). */
  private async checkRealParent(dir: string): Promise<void> {
    const realRoot = await fs.realpath(this.root);
    const realDir = await fs.realpath(dir);
    if (realDir !== realRoot && !realDir.startsWith(realRoot + path.sep)) {
      throw new StorageError('INVALID_KEY', `folder ${dir} resolves to ${realDir}, outside the storage root`);
    }
  }

  describe(key: string): string {
    return this.pathOf(key);
  }

  /** At start: the root exists (created if missing) and this process may write there. */
  async check(): Promise<void> {
    try {
      await fs.mkdir(this.root, { recursive: true });
      await fs.access(this.root, fs.constants.W_OK);
    } catch (e) {
      throw new StorageError('UNAVAILABLE', `storage folder ${this.root} (STORAGE_DIR) is not a writable folder: ${(e as Error).message}`);
    }
  }

  async putAtomic(key: string, body: Body): Promise<PutResult> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    const tmp = path.join(dir, `${TMP_PREFIX}${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let bytes = 0;
    let fh: fs.FileHandle | null = null;
    try {
      await fs.mkdir(dir, { recursive: true });
      await this.checkRealParent(dir);
      fh = await fs.open(tmp, 'wx', 0o644);
      for await (const chunk of chunksOf(body)) {
        hash.update(chunk);
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
        bytes += chunk.length;
      }
      await fh.sync();
      await fh.close();
      fh = null;
      await fs.rename(tmp, target);
      const dh = await fs.open(dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    } catch (e) {
      await fh?.close().catch(() => {});
      await fs.rm(tmp, { force: true }).catch(() => {});
      if (e instanceof StorageError) throw e;
      throw new StorageError('IO', `could not store ${key} at ${target}: ${systemReason(e)}`);
    }
    return { key, sha256: hash.digest('hex'), bytes };
  }

  async get(key: string): Promise<Readable> {
    const p = this.pathOf(key);
    try {
      const fh = await fs.open(p, 'r');
      return fh.createReadStream({ autoClose: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new StorageError('NOT_FOUND', `no object under key ${JSON.stringify(key)}`);
      throw new StorageError('IO', `reading ${key}: ${(e as Error).message}`);
    }
  }

  async stat(key: string): Promise<ObjectStat | null> {
    const p = this.pathOf(key);
    try {
      const s = await fs.stat(p);
      if (!s.isFile()) return null;
      return { key, bytes: s.size, modifiedAt: s.mtime };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StorageError('IO', `stat ${key}: ${(e as Error).message}`);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<boolean> {
    const p = this.pathOf(key);
    try {
      await fs.unlink(p);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new StorageError('IO', `deleting ${key}: ${(e as Error).message}`);
    }
  }

  /** Remove ".tmp-*" files older than `olderThanMs` (left by killed writers); returns how many. */
  async sweepTemporary(olderThanMs: number): Promise<number> {
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile() && e.name.startsWith(TMP_PREFIX)) {
          const s = await fs.stat(p).catch(() => null);
          if (s && Date.now() - s.mtimeMs > olderThanMs) {
            await fs.rm(p, { force: true });
            removed++;
          }
        }
      }
    };
    await walk(this.root);
    return removed;
  }
}

/** Whole object as bytes (small objects, tests, replay). */
export async function readAll(storage: Storage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await storage.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The reason of a failed file operation without node's paths: they would name the temporary file, while
 * the reader needs the file being written (given by the caller). "EISDIR: illegal operation on a
 * directory (rename)".
 */
function systemReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (!err?.code) return err?.message ?? String(e);
  const described = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message)?.[1] ?? err.message;
  return `${err.code}: ${described}${err.syscall ? ` (${err.syscall})` : ''}`;
}
