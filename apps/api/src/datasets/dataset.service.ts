// Dataset versions: immutable, content-addressed sets of generated volumes. The manifest (files with
// sha256 and size, each volume's requested and measured conditions, review, provenance) is built by
// @slicewise/datasets; its sha256 identifies the version, so publishing identical content twice
// yields the same version. Tags are moving aliases; every move is audited.
import { buildManifest, manifestBytes, manifestHash, parseManifest, type Manifest, type ManifestFile } from '@slicewise/datasets';
import { parseVolumeProvenance, ProvenanceError, type VolumeProvenance } from '@slicewise/provenance';
import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import { DomainError, ErrorCode, notFound } from '../common/errors.ts';
import type { Keyset, TimeCursor } from '../common/keyset.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import type { TransactionRunner, Tx } from '../common/transaction.repository.ts';
import { userError, validate } from '../common/validation.ts';
import type { ProjectRepository, ProjectRow } from '../projects/project.repository.ts';
import type { DatasetRepository, DatasetVersionMeta, DatasetVersionRow } from './dataset.repository.ts';
import type { WebhookRepository } from '../webhooks/webhook.repository.ts';

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const datasetName = z.string().regex(NAME, 'must be 1-63 characters: lowercase letters, digits, ".", "_", "-" (starting with a letter or digit)');
const tagName = z
  .string()
  .regex(NAME, 'must be 1-63 characters: lowercase letters, digits, ".", "_", "-"')
  .refine((t) => !/^[0-9a-f]{8,64}$/.test(t), 'must not look like a manifest hash (8+ hex digits)');

const publishInput = z.object({
  projectId: z.string(),
  dataset: datasetName.default('main'),
  cohortIds: z.array(z.string()).min(1, 'choose at least one cohort').max(100, 'at most 100 cohorts'),
  onlyAccepted: z.boolean().default(false),
  volumeIds: z.array(z.string()).max(100_000).optional(),
  tags: z.array(tagName).max(20, 'at most 20 tags').default([]),
  description: z.string().max(2000, 'at most 2000 characters').default(''),
  /** Include volumes that failed quality control: the reason is recorded (audit log, manifest, Croissant RAI fields). */
  qcWaiver: z.string().trim().min(10, 'give the reason for including volumes that failed quality control (at least 10 characters)').max(2000, 'at most 2000 characters').optional(),
});

/** For traceFile: the typed record, or what is wrong with it (an audit shows a broken record, it does not hide it). */
function traceableProvenance(raw: unknown): VolumeProvenance | { invalid: string; record: unknown } | null {
  if (raw === null || raw === undefined) return null;
  try {
    return parseVolumeProvenance(raw);
  } catch (e) {
    if (e instanceof ProvenanceError) return { invalid: e.message, record: raw };
    throw e;
  }
}

/** A volume's stored provenance record, checked against its schema: a dataset only publishes valid records. */
function provenanceOf(v: { id: string; subjectIndex: number; provenance: unknown }): VolumeProvenance {
  try {
    return parseVolumeProvenance(v.provenance);
  } catch (e) {
    if (!(e instanceof ProvenanceError)) throw e;
    throw userError(['cohortIds'], `volume ${v.id} (subject ${v.subjectIndex}) has no valid provenance record, so it cannot be published: ${e.message}`, 'INVALID_PROVENANCE');
  }
}

/** Parsed manifests kept in memory: at most this many versions, and about this much manifest text. */
const MANIFEST_CACHE_MAX = 16;
const MANIFEST_CACHE_MAX_CHARS = 64 * 1024 * 1024;

export interface ManifestIndex {
  hash: string;
  meta: DatasetVersionMeta;
  /** The canonical manifest bytes as stored (sha256 = hash). */
  text: string;
  manifest: Manifest;
  byPath: ReadonlyMap<string, ManifestFile>;
}

export class DatasetService {
  private readonly manifests = new Map<string, ManifestIndex>();
  private manifestChars = 0;

  constructor(
    private readonly repo: DatasetRepository,
    private readonly projects: ProjectRepository,
    private readonly webhooks: WebhookRepository,
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
  ) {}

  private async project(scope: RequestScope, projectId: string, action: 'project.read' | 'dataset.publish' | 'dataset.tag' | 'lineage.write'): Promise<ProjectRow> {
    const p = await this.projects.findProject(projectId);
    if (!p) throw notFound('Project', projectId);
    await scope.access.require(action, p.teamId, { type: 'Project', id: projectId });
    return p;
  }

