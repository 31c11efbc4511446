/**
 * `slicewise.lock`: what a pulled folder holds (the same file the Python client writes; schema in
 * clients/python/slicewise/lock.py). `manifestSha256` is the version's identity: pulling
 * `<project>/<dataset>@<manifestSha256>` gives exactly these files again. `complete` is false while a
 * pull runs or after one was interrupted.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError, EXIT } from './errors.ts';
import { writeAtomic } from './files.ts';

export const LOCK_NAME = 'slicewise.lock';
export const LOCK_SCHEMA = 'slicewise-lock/1';

export interface Lock {
  schema: typeof LOCK_SCHEMA;
  spec: string;
  project: string;
  dataset: string;
  ref: string;
  manifestSha256: string;
  datasetVersionId: string | null;
  projectId: string | null;
  api: string;
  files: number;
  bytes: number;
  complete: boolean;
  pulledAt: string;
  client: string;
}

export async function readLock(folder: string): Promise<Lock | null> {
  const p = path.join(folder, LOCK_NAME);
  let text: string;
  try {
    text = await fs.readFile(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const j = JSON.parse(text) as Lock;
    if (j.schema !== LOCK_SCHEMA) throw new Error(`schema must be "${LOCK_SCHEMA}", got ${JSON.stringify(j.schema)}`);
    if (!/^[0-9a-f]{64}$/.test(j.manifestSha256)) throw new Error(`manifestSha256 must be 64 hex digits, got ${JSON.stringify(j.manifestSha256)}`);
    return j;
  } catch (e) {
    throw new CliError(EXIT.VERIFY, `${p}: not a valid ${LOCK_NAME} (${(e as Error).message}); delete it and pull again`);
  }
}

export async function writeLock(folder: string, lock: Lock): Promise<void> {
  await writeAtomic(path.join(folder, LOCK_NAME), Buffer.from(`${JSON.stringify(lock, null, 2)}\n`));
}
