// `npm run typecheck`: tsc --noEmit for every workspace (strict everywhere).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { root, tsWorkspaces } from './workspaces.ts';

const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
let failed = 0;
for (const ws of tsWorkspaces()) {
  const t = Date.now();
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(ws, 'tsconfig.json'), '--noEmit'], { cwd: root, stdio: 'inherit' });
  process.stdout.write(`typecheck ${ws}: ${r.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t) / 1000).toFixed(1)} s)\n`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