  /** Builds the manifest of a selection (no writes). */
  async manifestFor(
    projectId: string,
    cohortIds: string[],
    filter: { onlyAccepted: boolean; volumeIds?: string[] | undefined; qcWaiver?: { reason: string; byUserId: string | null; byTokenId: string | null } | undefined },
  ): Promise<{ manifest: Manifest; volumeIds: string[]; qcFailedIncluded: number; qcFailedLeftOut: number }> {
    const cohorts = await this.repo.cohortsForManifest(projectId, cohortIds);
    const missing = cohortIds.findIndex((id) => !cohorts.some((c) => c.id === id));
    if (missing >= 0) throw userError(['cohortIds', String(missing)], `cohortIds[${missing}]: no cohort with this id in the project`, 'NOT_FOUND');
    const open = cohorts.find((c) => c.status !== 'COMPLETED');
    if (open) throw userError(['cohortIds'], `cohort "${open.name}" is ${open.status}; only completed cohorts can be published`, 'NOT_COMPLETED');
    // QC_FAILED volumes are left out unless a waiver says why they belong in the dataset
    const generated = await this.repo.volumesForManifest(cohortIds, filter);
    const qcFailed = generated.filter((v) => v.status === 'QC_FAILED').length;
    const volumes = filter.qcWaiver ? generated : generated.filter((v) => v.status !== 'QC_FAILED');
    if (filter.qcWaiver && qcFailed === 0) {
      throw userError(['qcWaiver'], 'no selected volume failed quality control: there is nothing to waive (leave qcWaiver empty)', 'NOTHING_TO_WAIVE');
    }
    if (volumes.length === 0) {
      if (qcFailed > 0) {
        throw userError(['cohortIds'], `all ${qcFailed} generated volume(s) failed quality control; publish them only with a QC waiver (qcWaiver: why they belong in the dataset)`, 'QC_FAILED_ONLY');
      }
      throw userError(['cohortIds'], filter.onlyAccepted ? 'no volume of these cohorts was accepted in review' : 'these cohorts have no generated volume', 'EMPTY');
    }
    const userIds = [...cohorts.map((c) => c.requestedById), ...volumes.map((v) => v.reviewedById), filter.qcWaiver?.byUserId ?? null];
    const users = new Map((await this.repo.usersByIds([...new Set(userIds.filter((x): x is string => !!x))])).map((u) => [u.id, u]));
    const who = (id: string | null) => (id ? { id, email: users.get(id)?.email ?? null, name: users.get(id)?.name ?? null } : null);
    const manifest = buildManifest({
      projectId,
      cohorts: cohorts.map((c) => ({
        id: c.id,
        name: c.name,
        seed: c.seed,
        samplerSettings: c.samplerSettings,
        model: { id: c.model.id, name: c.model.name, version: c.model.version, fileHashes: c.model.fileHashes },
        distributionVersion: { id: c.distributionVersion.id, version: c.distributionVersion.version, specHash: c.distributionVersion.specHash, spec: c.distributionVersion.spec, distributionId: c.distributionVersion.distributionId },
        requestedBy: who(c.requestedById),
        createdAt: c.createdAt,
      })),
      volumes: volumes.map((v) => ({ ...v, provenance: provenanceOf(v), reviewedBy: who(v.reviewedById) })),
      // who waived: the user, or the API token that published (its id: tokens have no name in a manifest)
      qcWaiver: filter.qcWaiver ? { reason: filter.qcWaiver.reason, by: who(filter.qcWaiver.byUserId) ?? { id: `token:${filter.qcWaiver.byTokenId}`, email: null, name: null } } : null,
    });
    return { manifest, volumeIds: volumes.map((v) => v.id), qcFailedIncluded: filter.qcWaiver ? qcFailed : 0, qcFailedLeftOut: filter.qcWaiver ? 0 : qcFailed };
  }

