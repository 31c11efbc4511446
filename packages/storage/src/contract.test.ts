// One contract, every backend: the local folder and an S3-protocol server (s3rver, started here on a
// loopback port). A backend-specific guarantee the test server cannot provide is skipped with the reason.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalStorage, S3Storage, StorageError, readAll, type Storage } from './index.ts';
import { startTestS3Server, type TestS3Server } from './testing/index.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const pattern = (n: number, seed = 31) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * seed + (i >> 13)) & 0xff;
  return b;
};
const MiB = 1024 * 1024;

interface Backend {
  name: string;
  /** A fresh, empty storage for one test. */
  make(): Promise<Storage>;
  /** Readers racing an overwrite see the old or the new object (S3 and MinIO do; s3rver rewrites files in place). */
  atomicOverwrite: boolean;
}

let tmpRoot: string;
let s3: TestS3Server;
beforeAll(async () => {
  tmpRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'storage-contract-'));
  s3 = await startTestS3Server();
});
afterAll(async () => {
  await s3?.stop();
  await fs.rm(tmpRoot, { recursive: true, force: true });
});

const made: S3Storage[] = [];
afterAll(() => made.forEach((s) => s.close()));
function s3Storage(prefix = `t${randomBytes(6).toString('hex')}`, bucket = s3.bucket, endpoint = s3.endpoint): S3Storage {
  const s = new S3Storage({ bucket, endpoint, region: s3.region, forcePathStyle: true, prefix, partBytes: 5 * MiB, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  made.push(s);
  return s;
}

const backends: Backend[] = [
  { name: 'local folder', make: async () => new LocalStorage(await fs.mkdtemp(path.join(tmpRoot, 'local-'))), atomicOverwrite: true },
  { name: 'S3 (s3rver)', make: async () => s3Storage(), atomicOverwrite: false },
];

describe.each(backends)('Storage contract: $name', (backend) => {
  let storage: Storage;
  beforeEach(async () => {
    storage = await backend.make();
  });

  it('round trips bytes with sha256 and size; stat, exists, delete, NOT_FOUND', async () => {
    const data = pattern(100_000);
    const r = await storage.putAtomic('c/1/image.nii.gz', data);
    expect(r).toEqual({ key: 'c/1/image.nii.gz', sha256: sha(data), bytes: 100_000 });
    expect((await readAll(storage, 'c/1/image.nii.gz')).equals(data)).toBe(true);
    expect(await storage.stat('c/1/image.nii.gz')).toMatchObject({ key: 'c/1/image.nii.gz', bytes: 100_000 });
    expect((await storage.stat('c/1/image.nii.gz'))!.modifiedAt).toBeInstanceOf(Date);
    expect(await storage.exists('c/1/image.nii.gz')).toBe(true);
    expect(await storage.delete('c/1/image.nii.gz')).toBe(true);
    expect(await storage.delete('c/1/image.nii.gz')).toBe(false);
    expect(await storage.exists('c/1/image.nii.gz')).toBe(false);
    expect(await storage.stat('c/1/image.nii.gz')).toBeNull();
    await expect(storage.get('c/1/image.nii.gz')).rejects.toMatchObject({ name: 'StorageError', code: 'NOT_FOUND' });
  });

  it('writes Readable streams, async iterables and empty objects', async () => {
    const r1 = await storage.putAtomic('s/x.txt', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    expect(r1).toEqual({ key: 's/x.txt', sha256: sha(Buffer.from('hello world')), bytes: 11 });
    async function* gen() {
      yield new Uint8Array([1, 2, 3]);
      yield new Uint8Array([4]);
    }
    expect((await storage.putAtomic('s/y.bin', gen())).bytes).toBe(4);
    expect([...(await readAll(storage, 's/y.bin'))]).toEqual([1, 2, 3, 4]);
    const empty = await storage.putAtomic('s/empty', new Uint8Array(0));
    expect(empty).toEqual({ key: 's/empty', sha256: sha(new Uint8Array(0)), bytes: 0 });
    expect((await readAll(storage, 's/empty')).length).toBe(0);
  });

  it('stores objects larger than one multipart part (12 MiB in chunks) intact', async () => {
    const big = pattern(12 * MiB + 12345, 7);
    const chunks = Array.from({ length: Math.ceil(big.length / 700_001) }, (_, i) => big.subarray(i * 700_001, (i + 1) * 700_001));
    const r = await storage.putAtomic('big/volume.nii.gz', Readable.from(chunks));
    expect(r).toEqual({ key: 'big/volume.nii.gz', sha256: sha(big), bytes: big.length });
    const back = await readAll(storage, 'big/volume.nii.gz');
    expect(back.length).toBe(big.length);
    expect(sha(back)).toBe(sha(big));
  });

  it('overwrites the whole object (a shorter new body leaves no tail of the old one)', async () => {
    await storage.putAtomic('o/x', pattern(50_000));
    await storage.putAtomic('o/x', Buffer.from('short'));
    expect((await readAll(storage, 'o/x')).toString()).toBe('short');
    expect((await storage.stat('o/x'))!.bytes).toBe(5);
  });

  it.each([
    ['a small body', 1_000],
    ['a body past the first multipart part', 7 * MiB],
  ])('a source stream failing after %s leaves the old object and no new one', async (_what, before) => {
    await storage.putAtomic('f/x.bin', Buffer.from('old'));
    async function* broken() {
      yield pattern(before);
      throw new Error('source died');
    }
    await expect(storage.putAtomic('f/x.bin', broken())).rejects.toThrow(/source died/);
    await expect(storage.putAtomic('f/new.bin', broken())).rejects.toThrow(/source died/);
    expect((await readAll(storage, 'f/x.bin')).toString()).toBe('old');
    expect(await storage.exists('f/new.bin')).toBe(false);
  });

  it('refuses invalid keys before any I/O, for every operation', async () => {
    for (const k of ['../escape', '/etc/passwd', 'a//b', '.tmp-x', 'a/../b']) {
      await expect(storage.putAtomic(k, Buffer.from('x'))).rejects.toMatchObject({ code: 'INVALID_KEY' });
      await expect(storage.get(k)).rejects.toMatchObject({ code: 'INVALID_KEY' });
      await expect(storage.stat(k)).rejects.toMatchObject({ code: 'INVALID_KEY' });
      await expect(storage.delete(k)).rejects.toMatchObject({ code: 'INVALID_KEY' });
    }
  });

  it('writes many keys concurrently, each intact', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => pattern(30_000 + i * 1000, i + 3));
    const results = await Promise.all(bodies.map((b, i) => storage.putAtomic(`many/${i}`, b)));
    for (let i = 0; i < bodies.length; i++) {
      expect(results[i]!.sha256).toBe(sha(bodies[i]!));
      expect(sha(await readAll(storage, `many/${i}`))).toBe(sha(bodies[i]!));
    }
  });

  it.skipIf(!backend.atomicOverwrite)('readers racing overwrites see the old or the new object, never a mix', async () => {
    const a = Buffer.alloc(2_000_000, 1), b = Buffer.alloc(2_000_000, 2);
    await storage.putAtomic('r/x', a);
    const writes = Promise.all([storage.putAtomic('r/x', b), storage.putAtomic('r/x', a), storage.putAtomic('r/x', b)]);
    for (let i = 0; i < 5; i++) {
      const got = await readAll(storage, 'r/x');
      expect(got.length).toBe(2_000_000);
      expect(got.every((v) => v === got[0])).toBe(true);
    }
    await writes;
  });

  it('check() passes on a usable backend', async () => {
    await expect(storage.check!()).resolves.toBeUndefined();
  });
});

describe('S3Storage specifics (against s3rver)', () => {
  it('verifies every write: s3rver reports no checksum, so the object is read back and hashed', async () => {
    const s = s3Storage();
    await s.putAtomic('v/a', pattern(10_000));
    await s.putAtomic('v/b', pattern(6 * MiB));
    expect(s.verified).toEqual({ checksum: 0, readback: 2 });
  });

  it('a body damaged in transit is caught by verification: INTEGRITY, the object deleted, nothing returned', async () => {
    const s = s3Storage();
    // flip one byte of every PutObject/UploadPart body after the SDK built the request: what a faulty
    // proxy or disk would do. s3rver does not check x-amz-checksum-sha256 (S3 would refuse the PUT).
    s.client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { body?: unknown };
        if (req.body instanceof Uint8Array && req.body.length > 0) {
          const copy = Buffer.from(req.body);
          copy[copy.length >> 1] = copy[copy.length >> 1]! ^ 0xff;
          req.body = copy;
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'corruptBody' },
    );
    await expect(s.putAtomic('d/x', pattern(20_000))).rejects.toMatchObject({ code: 'INTEGRITY', message: expect.stringMatching(/sha256 .* sha256/) });
    expect(await s.exists('d/x')).toBe(false);
  });

  it('a response cut off before Content-Length fails the read instead of returning a short object', async () => {
    const data = pattern(3 * MiB);
    await s3Storage('cut').putAtomic('t/x', data);
    // a TCP proxy in front of s3rver that drops the connection after 100,000 response bytes
    const proxy = await cuttingProxy(new URL(s3.endpoint), 100_000);
    try {
      const viaProxy = s3Storage('cut', s3.bucket, proxy.endpoint);
      await expect(readAll(viaProxy, 't/x')).rejects.toThrow(/of 3145728 bytes|aborted|premature|ECONNRESET|socket hang up/i);
    } finally {
      await proxy.close();
    }
  });

  it('prefixes isolate deployments sharing a bucket', async () => {
    const a = s3Storage('deploy-a'), b = s3Storage('deploy-b');
    await a.putAtomic('same/key', Buffer.from('A'));
    expect(await b.exists('same/key')).toBe(false);
    expect(a.describe('same/key')).toBe(`s3://${s3.bucket}/deploy-a/same/key at ${s3.endpoint}`);
  });

  it('presigned GET URLs serve the object without credentials, with the file name, until they expire', async () => {
    const s = s3Storage();
    const data = pattern(50_000);
    await s.putAtomic('p/image.nii.gz', data);
    const url = await s.presignGet('p/image.nii.gz', { expiresSeconds: 60, filename: 'sub-0001_image.nii.gz' });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="sub-0001_image.nii.gz"');
    expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(data));
    // signed for the public endpoint (here: the same server under another host name) when one is set
    const pub = new S3Storage({ bucket: s3.bucket, endpoint: s3.endpoint, publicEndpoint: s3.endpoint.replace('127.0.0.1', 'localhost'), region: s3.region, forcePathStyle: true, prefix: s.prefix.slice(0, -1), credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    made.push(pub);
    const publicUrl = await pub.presignGet('p/image.nii.gz', { expiresSeconds: 60 });
    expect(publicUrl.startsWith(s3.endpoint.replace('127.0.0.1', 'localhost'))).toBe(true);
    expect(sha(Buffer.from(await (await fetch(publicUrl)).arrayBuffer()))).toBe(sha(data));
    const expired = await getExpiredUrl(s, 'p/image.nii.gz');
    expect((await fetch(expired)).status).toBe(403);
  });

  it('check() names the variable to fix: missing bucket, unreachable endpoint', async () => {
    await expect(s3Storage('x', 'no-such-bucket').check()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('(S3_BUCKET)') });
    await expect(s3Storage('x', s3.bucket, 'http://127.0.0.1:9').check()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('S3_ENDPOINT') });
  });
});

async function cuttingProxy(target: URL, cutAfterBytes: number): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let sent = 0;
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      sent += d.length;
      if (sent > cutAfterBytes) {
        client.write(d.subarray(0, d.length - (sent - cutAfterBytes)));
        client.destroy();
        upstream.destroy();
      } else client.write(d);
    });
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

async function getExpiredUrl(s: S3Storage, key: string): Promise<string> {
  const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  return getSignedUrl(s.client, new GetObjectCommand({ Bucket: s.bucket, Key: `${s.prefix}${key}` }), { expiresIn: 1, signingDate: new Date(Date.now() - 3_600_000) });
}

it('StorageError codes are the documented set', () => {
  expect(new StorageError('INTEGRITY', 'x').code).toBe('INTEGRITY');
});
