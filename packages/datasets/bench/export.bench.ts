/**
 * Export benchmark: a 200-volume version of fake 16^3 NIfTI files (float32 noise image + uint8 mask,
 * gzipped) in a temporary LocalStorage, exported as a tar to a file. The export runs in a child process
 * so its peak RSS is the export's alone (not the fixture generation's).
 *
 *   npm run bench -w @slicewise/datasets [-- --volumes 200 --shape 16]
 *
 * Prints one JSON line: volumes, archiveBytes, prepareSeconds (manifest + documents), export seconds (best
 * of 3 runs, and all three), MBps (archive bytes / best export time), peak and base RSS of the child.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStorage } from '@slicewise/storage';
import { buildDocuments } from '../src/documents.ts';
import { archiveSize, writeExportArchive } from '../src/export.ts';
import { buildManifest, type ManifestInput } from '../src/manifest.ts';
import { writeFakeVersion } from '../src/testing/fixture.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function child(dir: string): Promise<void> {
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
  for (let r = 0; r < 3; r++) {
    const t1 = performance.now();
    const out = (await fs.open(path.join(dir, 'out.tar'), 'w')).createWriteStream();
    await writeExportArchive(manifest, docs, new LocalStorage(path.join(dir, 'storage')), out);
    runs.push((performance.now() - t1) / 1000);
  }
  clearInterval(timer);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const seconds = Math.min(...runs);
  const written = (await fs.stat(path.join(dir, 'out.tar'))).size;
  if (written !== size) throw new Error(`archive is ${written} bytes, archiveSize() said ${size}`);
  process.stdout.write(
    JSON.stringify({ bench: 'datasets-export', volumes: manifest.volumes.length, archiveBytes: size, prepareSeconds: +prepareSeconds.toFixed(3), exportSecondsBestOf3: +seconds.toFixed(3), exportSecondsAll: runs.map((x) => +x.toFixed(3)), MBps: +(size / 1e6 / seconds).toFixed(1), peakRssMB: +(peakRss / 2 ** 20).toFixed(1), baseRssMB: +(baseRss / 2 ** 20).toFixed(1), maxRssProcessMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1) }) + '\n',
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!);
  const volumes = arg('volumes', 200);
  const shape = arg('shape', 16);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slicewise-export-bench-'));
  try {
    const t0 = performance.now();
    const input = await writeFakeVersion(new LocalStorage(path.join(dir, 'storage')), { volumes, cohorts: 2, seed: 1, shapeDhw: [shape, shape, shape] });
    const serialisable = JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    await fs.writeFile(path.join(dir, 'input.json'), serialisable);
    process.stderr.write(`generated ${volumes} volumes (${shape}^3) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) process.exit(r.status ?? 1);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await main();
