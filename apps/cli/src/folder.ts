/** What a folder may hold before a pull writes into it: nothing, or a pulled dataset version (slicewise.lock or manifest.json). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { manifestHash, parseManifest, type ManifestFile } from '@slicewise/datasets/manifest';
import { CliError, EXIT } from './errors.ts';
import type { Lock } from './lock.ts';

/** The version the folder holds (null: new or empty); refuses a folder holding other things. */
export async function folderVersion(out: string, old: Lock | null): Promise<string | null> {
  if (old?.manifestSha256) return old.manifestSha256;
  try {
    return manifestHash(parseManifest(JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8'))));
  } catch {
    const other = (await fs.readdir(out)).filter((n) => !n.startsWith('.slicewise-')).sort();
    if (other.length) {
      throw new CliError(EXIT.FOLDER, `${out} holds files that are not a pulled dataset version (${other.slice(0, 5).join(', ')}${other.length > 5 ? ', ...' : ''}); pull into a new or empty folder`);
    }
    return null;
  }
}

/** For --replace: remove the old version's files that the new one does not list. Returns how many. */
export async function clearOtherVersion(out: string, files: readonly ManifestFile[]): Promise<number> {
  const keep = new Set(files.map((f) => f.path));
  let removed = 0;
  for (const sub of ['images', 'masks']) {
    const names = await fs.readdir(path.join(out, sub)).catch(() => [] as string[]);
    for (const name of names) {
      if (!keep.has(`${sub}/${name}`)) {
        await fs.rm(path.join(out, sub, name), { force: true });
        removed++;
      }
    }
  }
  return removed;
}
