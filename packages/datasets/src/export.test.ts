import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { exampleVolumeProvenance } from '@slicewise/provenance/testing';
import { type ObjectStat, type Storage, StorageError } from '@slicewise/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from './canonical.ts';
import { buildDocuments, type DatasetDocuments } from './documents.ts';
import { ExportError, archiveEntries, archiveSize, writeExportArchive } from './export.ts';
import { buildManifest, manifestHash, type Manifest, type ManifestInput } from './manifest.ts';
import { writeFakeVersion } from './testing/fixture.ts';
import { MemoryStorage } from './testing/memory-storage.ts';

class Collect extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk);
    cb();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

let dir: string;
let storage: MemoryStorage;
let input: ManifestInput;
let m: Manifest;
let docs: DatasetDocuments;
let full: Buffer;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datasets-export-'));
  storage = new MemoryStorage(1000); // odd chunk size: chunks straddle tar blocks
  input = await writeFakeVersion(storage, { volumes: 6, cohorts: 2, seed: 21 });
  m = buildManifest(input);
  docs = buildDocuments(m, { datasetName: 'export-test', tag: 'v1' });
  const out = new Collect();
  await writeExportArchive(m, docs, storage, out);
  full = out.bytes;
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('writeExportArchive', () => {
  it('writes exactly archiveSize() bytes; python tarfile reads every entry and every sha256 matches the manifest', async () => {
    expect(full.length).toBe(archiveSize(m, docs));
    const file = path.join(dir, 'v.tar');
    await fs.writeFile(file, full);
    const listing = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        ['-c', `import tarfile,hashlib,json,sys\nt=tarfile.open(sys.argv[1])\nprint(json.dumps({m.name: (hashlib.sha256(t.extractfile(m).read()).hexdigest() if m.isfile() else 'dir') for m in t.getmembers()}))`, file],
        { encoding: 'utf8' },
      ),
    ) as Record<string, string>;
    const names = Object.keys(listing);
    expect(names.slice(0, 5)).toEqual(['manifest.json', 'datalist.json', 'dataset_description.json', 'prov.json', 'croissant.json']);
    expect(listing['images']).toBe('dir');
    expect(listing['masks']).toBe('dir');
    expect(listing['manifest.json']).toBe(manifestHash(m));
    for (const f of m.files) expect(listing[f.path], f.path).toBe(f.sha256);
    expect(names.length).toBe(5 + 2 + m.files.length);
    expect(archiveEntries(m, docs).map((e) => e.path.replace(/\/$/, ''))).toEqual(names);
  });

  it('the extracted archive works as a MONAI datalist: every image/label pair loads with nibabel from base_dir', async () => {
    const file = path.join(dir, 'monai.tar');
    await fs.writeFile(file, full);
    const root = path.join(dir, 'extracted');
    // the same path handling as monai.data.load_decathlon_datalist(..., base_dir=root): os.path.join(base_dir, value)
    const out = execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        `import tarfile,json,os,sys
import nibabel as nib
tarfile.open(sys.argv[1]).extractall(sys.argv[2])
root=sys.argv[2]
dl=json.load(open(os.path.join(root,'datalist.json')))['training']
shapes=[]
for e in dl:
    img=nib.load(os.path.join(root,e['image'])); lab=nib.load(os.path.join(root,e['label']))
    assert img.shape==lab.shape, (e, img.shape, lab.shape)
    assert set(lab.get_fdata().ravel().tolist()) <= {0.0,1.0}
    shapes.append(list(img.shape))
print(json.dumps({'n':len(dl),'shapes':shapes}))`,
        file,
        root,
      ],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(out) as { n: number; shapes: number[][] };
    expect(r.n).toBe(m.volumes.length);
    for (const s of r.shapes) expect(s).toEqual([16, 16, 16]);
  });

  it('is byte-reproducible, and any set of ranges reassembles the full archive', async () => {
    const again = new Collect();
    await writeExportArchive(m, docs, storage, again);
    expect(sha256Hex(again.bytes)).toBe(sha256Hex(full));
    const cuts = [0, 511, 512, 1700, 9000, Math.floor(full.length / 2), full.length - 1025, full.length - 1];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const out = new Collect();
      const r = await writeExportArchive(m, docs, storage, out, { range: { start: cuts[i]!, end: cuts[i + 1]! } });
      expect(out.bytes.equals(full.subarray(cuts[i]!, cuts[i + 1]! + 1)), `range ${cuts[i]}-${cuts[i + 1]}`).toBe(true);
      expect(r.bytes).toBe(cuts[i + 1]! - cuts[i]! + 1);
    }
    await expect(writeExportArchive(m, docs, storage, new Collect(), { range: { start: 5, end: full.length } })).rejects.toThrow(/not within the archive/);
  });

  it('a range that skips files does not read them from storage', async () => {
    const reads: string[] = [];
    const spy: Storage = { ...storage, kind: 'spy', get: (k: string) => (reads.push(k), storage.get(k)), stat: (k) => storage.stat(k), exists: (k) => storage.exists(k), delete: (k) => storage.delete(k), describe: (k) => k, putAtomic: (k, b) => storage.putAtomic(k, b) };
    const start = full.length - 3072;
    await writeExportArchive(m, docs, spy, new Collect(), { range: { start, end: full.length - 1 } });
    // expected: exactly the files whose tar entry (header + padded data) overlaps the range
    let offset = 0;
    const expected: string[] = [];
    for (const e of archiveEntries(m, docs)) {
      const end = offset + 512 + Math.ceil(e.bytes / 512) * 512;
      const f = m.files.find((x) => x.path === e.path);
      if (f && end > start) expected.push(f.storageKey);
      offset = end;
    }
    expect(reads).toEqual(expected);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.length).toBeLessThan(m.files.length / 2);
  });

  it('gzip output decompresses to the same tar', async () => {
    const out = new Collect();
    await writeExportArchive(m, docs, storage, out, { gzip: true });
    expect(gunzipSync(out.bytes).equals(full)).toBe(true);
  });

  it('a tampered, truncated or grown object stops the export with an error naming the file', async () => {
    const f = m.files[3]!;
    const original = storage.objects.get(f.storageKey)!;
    try {
      const tampered = Buffer.from(original);
      tampered[10] = tampered[10]! ^ 0xff;
      storage.objects.set(f.storageKey, tampered);
      let err = await writeExportArchive(m, docs, storage, new Collect()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExportError);
      expect((err as ExportError).code).toBe('HASH_MISMATCH');
      expect((err as ExportError).path).toBe(f.path);
      expect((err as Error).message).toContain(f.path);
      storage.objects.set(f.storageKey, original.subarray(0, original.length - 7));
      err = await writeExportArchive(m, docs, storage, new Collect()).catch((e: unknown) => e);
      expect((err as ExportError).code).toBe('SIZE_MISMATCH');
      expect((err as Error).message).toMatch(new RegExp(`${f.path}: storage holds ${original.length - 7} bytes, the manifest records ${original.length}`));
      storage.objects.set(f.storageKey, Buffer.concat([original, Buffer.from('x')]));
      err = await writeExportArchive(m, docs, storage, new Collect()).catch((e: unknown) => e);
      expect((err as ExportError).code).toBe('SIZE_MISMATCH');
      storage.objects.delete(f.storageKey);
      err = await writeExportArchive(m, docs, storage, new Collect()).catch((e: unknown) => e);
      expect((err as ExportError).code).toBe('STORAGE');
      expect((err as Error).message).toContain(f.path);
    } finally {
      storage.objects.set(f.storageKey, original);
    }
  });

  it('a destination that closes mid-export ends the export with DESTINATION_CLOSED', async () => {
    let n = 0;
    const out = new Writable({
      highWaterMark: 1024,
      write(_c, _e, cb) {
        if (++n === 5) {
          this.destroy();
          return;
        }
        setImmediate(cb);
      },
    });
    const err = await writeExportArchive(m, docs, storage, out).catch((e: unknown) => e);
    expect((err as ExportError).code).toBe('DESTINATION_CLOSED');
  });
});

