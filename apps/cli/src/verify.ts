/** `slicewise verify`: the offline check of a pulled folder, every file's size and sha256 against its manifest. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { manifestHash, parseManifest, type Manifest } from '@slicewise/datasets/manifest';
import { CliError, EXIT } from './errors.ts';
import { checkLocal, insideRoot } from './files.ts';
import { readLock } from './lock.ts';
import { Progress } from './progress.ts';
import { HASH_RE } from './spec.ts';

export interface VerifyResult {
  manifestSha256: string;
  files: number;
  ok: number;
  failed: { path: string; reason: string }[];
}

/** Offline check of a pulled folder against its manifest.json (and against `ref` if it is a hash). */
export async function verifyFolder(outDir: string, ref: string | null, stderr: NodeJS.WritableStream, quiet = false): Promise<VerifyResult> {
  const out = path.resolve(outDir);
  let mbytes: Buffer;
  try {
    mbytes = await fs.readFile(path.join(out, 'manifest.json'));
  } catch (e) {
    throw new CliError(EXIT.VERIFY, `${path.join(out, 'manifest.json')}: cannot read the manifest (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pull first`);
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(JSON.parse(mbytes.toString('utf8')));
  } catch (e) {
    throw new CliError(EXIT.VERIFY, `manifest.json is not a valid dataset manifest: ${(e as Error).message}`);
  }
  const msha = manifestHash(manifest);
  const lock = await readLock(out);
  if (lock && lock.manifestSha256 !== msha) throw new CliError(EXIT.VERIFY, `manifest.json: sha256 ${msha} is not the version slicewise.lock records (${lock.manifestSha256})`);
  if (ref && HASH_RE.test(ref) && msha !== ref) throw new CliError(EXIT.VERIFY, `manifest.json: sha256 ${msha} is not the requested version ${ref}`);
  const failed: VerifyResult['failed'] = [];
  const progress = new Progress(stderr, manifest.files.length, manifest.files.reduce((s, f) => s + f.bytes, 0), quiet);
  for (const f of manifest.files) {
    const st = await checkLocal(insideRoot(out, f.path), f.bytes, f.sha256);
    if (st.state !== 'ok') {
      const reason = st.state === 'missing' ? 'missing' : st.reason;
      failed.push({ path: f.path, reason });
      progress.note(`FAILED ${f.path}: ${reason}`);
    }
    progress.fileDone(f.bytes, false);
  }
  progress.finish();
  return { manifestSha256: msha, files: manifest.files.length, ok: manifest.files.length - failed.length, failed };
}
