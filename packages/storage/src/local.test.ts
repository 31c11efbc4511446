import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStorage, StorageError, readAll, validateKey } from './index.ts';

let root: string;
let storage: LocalStorage;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'storage-test-'));
  storage = new LocalStorage(path.join(root, 'store'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('validateKey', () => {
  it.each([
    '../x',
    'a/../../x',
    '/etc/passwd',
    'a//b',
    'a/',
    '',
    '.hidden',
    'a/.tmp-123',
    'a\\b',
    '..',
    'a/./b',
    '-rf',
    'x'.repeat(513),
    'a b',
    'é',
  ])('refuses %j', (k) => {
    expect(() => validateKey(k)).toThrow(StorageError);
  });
  it.each(['a', 'cohorts/123/vol_0001.nii.gz', 'A-b_c.d/e'])('accepts %j', (k) => {
    expect(validateKey(k)).toBe(k);
  });
});

describe('LocalStorage', () => {
  it('round trips bytes with sha256 and size', async () => {
    const data = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
    const r = await storage.putAtomic('c/1/image.nii.gz', data);
    expect(r).toEqual({ key: 'c/1/image.nii.gz', sha256: sha(data), bytes: 100_000 });
    expect(Buffer.compare(await readAll(storage, 'c/1/image.nii.gz'), Buffer.from(data))).toBe(0);
    expect(await storage.stat('c/1/image.nii.gz')).toMatchObject({ bytes: 100_000 });
    expect(await storage.exists('c/1/image.nii.gz')).toBe(true);
    expect(await storage.delete('c/1/image.nii.gz')).toBe(true);
    expect(await storage.delete('c/1/image.nii.gz')).toBe(false);
    expect(await storage.exists('c/1/image.nii.gz')).toBe(false);
    await expect(storage.get('c/1/image.nii.gz')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('writes streams and leaves no temporary file', async () => {
    const parts = [Buffer.from('hello '), Buffer.from('world')];
    const r = await storage.putAtomic('s/x.txt', Readable.from(parts));
    expect(r.sha256).toBe(sha(Buffer.from('hello world')));
    expect(await fs.readdir(path.join(root, 'store', 's'))).toEqual(['x.txt']);
  });

  it('a failing stream leaves neither the object nor a temporary file', async () => {
    await storage.putAtomic('f/x.bin', Buffer.from('old'));
    async function* broken() {
      yield Buffer.from('partial');
      throw new Error('source died');
    }
    await expect(storage.putAtomic('f/x.bin', broken())).rejects.toThrow(/source died/);
    expect((await readAll(storage, 'f/x.bin')).toString()).toBe('old');
    expect(await fs.readdir(path.join(root, 'store', 'f'))).toEqual(['x.bin']);
  });

  it('a failed write names the key and the file being written, never the temporary file', async () => {
    // the target path is taken by a folder: the final rename fails (as root, permissions would not)
    await fs.mkdir(path.join(root, 'store', 'blocked', 'x.bin'), { recursive: true });
    const err = (await storage.putAtomic('blocked/x.bin', Buffer.from('data')).then(
      () => new Error('expected the write to fail'),
      (e: unknown) => e,
    )) as Error & { code: string };
    expect(err).toMatchObject({ code: 'IO' });
    expect(err.message).toContain('blocked/x.bin');
    expect(err.message).toContain(path.join(root, 'store', 'blocked', 'x.bin'));
    expect(err.message).toMatch(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(err.message).not.toContain('.tmp-');
    expect((await fs.readdir(path.join(root, 'store', 'blocked'))).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('refuses traversal and a symlinked folder leading outside the root', async () => {
    await expect(storage.putAtomic('../escape', Buffer.from('x'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await expect(storage.get('/etc/passwd')).rejects.toMatchObject({ code: 'INVALID_KEY' });
    await fs.mkdir(path.join(root, 'store'), { recursive: true });
    await fs.mkdir(path.join(root, 'outside'));
    await fs.symlink(path.join(root, 'outside'), path.join(root, 'store', 'link'));
    await expect(storage.putAtomic('link/x', Buffer.from('x'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
    expect(await fs.readdir(path.join(root, 'outside'))).toEqual([]);
  });

  it('sweeps temporary files left by killed writers', async () => {
    await fs.mkdir(path.join(root, 'store', 'k'), { recursive: true });
    await fs.writeFile(path.join(root, 'store', 'k', '.tmp-dead'), 'partial');
    await storage.putAtomic('k/keep', Buffer.from('x'));
    expect(await storage.sweepTemporary(-1)).toBe(1);
    expect(await fs.readdir(path.join(root, 'store', 'k'))).toEqual(['keep']);
  });
});
