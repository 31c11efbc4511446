// npm run replay -w @slicewise/worker -- <volumeId> [--threads N] [--provider cpu|cuda]
// Prints one JSON report; exit 0 when replayed (identical or not), 1 on error, 2 on usage.
import { createStorage } from '@slicewise/storage';
import { loadConfig } from '../config.ts';
import { VolumeRepository } from '../pipeline/volume.repository.ts';
import { replayVolume } from './replay.ts';

const args = process.argv.slice(2);
const volumeId = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a) && a !== 'cpu' && a !== 'cuda');
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (!volumeId) {
  process.stderr.write('usage: npm run replay -w @slicewise/worker -- <volumeId> [--threads N] [--provider cpu|cuda]\n');
  process.exit(2);
}
const config = loadConfig();
const repo = new VolumeRepository(config.databaseUrl, { maxConnections: 1 });
try {
  const threads = flag('--threads');
  const provider = flag('--provider');
  const report = await replayVolume(volumeId, {
    modelsDir: config.modelsDir,
    storage: createStorage(config.storage),
    repo,
    codeRevision: config.codeRevision,
    ...(threads ? { intraOpThreads: Number(threads) } : {}),
    ...(provider === 'cpu' || provider === 'cuda' ? { executionProvider: provider } : {}),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await repo.close();
  process.exit(0);
} catch (e) {
  process.stderr.write(`replay failed: ${(e as Error).message}\n`);
  await repo.close();
  process.exit(1);
}
