// The models the platform can run: folders of MODELS_DIR with a metadata.json, hash-verified and
// registered in the database (name, version, metadata, file hashes) at API start.
import { listModels, loadModel, MODEL_PURPOSES, type LoadedModel } from '@slicewise/models';
import { modelConditioningFromMetadata, type ModelConditioning } from '@slicewise/conditioning';
import { DomainError, ErrorCode, notFound } from '../common/errors.ts';
import type { Logger } from '../common/logger.ts';
import type { ModelRepository, ModelRow } from './model.repository.ts';

export interface RegisteredModel {
  row: ModelRow;
  conditioning: ModelConditioning | null;
}

export class ModelService {
  private byId = new Map<string, RegisteredModel>();

  constructor(
    private readonly repo: ModelRepository,
    private readonly modelsDir: string,
  ) {}

  /** Loads every usable model folder (verifying hashes) and records it; returns what was registered. */
  async registerAll(logger: Logger): Promise<ModelRow[]> {
    const out: ModelRow[] = [];
    let listing: Awaited<ReturnType<typeof listModels>> = [];
    try {
      listing = await listModels(this.modelsDir);
    } catch (err) {
      logger.warn({ err: String(err) }, 'no models folder');
      return out;
    }
    for (const l of listing) {
      if (!l.ok) {
        logger.warn({ model: l.name, error: l.error }, 'model folder skipped');
        continue;
      }
      let m: LoadedModel;
      try {
        m = await loadModel(this.modelsDir, l.name, { verify: true });
      } catch (err) {
        logger.warn({ model: l.name, err: String(err) }, 'model failed verification; not registered');
        continue;
      }
      const row = await this.repo.upsert({ name: m.name, version: m.version, metadata: m.metadata, fileHashes: m.fileHashes });
      this.remember(row);
      out.push(row);
    }
    logger.info({ models: out.map((r) => `${r.name}@${r.version}`) }, 'models registered');
    return out;
  }

  private remember(row: ModelRow): RegisteredModel {
    const c = modelConditioningFromMetadata(row.metadata);
    const reg = { row, conditioning: c.ok ? c.value : null };
    this.byId.set(row.id, reg);
    return reg;
  }

  /** Usable models, the declared default first, then production, demo and test fixtures (by name within each). */
  async list(): Promise<ModelRow[]> {
    const names = (await listModels(this.modelsDir).catch(() => [])).filter((l) => l.ok).map((l) => l.name);
    const rank = (r: ModelRow) => (r.metadata.default === true ? 0 : 1 + MODEL_PURPOSES.indexOf(r.metadata.purpose ?? 'demo'));
    return (await this.repo.listLatest(names)).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  }

  async get(id: string): Promise<RegisteredModel> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const row = await this.repo.find(id);
    if (!row) throw notFound('Model', id);
    return this.remember(row);
  }

  async conditioningOf(id: string): Promise<{ row: ModelRow; conditioning: ModelConditioning }> {
    const m = await this.get(id);
    if (!m.conditioning) throw new DomainError(ErrorCode.BAD_INPUT, `Model ${m.row.name} has no usable conditioning metadata`, { field: 'modelId' });
    return { row: m.row, conditioning: m.conditioning };
  }

  /** What a dataset's Croissant RAI fields quote about its models (metadata purpose and training data). */
  async cardsFor(models: readonly { name: string; version: string }[]): Promise<{ name: string; version: string; purpose: string | null; trainingData: string | null }[]> {
    const rows = await this.repo.findByNameVersions(models);
    return models.map((m) => {
      const meta = rows.find((r) => r.name === m.name && r.version === m.version)?.metadata;
      const training = meta?.training as { data_source?: unknown } | undefined;
      return { name: m.name, version: m.version, purpose: meta?.purpose ?? null, trainingData: typeof training?.data_source === 'string' ? training.data_source : null };
    });
  }

  modelsByIds(ids: readonly string[]) {
    return this.repo.findByIds(ids);
  }
}