  async publish(scope: RequestScope, input: z.input<typeof publishInput>): Promise<{ version: DatasetVersionRow; created: boolean; qcFailedLeftOut: number }> {
    const data = validate(publishInput, input);
    const project = await this.project(scope, data.projectId, 'dataset.publish');
    const actorIds = auditActor(scope);
    const waiver = data.qcWaiver ? { reason: data.qcWaiver, byUserId: actorIds.actorUserId, byTokenId: actorIds.actorTokenId } : undefined;
    const { manifest, volumeIds, qcFailedIncluded, qcFailedLeftOut } = await this.manifestFor(project.id, data.cohortIds, { onlyAccepted: data.onlyAccepted, volumeIds: data.volumeIds, qcWaiver: waiver });
    const hash = manifestHash(manifest);
    return this.tx.run(async (tx) => {
      const actor = auditActor(scope);
      let version = await this.repo.findByHash(project.id, data.dataset, hash, tx);
      const created = !version;
      if (!version) {
        version = await this.repo.create(
          tx,
          { projectId: project.id, dataset: data.dataset, manifestHash: hash, manifest, manifestText: manifestBytes(manifest).toString('utf8'), volumeCount: volumeIds.length, description: data.description, createdById: actor.actorUserId },
          volumeIds,
        );
        await this.audit.record(tx, {
          ...actor,
          teamId: project.teamId,
          action: 'dataset.publish',
          targetType: 'DatasetVersion',
          targetId: version.id,
          data: { dataset: data.dataset, manifestHash: hash, volumes: volumeIds.length, cohorts: data.cohortIds, onlyAccepted: data.onlyAccepted, qcFailedLeftOut },
        });
        if (waiver) {
          await this.audit.record(tx, {
            ...actor,
            teamId: project.teamId,
            action: 'dataset.qc_waiver',
            targetType: 'DatasetVersion',
            targetId: version.id,
            data: { dataset: data.dataset, manifestHash: hash, qcFailedVolumes: qcFailedIncluded, reason: waiver.reason },
          });
        }
        await this.webhooks.enqueue(tx, project.teamId, 'dataset.published', {
          event: 'dataset.published',
          datasetVersionId: version.id,
          projectId: project.id,
          dataset: data.dataset,
          manifestHash: hash,
          volumeCount: volumeIds.length,
          tags: data.tags,
        });
      }
      for (const t of data.tags) await this.moveTagIn(tx, scope, project, data.dataset, t, version);
      return { version, created, qcFailedLeftOut };
    });
  }

  private async moveTagIn(tx: Tx, scope: RequestScope, project: ProjectRow, dataset: string, name: string, version: DatasetVersionRow) {
    const before = await this.repo.findTag(project.id, dataset, name, tx);
    if (before?.datasetVersionId === version.id) return;
    await this.repo.setTag(tx, { projectId: project.id, dataset, name, datasetVersionId: version.id });
    await this.audit.record(tx, {
      ...auditActor(scope),
      teamId: project.teamId,
      action: 'dataset.tag',
      targetType: 'DatasetVersion',
      targetId: version.id,
      data: { dataset, tag: name, from: before?.datasetVersionId ?? null, to: version.id },
    });
  }

  async moveTag(scope: RequestScope, input: { datasetVersionId: string; name: string }): Promise<DatasetVersionRow> {
    const name = validate(z.object({ name: tagName }), { name: input.name }).name;
    const version = await this.repo.find(input.datasetVersionId);
    if (!version) throw notFound('DatasetVersion', input.datasetVersionId);
    const project = await this.project(scope, version.projectId, 'dataset.tag');
    await this.tx.run((tx) => this.moveTagIn(tx, scope, project, version.dataset, name, version));
    return version;
  }

  async get(scope: RequestScope, id: string): Promise<DatasetVersionRow> {
    const v = await this.repo.find(id);
    if (!v) throw notFound('DatasetVersion', id);
    await this.project(scope, v.projectId, 'project.read');
    return v;
  }

  /** A version without its manifest columns, for downloads (the manifest comes from manifestIndex). */
  async getMeta(scope: RequestScope, id: string): Promise<DatasetVersionMeta> {
    const v = await this.repo.findMeta(id);
    if (!v) throw notFound('DatasetVersion', id);
    await this.project(scope, v.projectId, 'project.read');
    return v;
  }

  async getTrainingRun(scope: RequestScope, id: string) {
    const run = await this.repo.findTrainingRun(id);
    if (!run) throw notFound('TrainingRun', id);
    await this.project(scope, run.projectId, 'project.read');
    return run;
  }

  /** The exact manifest of a version (from its stored bytes, never from the JSON column). */
  manifestOf(v: DatasetVersionRow): Manifest {
    return this.cached(v, v.manifestText).manifest;
  }

  /**
   * A version's manifest, its canonical text and its files by path. Versions are immutable, so this is
   * cached by id and hash: a pipeline pulling a version file by file would otherwise load and parse the
   * whole manifest once per file. Callers must not mutate what it returns.
   */
  async manifestIndex(v: DatasetVersionMeta): Promise<ManifestIndex> {
    const hit = this.manifests.get(v.id);
    if (hit && hit.hash === v.manifestHash) return this.cached(v, hit.text);
    const text = await this.repo.manifestTextOf(v.id);
    if (text === null) throw notFound('DatasetVersion', v.id);
    return this.cached(v, text);
  }

