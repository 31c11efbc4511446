/** Local file checks: streamed sha256 (never a whole file in memory), atomic replace via temp + rename. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export type LocalState = { state: 'ok' } | { state: 'missing' } | { state: 'bad'; reason: string };

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Is `file` present with exactly `bytes` bytes and this sha256? */
export async function checkLocal(file: string, bytes: number, sha256: string): Promise<LocalState> {
  let st;
  try {
    st = await fs.stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw e;
  }
  if (!st.isFile()) return { state: 'bad', reason: 'not a regular file' };
  if (st.size !== bytes) return { state: 'bad', reason: `size ${st.size} bytes, manifest says ${bytes}` };
  const got = await sha256File(file);
  if (got !== sha256) return { state: 'bad', reason: `sha256 ${got}, manifest says ${sha256}` };
  return { state: 'ok' };
}

/** Prefix of a download in progress (both clients): `images/.slicewise-part-<name>` beside its file. */
export const PART_PREFIX = '.slicewise-part-';

/** Where `file` is downloaded to before it is verified (kept across runs so a download can resume). */
export function partPathFor(file: string): string {
  return path.join(path.dirname(file), `${PART_PREFIX}${path.basename(file)}`);
}

/** Write `bytes` to `file` atomically (temp file in the same folder, then rename). */
export async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = partPathFor(file);
  try {
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Remove partial downloads in `dirs` that are not in `keep` (another version's, or an older client's); returns how many. */
export async function sweepParts(dirs: string[], keep: ReadonlySet<string>): Promise<number> {
  let n = 0;
  for (const d of dirs) {
    let names: string[];
    try {
      names = await fs.readdir(d);
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.startsWith(PART_PREFIX) && !keep.has(path.join(d, name))) {
        await fs.rm(path.join(d, name), { force: true });
        n++;
      }
    }
  }
  return n;
}

/** `rel` joined under `root`, refusing anything that would land outside it. */
export function insideRoot(root: string, rel: string): string {
  const abs = path.resolve(root, ...rel.split('/'));
  if (!abs.startsWith(path.resolve(root) + path.sep)) throw new Error(`path ${JSON.stringify(rel)} would be written outside ${root}`);
  return abs;
}
