/**
 * Model folders: `<modelsDir>/<name>/metadata.json` plus the files it lists, each verified by sha256 and
 * size before anything uses it. Pure loading and hashing (no ONNX runtime here).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ModelError, parseModelMetadata, type ModelMetadata } from './metadata.ts';
import type { ModelPurpose } from './quality.ts';

export interface LoadedModel {
  name: string;
  /** metadata.version, else "sha256:<first 12 hex of metadata.json>" (any change to the folder's contract changes it). */
  version: string;
  dir: string;
  metadata: ModelMetadata;
  /** sha256 of metadata.json as stored. */
  metadataSha256: string;
  /** Verified sha256 per file name (metadata.files). */
  fileHashes: Record<string, string>;
  /** Absolute path of a listed file. */
  filePath(name: string): string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

function checkName(name: string): void {
  if (!NAME_RE.test(name) || name.includes('..')) {
    throw new ModelError('INVALID_NAME', `model name ${JSON.stringify(name)} is not allowed: letters, digits, '.', '_', '-' (max 128), no '..'`);
  }
}

/** Read, validate and hash-verify one model folder. */
export async function loadModel(modelsDir: string, name: string, opts: { verify?: boolean } = {}): Promise<LoadedModel> {
  checkName(name);
  const dir = path.resolve(modelsDir, name);
  const metaPath = path.join(dir, 'metadata.json');
  let text: Buffer;
  try {
    text = await fs.readFile(metaPath);
  } catch (e) {
    throw new ModelError('NOT_FOUND', `model "${name}": cannot read ${metaPath}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.toString('utf8'));
  } catch (e) {
    throw new ModelError('INVALID_METADATA', `model "${name}": metadata.json is not JSON: ${(e as Error).message}`);
  }
  const metadata = parseModelMetadata(raw, `model "${name}" metadata.json`);
  if (metadata.name !== name) {
    throw new ModelError('INVALID_METADATA', `model folder "${name}" holds metadata.name ${JSON.stringify(metadata.name)}: they must match`);
  }
  const fileHashes: Record<string, string> = {};
  for (const [file, expected] of Object.entries(metadata.files)) {
    const p = path.join(dir, file);
    if (opts.verify === false) {
      fileHashes[file] = expected.sha256;
      continue;
    }
    let actual: { sha256: string; bytes: number };
    try {
      actual = await sha256File(p);
    } catch (e) {
      throw new ModelError('MISSING_FILE', `model "${name}": file ${file} listed in metadata.files cannot be read: ${(e as Error).message}`);
    }
    if (actual.sha256 !== expected.sha256) {
      throw new ModelError(
        'HASH_MISMATCH',
        `model "${name}": file ${file} has sha256 ${actual.sha256}, metadata.json expects ${expected.sha256} (${actual.bytes} bytes read, ${expected.bytes} expected)`,
      );
    }
    if (actual.bytes !== expected.bytes) {
      throw new ModelError('SIZE_MISMATCH', `model "${name}": file ${file} has ${actual.bytes} bytes, metadata.json expects ${expected.bytes}`);
    }
    fileHashes[file] = actual.sha256;
  }
  const metadataSha256 = createHash('sha256').update(text).digest('hex');
  return {
    name,
    version: metadata.version ?? `sha256:${metadataSha256.slice(0, 12)}`,
    dir,
    metadata,
    metadataSha256,
    fileHashes,
    filePath(file: string) {
      if (!(file in metadata.files)) {
        throw new ModelError('MISSING_FILE', `model "${name}": ${file} is not listed in metadata.files (${Object.keys(metadata.files).join(', ')})`);
      }
      return path.join(dir, file);
    },
  };
}

export interface ModelListing {
  name: string;
  ok: boolean;
  /** Why the folder is not a usable model (metadata invalid); hashes are not checked by listing. */
  error?: string;
  description?: string;
  volumeShapeDhw?: [number, number, number];
  totalBytes?: number;
  /** metadata.purpose; a 'test-fixture' is never offered in the web app (issue 14). */
  purpose?: ModelPurpose;
  /** metadata.default: the model the platform offers first. */
  default?: boolean;
  /** metadata.calibration.version when the model declares a condition calibration. */
  calibrationVersion?: number;
}

/** Folders of `modelsDir` holding a metadata.json (validated, not hash-verified: that is loadModel's job). */
export async function listModels(modelsDir: string): Promise<ModelListing[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(modelsDir, { withFileTypes: true });
  } catch (e) {
    throw new ModelError('NOT_FOUND', `models folder ${modelsDir} cannot be read: ${(e as Error).message}`);
  }
  const out: ModelListing[] = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const metaPath = path.join(modelsDir, e.name, 'metadata.json');
    let text: string;
    try {
      text = await fs.readFile(metaPath, 'utf8');
    } catch {
      continue; // not a model folder (e.g. training/)
    }
    try {
      const m = parseModelMetadata(JSON.parse(text), `${e.name}/metadata.json`);
      out.push({
        name: e.name,
        ok: m.name === e.name,
        ...(m.name !== e.name ? { error: `metadata.name ${JSON.stringify(m.name)} differs from the folder name` } : {}),
        ...(m.description !== undefined ? { description: m.description } : {}),
        volumeShapeDhw: m.volume.shape_dhw,
        totalBytes: Object.values(m.files).reduce((a, f) => a + f.bytes, 0),
        ...(m.purpose !== undefined ? { purpose: m.purpose } : {}),
        ...(m.default !== undefined ? { default: m.default } : {}),
        ...(m.calibration !== undefined ? { calibrationVersion: m.calibration.version } : {}),
      });
    } catch (err) {
      out.push({ name: e.name, ok: false, error: (err as Error).message });
    }
  }
  return out;
}

/**
 * The model the platform offers first: the one usable model whose metadata says `default: true` (chosen from its
 * measured metrics when it was exported, see its model card). null when none does; throws ModelError
 * INVALID_METADATA naming them when several do. Never picks by size.
 */
export async function defaultModel(modelsDir: string): Promise<string | null> {
  const marked = (await listModels(modelsDir)).filter((m) => m.ok && m.default === true);
  if (marked.length > 1) {
    throw new ModelError('INVALID_METADATA', `more than one model in ${modelsDir} declares default: true: ${marked.map((m) => m.name).join(', ')} (exactly one may)`);
  }
  return marked[0]?.name ?? null;
}

/** The usable model with the largest volume (voxels), then largest files; null if none. */
export async function largestModel(modelsDir: string): Promise<string | null> {
  const ok = (await listModels(modelsDir)).filter((m) => m.ok && m.volumeShapeDhw);
  ok.sort((a, b) => {
    const va = a.volumeShapeDhw!.reduce((x, y) => x * y, 1), vb = b.volumeShapeDhw!.reduce((x, y) => x * y, 1);
    return vb - va || (b.totalBytes ?? 0) - (a.totalBytes ?? 0);
  });
  return ok[0]?.name ?? null;
}