  private cached(v: DatasetVersionMeta, text: string): ManifestIndex {
    const hit = this.manifests.get(v.id);
    if (hit && hit.hash === v.manifestHash) {
      // a Map iterates in insertion order: re-inserting marks the entry most recently used
      this.manifests.delete(v.id);
      this.manifests.set(v.id, hit);
      return hit;
    }
    if (hit) this.forget(v.id, hit);
    const manifest = parseManifest(JSON.parse(text));
    const meta: DatasetVersionMeta = { id: v.id, projectId: v.projectId, dataset: v.dataset, manifestHash: v.manifestHash, volumeCount: v.volumeCount, description: v.description, createdById: v.createdById, createdAt: v.createdAt };
    const entry: ManifestIndex = { hash: v.manifestHash, meta, text, manifest, byPath: new Map(manifest.files.map((f) => [f.path, f])) };
    this.manifests.set(v.id, entry);
    this.manifestChars += text.length;
    for (const [id, e] of this.manifests) {
      if (this.manifests.size <= 1 || (this.manifests.size <= MANIFEST_CACHE_MAX && this.manifestChars <= MANIFEST_CACHE_MAX_CHARS)) break;
      this.forget(id, e);
    }
    return entry;
  }

  private forget(id: string, e: ManifestIndex): void {
    this.manifests.delete(id);
    this.manifestChars -= e.text.length;
  }

  /** For signed links (the signature is the permission). Versions are immutable: a cached one is current. */
  async getMetaUnchecked(id: string): Promise<DatasetVersionMeta | null> {
    return this.manifests.get(id)?.meta ?? this.repo.findMeta(id);
  }

  /** A short-lived link to the export archive that needs no credentials. */
  async exportLink(scope: RequestScope, id: string, ttlSeconds: number, sign: (id: string, expires: number) => string) {
    const { ttl } = validate(z.object({ ttl: z.number().int('whole seconds').min(10, 'at least 10 s').max(86_400, 'at most 86400 s (a day)') }), { ttl: ttlSeconds });
    const v = await this.repo.find(id);
    if (!v) throw notFound('DatasetVersion', id);
    const project = await this.project(scope, v.projectId, 'project.read');
    const expires = Math.floor(Date.now() / 1000) + ttl;
    // A link is a credential anyone holding it can use: who made one, for what and until when is audited.
    await this.tx.run((tx) =>
      this.audit.record(tx, { ...auditActor(scope), teamId: project.teamId, action: 'dataset.exportLink', targetType: 'DatasetVersion', targetId: v.id, data: { ttlSeconds: ttl, expiresAt: new Date(expires * 1000).toISOString() } }),
    );
    return { versionId: v.id, expires, signature: sign(v.id, expires) };
  }

  /** `ref` = a tag name or a manifest hash (or an unambiguous prefix of at least 8 hex digits). */
  async resolve(scope: RequestScope, projectId: string, dataset: string, ref: string): Promise<DatasetVersionRow> {
    const meta = await this.resolveMeta(scope, projectId, dataset, ref);
    const v = await this.repo.find(meta.id);
    if (!v) throw notFound('DatasetVersion', meta.id);
    return v;
  }

  /** `<dataset>@<tag-or-hash>` in a project, without the manifest columns (downloads: see manifestIndex). */
  async resolveMeta(scope: RequestScope, projectId: string, dataset: string, ref: string): Promise<DatasetVersionMeta> {
    await this.project(scope, projectId, 'project.read');
    const tag = await this.repo.findTag(projectId, dataset, ref);
    if (tag) return (await this.repo.findMeta(tag.datasetVersionId))!;
    if (/^[0-9a-f]{8,64}$/.test(ref)) {
      const hits = await this.repo.findMetaByHashPrefix(projectId, dataset, ref);
      if (hits.length === 1) return hits[0]!;
      if (hits.length > 1) throw new DomainError(ErrorCode.BAD_INPUT, `hash prefix ${ref} is ambiguous in ${dataset}; give more digits`, { field: 'ref' });
    }
    throw new DomainError(ErrorCode.NOT_FOUND, `dataset ${dataset}@${ref} was not found (no such tag or manifest hash)`, { field: 'ref' });
  }

  /** A project by slug among the caller's teams (for `<project>/<dataset>@<ref>` paths). */
  async projectBySlug(scope: RequestScope, slug: string): Promise<ProjectRow> {
    const actor = scope.access.requireActor();
    const teamIds = actor.kind === 'token' ? [actor.teamId] : await scope.access.teamIds();
    const hits = await this.repo.findProjectBySlug(teamIds, slug);
    if (hits.length === 0) throw new DomainError(ErrorCode.NOT_FOUND, `project "${slug}" was not found`, { field: 'project' });
    if (hits.length > 1) throw new DomainError(ErrorCode.BAD_INPUT, `project slug "${slug}" exists in several of your teams; use the project id`, { field: 'project' });
    return hits[0]!;
  }