/**
 * Storage whose objects are generated on demand (never held in memory) and which counts the bytes it
 * has handed out: with a slow consumer, bytes handed out minus bytes consumed is what the exporter
 * buffers.
 */
class GeneratedStorage implements Storage {
  readonly kind = 'generated';
  handedOut = 0;
  constructor(
    private readonly sizes: Map<string, number>,
    private readonly chunk = 64 * 1024,
  ) {}
  static fill(key: string, k: number, n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    b.fill((key.length * 31 + k) & 0xff);
    return b;
  }
  hashOf(key: string): string {
    const h = createHash('sha256');
    const size = this.sizes.get(key)!;
    for (let o = 0, k = 0; o < size; o += this.chunk, k++) h.update(GeneratedStorage.fill(key, k, Math.min(this.chunk, size - o)));
    return h.digest('hex');
  }
  async get(key: string): Promise<Readable> {
    const size = this.sizes.get(key);
    if (size === undefined) throw new StorageError('NOT_FOUND', key);
    const chunk = this.chunk;
    const count = (n: number) => (this.handedOut += n);
    return Readable.from(
      (function* () {
        for (let o = 0, k = 0; o < size; o += chunk, k++) {
          const n = Math.min(chunk, size - o);
          count(n);
          yield GeneratedStorage.fill(key, k, n);
        }
      })(),
      { highWaterMark: 1 },
    );
  }
  async stat(key: string): Promise<ObjectStat | null> {
    const s = this.sizes.get(key);
    return s === undefined ? null : { key, bytes: s, modifiedAt: new Date(0) };
  }
  async exists(key: string): Promise<boolean> {
    return this.sizes.has(key);
  }
  async delete(): Promise<boolean> {
    return false;
  }
  async putAtomic(): Promise<never> {
    throw new Error('read-only');
  }
  describe(key: string): string {
    return key;
  }
}

