/**
 * Export benchmark: a 200-volume version of fake NIfTI files (float32 noise image + uint8 mask, gzipped)
 * written to a temporary local folder AND to an S3-protocol server (s3rver, started here on loopback),
 * then exported as a tar to a file from each storage. Each export runs in its own child process, so its
 * peak RSS is the export's alone (not the fixture generation's, nor the S3 server's).
 *
 *   npm run bench -w @slicewise/datasets [-- --volumes 200 --shape 16 --storage both|local|s3]
 *   npm run bench:export-s3   (root: --volumes 200 --shape 64 --storage both)
 *
 * Prints one JSON line per storage (volumes, archiveBytes, prepareSeconds, export seconds best of 3 and
 * all, MBps = archive bytes / best time, peak and base RSS), then one summary line with s3/local ratios.
 * The S3 numbers include s3rver's own CPU on the same cores: a floor for a real S3 or MinIO endpoint.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStorage, S3Storage, type Storage } from '@slicewise/storage';
import { startTestS3Server } from '@slicewise/storage/testing';
import { buildDocuments } from '../src/documents.ts';
import { archiveSize, writeExportArchive } from '../src/export.ts';
import { buildManifest, type ManifestInput } from '../src/manifest.ts';
import { writeFakeVersion } from '../src/testing/fixture.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The storage a child exports from: the local folder, or the bucket named by BENCH_S3_* (set by the parent). */
function storageFor(kind: string, dir: string): Storage {
  if (kind === 'local') return new LocalStorage(path.join(dir, 'storage'));
  const e = process.env;
  return new S3Storage({ bucket: e.BENCH_S3_BUCKET!, endpoint: e.BENCH_S3_ENDPOINT!, region: 'us-east-1', forcePathStyle: true, prefix: 'bench', credentials: { accessKeyId: e.BENCH_S3_KEY!, secretAccessKey: e.BENCH_S3_SECRET! } });
}

async function child(dir: string, kind: string): Promise<void> {
  const input = JSON.parse(await fs.readFile(path.join(dir, 'input.json'), 'utf8')) as ManifestInput;
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
  const t0 = performance.now();
  const manifest = buildManifest(input);
  const docs = buildDocuments(manifest, { datasetName: 'bench', tag: 'v1' });
  const size = archiveSize(manifest, docs);
  const prepareSeconds = (performance.now() - t0) / 1000;
  const runs: number[] = [];
  const storage = storageFor(kind, dir);
  for (let r = 0; r < 3; r++) {
    const t1 = performance.now();
    const out = (await fs.open(path.join(dir, 'out.tar'), 'w')).createWriteStream();
    await writeExportArchive(manifest, docs, storage, out);
    runs.push((performance.now() - t1) / 1000);
  }
  clearInterval(timer);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const seconds = Math.min(...runs);
  const written = (await fs.stat(path.join(dir, 'out.tar'))).size;
  if (written !== size) throw new Error(`archive is ${written} bytes, archiveSize() said ${size}`);
  process.stdout.write(
    JSON.stringify({ bench: 'datasets-export', storage: kind, volumes: manifest.volumes.length, archiveBytes: size, prepareSeconds: +prepareSeconds.toFixed(3), exportSecondsBestOf3: +seconds.toFixed(3), exportSecondsAll: runs.map((x) => +x.toFixed(3)), MBps: +(size / 1e6 / seconds).toFixed(1), peakRssMB: +(peakRss / 2 ** 20).toFixed(1), baseRssMB: +(baseRss / 2 ** 20).toFixed(1), maxRssProcessMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1) }) + '\n',
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!, process.argv[4]!);
  const volumes = arg('volumes', 200);
  const shape = arg('shape', 16);
  const si = process.argv.indexOf('--storage');
  const which = si >= 0 ? process.argv[si + 1]! : 'both';
  if (!['both', 'local', 's3'].includes(which)) throw new Error(`--storage ${which}: must be both, local or s3`);
  const kinds = which === 'both' ? ['local', 's3'] : [which];
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slicewise-export-bench-'));
  const s3 = kinds.includes('s3') ? await startTestS3Server({ bucket: 'bench' }) : null;
  try {
    const t0 = performance.now();
    // the same bytes in both storages: written locally, then copied object by object into the bucket
    const local = new LocalStorage(path.join(dir, 'storage'));
    const input = await writeFakeVersion(local, { volumes, cohorts: 2, seed: 1, shapeDhw: [shape, shape, shape] });
    if (s3) {
      const bucket = new S3Storage({ bucket: s3.bucket, endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, prefix: 'bench', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
      for (const v of input.volumes) {
        for (const [key, sha] of [[v.imageKey, v.imageSha256], [v.maskKey, v.maskSha256]] as [string, string][]) {
          const put = await bucket.putAtomic(key, await local.get(key));
          if (put.sha256 !== sha) throw new Error(`${key}: copied with sha256 ${put.sha256}, expected ${sha}`);
        }
      }
      bucket.close();
    }
    const serialisable = JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    await fs.writeFile(path.join(dir, 'input.json'), serialisable);
    process.stderr.write(`generated ${volumes} volumes (${shape}^3) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const results: Record<string, { MBps: number; peakRssMB: number }> = {};
    for (const kind of kinds) {
      const env = { ...process.env, ...(s3 ? { BENCH_S3_BUCKET: s3.bucket, BENCH_S3_ENDPOINT: s3.endpoint, BENCH_S3_KEY: s3.accessKeyId, BENCH_S3_SECRET: s3.secretAccessKey } : {}) };
      // async: the S3 server runs in this process and must keep answering while the child exports
      const out = await new Promise<string>((resolve, reject) => {
        const c = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', dir, kind], { stdio: ['ignore', 'pipe', 'inherit'], env });
        let text = '';
        c.stdout.on('data', (d) => (text += d));
        c.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`${kind} export exited with ${code}`))));
      });
      process.stdout.write(out);
      results[kind] = JSON.parse(out.trim().split('\n').pop()!);
    }
    if (results.local && results.s3) {
      process.stdout.write(
        `${JSON.stringify({ bench: 'datasets-export-s3-vs-local', volumes, shape, localMBps: results.local.MBps, s3MBps: results.s3.MBps, s3OverLocalThroughput: +(results.s3.MBps / results.local.MBps).toFixed(2), localPeakRssMB: results.local.peakRssMB, s3PeakRssMB: results.s3.peakRssMB })}\n`,
      );
    }
  } finally {
    await s3?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