  listForProject(projectId: string, k: Keyset<TimeCursor>, dataset?: string) {
    return this.repo.listForProject(projectId, k, dataset);
  }
  tagsOfDataset(projectId: string, dataset: string) {
    return this.repo.tagsOfDataset(projectId, dataset);
  }
  tagsOf(versionIds: readonly string[]) {
    return this.repo.tagsOf(versionIds);
  }

  async registerTrainingRun(scope: RequestScope, input: { projectId: string; name: string; url?: string | null; metadata?: Record<string, unknown> | null; datasetVersionIds: string[] }) {
    const data = validate(
      z.object({
        name: z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters'),
        url: z.string().url('must be a URL').max(2000).nullish(),
        datasetVersionIds: z.array(z.string()).min(1, 'name at least one dataset version').max(100),
      }),
      input,
    );
    const project = await this.project(scope, input.projectId, 'lineage.write');
    const versions = await this.repo.findMany(data.datasetVersionIds);
    const bad = data.datasetVersionIds.findIndex((id) => !versions.some((v) => v.id === id && v.projectId === project.id));
    if (bad >= 0) throw userError(['datasetVersionIds', String(bad)], `datasetVersionIds[${bad}]: no dataset version with this id in the project`, 'NOT_FOUND');
    return this.tx.run(async (tx) => {
      const run = await this.repo.createTrainingRun(tx, { projectId: project.id, name: data.name, url: data.url ?? null, metadata: input.metadata ?? {} }, data.datasetVersionIds);
      await this.audit.record(tx, { ...auditActor(scope), teamId: project.teamId, action: 'lineage.register', targetType: 'TrainingRun', targetId: run.id, data: { name: data.name, datasetVersionIds: data.datasetVersionIds } });
      return run;
    });
  }

  trainingRunsUsing(versionId: string) {
    return this.repo.trainingRunsUsing(versionId);
  }

  /**
   * The whole chain behind a file: dataset versions -> cohort -> request (who, when) -> distribution
   * version -> condition vector -> seed -> model hashes -> worker, EP, timings. Only volumes of the
   * caller's teams are reported.
   */
  async traceFile(scope: RequestScope, sha256: string) {
    scope.access.requireActor();
    const sha = validate(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits') }), { sha256 }).sha256;
    const volumes = await this.repo.volumesWithFile(sha);
    const visible = [];
    for (const v of volumes) {
      const role = scope.access.actor?.kind === 'token' ? (scope.access.actor.teamId === v.cohort.teamId ? 'token' : null) : await scope.access.roleIn(v.cohort.teamId);
      if (role) visible.push(v);
    }
    if (visible.length === 0) throw new DomainError(ErrorCode.NOT_FOUND, `no file with sha256 ${sha} in your teams' data`, { field: 'sha256' });
    const memberships = await this.repo.versionsWithFile(sha);
    const users = new Map((await this.repo.usersByIds(visible.map((v) => v.cohort.requestedById).filter((x): x is string => !!x))).map((u) => [u.id, u]));
    return visible.map((v) => ({
      file: { sha256: sha, kind: v.imageSha256 === sha ? 'image' : 'mask', volumeId: v.id, subjectIndex: v.subjectIndex },
      datasetVersions: memberships.filter((m) => m.volumeId === v.id).map((m) => ({ id: m.datasetVersion.id, dataset: m.datasetVersion.dataset, manifestHash: m.datasetVersion.manifestHash })),
      cohort: { id: v.cohort.id, name: v.cohort.name, seed: v.cohort.seed.toString(), samplerSettings: v.cohort.samplerSettings, isPreview: v.cohort.isPreview },
      request: { by: v.cohort.requestedById ? { id: v.cohort.requestedById, email: users.get(v.cohort.requestedById)?.email ?? null } : null, byTokenId: v.cohort.requestedByTokenId, at: v.cohort.createdAt.toISOString() },
      distributionVersion: { id: v.cohort.distributionVersion.id, distribution: v.cohort.distributionVersion.distribution.name, version: v.cohort.distributionVersion.version, specHash: v.cohort.distributionVersion.specHash },
      condition: { requested: v.requestedCondition, measured: v.measuredCondition },
      seed: v.seed.toString(),
      model: { name: v.cohort.model.name, version: v.cohort.model.version, fileHashes: v.cohort.model.fileHashes },
      generation: traceableProvenance(v.provenance),
    }));
  }
}
