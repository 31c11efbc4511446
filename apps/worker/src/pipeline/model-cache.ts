/**
 * Loaded models (hash-verified files + ORT sessions), one per model name, reused across jobs.
 * A cohort's Model row records the file hashes it was requested with; a folder whose files differ is
 * refused rather than silently generating with other weights.
 */
import { modelConditioningFromMetadata, type ModelConditioning } from '@slicewise/conditioning';
import { loadModel, type LoadedModel } from '@slicewise/models';
import { OrtModel, type RuntimeOptions } from '../onnx/index.ts';

export interface ReadyModel {
  loaded: LoadedModel;
  ort: OrtModel;
  conditioning: ModelConditioning;
  loadMs: number;
}

export class ModelCache {
  private readonly models = new Map<string, Promise<ReadyModel>>();

  constructor(
    private readonly modelsDir: string,
    private readonly runtime: RuntimeOptions,
    private readonly verify = true,
  ) {}

  get(name: string): Promise<ReadyModel> {
    let p = this.models.get(name);
    if (!p) {
      p = this.load(name);
      this.models.set(name, p);
      p.catch(() => this.models.delete(name)); // a failed load is retried by the next job
    }
    return p;
  }

  private async load(name: string): Promise<ReadyModel> {
    const t0 = performance.now();
    const loaded = await loadModel(this.modelsDir, name, { verify: this.verify });
    const c = modelConditioningFromMetadata(loaded.metadata);
    if (!c.ok) throw new Error(`model ${name}: conditioning metadata invalid: ${c.errors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}`);
    const ort = await OrtModel.load(loaded, this.runtime);
    return { loaded, ort, conditioning: c.value, loadMs: performance.now() - t0 };
  }

  /** Names of models already loaded. */
  loadedNames(): string[] {
    return [...this.models.keys()];
  }

  async dispose(): Promise<void> {
    for (const p of this.models.values()) {
      const m = await p.catch(() => null);
      await m?.ort.dispose();
    }
    this.models.clear();
  }
}

/** The DB's recorded hashes must equal the verified folder's (names and values). */
export function checkRecordedHashes(modelName: string, recorded: unknown, actual: Record<string, string>): void {
  if (recorded === null || recorded === undefined || (typeof recorded === 'object' && Object.keys(recorded as object).length === 0)) return;
  if (typeof recorded !== 'object' || Array.isArray(recorded)) {
    throw new Error(`Model ${modelName}.fileHashes must be an object {file: sha256}, got ${JSON.stringify(recorded)}`);
  }
  for (const [file, sha] of Object.entries(recorded as Record<string, unknown>)) {
    const want = typeof sha === 'object' && sha !== null && 'sha256' in sha ? (sha as { sha256: unknown }).sha256 : sha;
    if (actual[file] !== want) {
      throw new Error(`model ${modelName}: file ${file} has sha256 ${actual[file] ?? '(absent)'} in the models folder, the Model row records ${String(want)}`);
    }
  }
}
