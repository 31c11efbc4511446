// Condition distributions: named, versioned specs (packages/conditioning). Editing creates a new
// version; versions never change (the database rejects UPDATE), so a cohort's distribution is fixed.
import { createHash } from 'node:crypto';
import { validateSpec } from '@slicewise/conditioning';
import type { CpuPool } from '../cpu/cpu.pool.ts';
import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { Keyset, TimeCursor } from '../common/keyset.ts';
import { notFound, ValidationFailed, type UserErrorShape } from '../common/errors.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import type { TransactionRunner } from '../common/transaction.repository.ts';
import { userError, validate } from '../common/validation.ts';
import type { ModelService } from '../models/model.service.ts';
import type { ProjectRepository } from '../projects/project.repository.ts';
import type { DistributionRepository, DistributionRow, VersionRow } from './distribution.repository.ts';

export const PREVIEW_MAX = 5000;
/** Vectors returned by a preview (all n feed the histograms). */
export const PREVIEW_VECTORS_RETURNED = 1000;

const createInput = z.object({
  projectId: z.string(),
  name: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters'),
  description: z.string().max(2000, 'at most 2000 characters').default(''),
  modelId: z.string(),
  spec: z.unknown(),
});

/** Canonical JSON (sorted keys) so equal specs hash equally. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
export const specHash = (spec: unknown) => createHash('sha256').update(canonical(spec)).digest('hex');

export class DistributionService {
  constructor(
    private readonly repo: DistributionRepository,
    private readonly projects: ProjectRepository,
    private readonly models: ModelService,
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
    private readonly cpu: CpuPool,
  ) {}

  /** Validates a spec against a model; issues become userErrors under input.spec. */
  async checkSpec(spec: unknown, modelId: string, field = 'spec'): Promise<Record<string, unknown>> {
    const { conditioning } = await this.models.conditioningOf(modelId);
    const v = validateSpec(spec, conditioning);
    if (!v.ok) {
      throw new ValidationFailed(v.errors.map((e): UserErrorShape => ({ field: [field, ...e.path.map(String)], message: e.message, code: e.code.toUpperCase() })));
    }
    return v.spec as unknown as Record<string, unknown>;
  }

  async get(scope: RequestScope, id: string): Promise<DistributionRow> {
    const d = await this.repo.find(id);
    if (!d) throw notFound('ConditionDistribution', id);
    await scope.access.require('project.read', d.teamId, { type: 'ConditionDistribution', id });
    return d;
  }

  async getVersion(scope: RequestScope, id: string): Promise<VersionRow & { distribution: DistributionRow }> {
    const v = await this.repo.findVersion(id);
    if (!v) throw notFound('DistributionVersion', id);
    await scope.access.require('project.read', v.distribution.teamId, { type: 'DistributionVersion', id });
    return v;
  }

  async create(scope: RequestScope, input: { projectId: string; name: string; description?: string | null; modelId: string; spec: unknown }) {
    const data = validate(createInput, { ...input, description: input.description ?? undefined });
    const project = await this.projects.findProject(data.projectId);
    if (!project) throw notFound('Project', data.projectId);
    await scope.access.require('distribution.write', project.teamId, { type: 'Project', id: data.projectId });
    const spec = await this.checkSpec(data.spec, data.modelId);
    return this.tx.run(async (tx) => {
      if (await this.repo.nameTaken(project.id, data.name, tx)) {
        throw userError(['name'], `name = "${data.name}": a distribution with this name exists in the project; edit it to make a new version`, 'TAKEN');
      }
      const actor = auditActor(scope);
      const d = await this.repo.create(tx, { teamId: project.teamId, projectId: project.id, name: data.name, description: data.description, createdById: actor.actorUserId });
      const v = await this.repo.addVersion(tx, { distributionId: d.id, modelId: data.modelId, spec, specHash: specHash(spec), createdById: actor.actorUserId, sourceFiles: sourcesOf(spec) });
      await this.audit.record(tx, { ...actor, teamId: project.teamId, action: 'distribution.create', targetType: 'ConditionDistribution', targetId: d.id, data: { name: d.name, version: 1, specHash: v.specHash } });
      return { distribution: d, version: v };
    });
  }

  /** A new version; an identical spec validated against the same model returns the latest version unchanged (another model makes a new version: the model is kept with it). */
  async addVersion(scope: RequestScope, input: { distributionId: string; modelId: string; spec: unknown }) {
    const d = await this.repo.find(input.distributionId);
    if (!d) throw notFound('ConditionDistribution', input.distributionId);
    await scope.access.require('distribution.write', d.teamId, { type: 'ConditionDistribution', id: d.id });
    const spec = await this.checkSpec(input.spec, input.modelId);
    const hash = specHash(spec);
    const latest = await this.repo.latestVersion(d.id);
    if (latest?.specHash === hash && latest.modelId === input.modelId) return { distribution: d, version: latest };
    return this.tx.run(async (tx) => {
      const actor = auditActor(scope);
      const v = await this.repo.addVersion(tx, { distributionId: d.id, modelId: input.modelId, spec, specHash: hash, createdById: actor.actorUserId, sourceFiles: sourcesOf(spec) });
      await this.audit.record(tx, { ...actor, teamId: d.teamId, action: 'distribution.version', targetType: 'ConditionDistribution', targetId: d.id, data: { version: v.version, specHash: hash } });
      return { distribution: d, version: v };
    });
  }

  async preview(scope: RequestScope, input: { modelId: string; spec: unknown; n: number; seed: number }) {
    scope.access.requireActor();
    const { n } = validate(z.object({ n: z.number().int('must be a whole number').min(1, 'at least 1').max(PREVIEW_MAX, `at most ${PREVIEW_MAX}`) }), { n: input.n });
    const { conditioning } = await this.models.conditioningOf(input.modelId);
    const spec = await this.checkSpec(input.spec, input.modelId);
    // Sampling runs on a worker thread (bounded pool), stopped by the request's time limit.
    return this.cpu.preview({ spec, n, seed: input.seed, conditioning, maxVectors: PREVIEW_VECTORS_RETURNED }, scope.signal);
  }

  listForProjects(projectIds: readonly string[], k: Keyset<TimeCursor>) {
    return this.repo.listForProjects(projectIds, k);
  }
  latestVersion(distributionId: string) {
    return this.repo.latestVersion(distributionId);
  }
  listVersions(distributionId: string, k: Keyset<number>) {
    return this.repo.listVersions(distributionId, k);
  }
  versionsByIds(ids: readonly string[]) {
    return this.repo.findVersionsByIds(ids);
  }
  cohortsUsing(versionId: string) {
    return this.repo.cohortsUsing(versionId);
  }
}

function sourcesOf(spec: Record<string, unknown>): object {
  const refs = (spec.empirical as { references?: { sha256: string; name: string }[] } | undefined)?.references ?? [];
  return refs.map((r) => ({ sha256: r.sha256, name: r.name }));
}
