// npm run replay-audit -w @slicewise/worker -- <datasetVersionId (uuid)> [--k 5] [--seed 0] [--threads N]
// Progress on stderr; one JSON report on stdout. Exit 0 when every sampled volume is bit-identical,
// 1 when some differ (the report says how much and why), 2 on usage, 3 on error.
import { createStorage } from '@slicewise/storage';
import { loadConfig } from '../config.ts';
import { VolumeRepository } from '../pipeline/volume.repository.ts';
import { ReplayAuditRepository } from './replay-audit.repository.ts';
import { replayAudit } from './replay-audit.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const id = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!id || !/^[0-9a-f-]{36}$/.test(id)) {
  process.stderr.write('usage: npm run replay-audit -w @slicewise/worker -- <datasetVersionId> [--k 5] [--seed 0] [--threads N]\n');
  process.exit(2);
}
const config = loadConfig();
const repo = new VolumeRepository(config.databaseUrl, { maxConnections: 1 });
const auditRepo = new ReplayAuditRepository(config.databaseUrl);
try {
  const threads = flag('--threads');
  const report = await replayAudit(auditRepo, id, {
    k: Number(flag('--k') ?? 5),
    seed: Number(flag('--seed') ?? 0),
    modelsDir: config.modelsDir,
    storage: createStorage(config.storage),
    repo,
    codeRevision: config.codeRevision,
    ...(threads ? { intraOpThreads: Number(threads) } : {}),
    onProgress: (d, t) => process.stderr.write(`replayed ${d}/${t}\n`),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exitCode = report.different === 0 ? 0 : 1;
} catch (e) {
  process.stderr.write(`replay audit failed: ${(e as Error).message}\n`);
  process.exitCode = 3;
} finally {
  await repo.close();
  await auditRepo.close();
}
