/** Test helper: run a short Python script with nibabel (Debian's /usr/bin/python3) and parse its JSON output. */
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

export const hasNibabel: boolean = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import nibabel, numpy'], { encoding: 'utf8' });
  return r.status === 0;
})();

export function runPython<T>(script: string, args: string[] = []): T {
  const r = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