function generatedVersion(volumes: number, bytesPerFile: number): { manifest: Manifest; storage: GeneratedStorage } {
  const sizes = new Map<string, number>();
  for (let i = 0; i < volumes; i++) {
    sizes.set(`v/${i}-image.nii.gz`, bytesPerFile);
    sizes.set(`v/${i}-mask.nii.gz`, Math.floor(bytesPerFile / 8) + i);
  }
  const storage = new GeneratedStorage(sizes);
  const cohort = { id: '11111111-2222-4333-a444-555555555555', name: 'big', seed: 1, model: { name: 'm', version: '1' }, distributionVersion: { id: 'd', version: 1, specHash: 'c'.repeat(64) }, requestedBy: 'u', createdAt: '2026-01-01T00:00:00Z' };
  const vols = Array.from({ length: volumes }, (_, i) => ({
    id: `vol-${i}`,
    cohortId: cohort.id,
    subjectIndex: i,
    imageKey: `v/${i}-image.nii.gz`,
    imageSha256: storage.hashOf(`v/${i}-image.nii.gz`),
    imageBytes: bytesPerFile,
    maskKey: `v/${i}-mask.nii.gz`,
    maskSha256: storage.hashOf(`v/${i}-mask.nii.gz`),
    maskBytes: sizes.get(`v/${i}-mask.nii.gz`)!,
    requestedCondition: null,
    measuredCondition: null,
    provenance: exampleVolumeProvenance({ volumeId: `v${i}`, cohortId: cohort.id, subjectIndex: i }),
    reviewState: 'UNREVIEWED',
  }));
  return { manifest: buildManifest({ projectId: 'p', cohorts: [cohort], volumes: vols }), storage };
}

describe('writeExportArchive memory', () => {
  it('never holds more than a few chunks: bytes read from storage minus bytes consumed stays bounded with a slow consumer', async () => {
    const { manifest, storage: gen } = generatedVersion(6, 4 * 1024 * 1024); // 4 MiB images, 12 files
    const d = buildDocuments(manifest, { datasetName: 'big' });
    const measure = async (lookahead: number) => {
      gen.handedOut = 0;
      let consumed = 0;
      let maxAhead = 0;
      const slow = new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _e, cb) {
          consumed += chunk.length;
          maxAhead = Math.max(maxAhead, gen.handedOut - consumed);
          setImmediate(cb);
        },
      });
      await writeExportArchive(manifest, d, gen, slow, { lookahead });
      expect(consumed).toBe(archiveSize(manifest, d));
      return maxAhead;
    };
    // No lookahead: one 64 KiB storage chunk in flight plus the sink's buffer.
    expect(await measure(0)).toBeLessThan(256 * 1024);
    // Default lookahead 8: at most ~2 chunks buffered per opened stream; a buffering implementation
    // would be >= 4 MiB (one whole file) ahead.
    expect(await measure(8)).toBeLessThan((8 + 2) * 2 * 64 * 1024);
  });

  it('heap + array buffers stay flat for a 200-volume version of 100+ MB (measured after forced GCs)', async () => {
    const { manifest, storage: gen } = generatedVersion(200, 512 * 1024);
    const d = buildDocuments(manifest, { datasetName: 'big' });
    const total = archiveSize(manifest, d);
    expect(total).toBeGreaterThan(100 * 1024 * 1024);
    // gc() without --expose-gc on the command line: enable the flag at run time and fetch gc from a new context.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // gc() twice with a turn of the event loop between: array buffer backing stores are released by a
    // concurrent sweeper after a GC, so one gc() alone can still count garbage buffers.
    const retained = async () => {
      gc();
      await new Promise((r) => setTimeout(r, 5));
      gc();
      const u = process.memoryUsage();
      return u.heapUsed + u.arrayBuffers;
    };
    // warm-up export: compiled code and lazily created internals are not what we measure
    const warm = generatedVersion(10, 64 * 1024);
    await writeExportArchive(warm.manifest, buildDocuments(warm.manifest, { datasetName: 'warm' }), warm.storage, new Writable({ write: (_c, _e, cb) => cb() }));
    const before = await retained();
    let peakRetained = before;
    let n = 0;
    let nextCheck = 0;
    // the sink samples retained memory every ~8 MiB, pausing the export while it does
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        n += chunk.length;
        if (n < nextCheck) return cb();
        nextCheck = n + 8 * 1024 * 1024;
        void retained().then((r) => {
          peakRetained = Math.max(peakRetained, r);
          cb();
        });
      },
    });
    await writeExportArchive(manifest, d, gen, sink);
    expect(n).toBe(total);
    const growth = peakRetained - before;
    console.log(`retained heap+arrayBuffers growth: ${(growth / 2 ** 20).toFixed(2)} MiB for ${(total / 2 ** 20).toFixed(0)} MiB streamed`);
    // live memory during the export: a few chunks (lookahead), the documents, bookkeeping; not the files
    expect(growth).toBeLessThan(8 * 1024 * 1024);
  });
});
