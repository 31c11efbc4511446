// Cohorts: a request for N synthetic subjects (distribution version + model + seed + sampler
// settings). Requesting creates the cohort, its volumes and one queue job per volume in ONE
// transaction; above the team's approval threshold the cohort waits for an admin instead.
import { randomInt } from 'node:crypto';
import { cancelCohortJobs, enqueueVolumeJobs, retryVolumeJob, type QueuePolicy } from '@slicewise/queue';
import { computeAdherence, type Adherence } from '@slicewise/datasets';
import { isFinalCohort, isRetryableCohort } from '@slicewise/lifecycle';
import {
  QcSettingsError,
  resolveQcSettings,
  resolveSamplerSettings,
  SamplerSettingsError,
  type ModelMetadata,
  type QcOverrides,
  type QcSettings,
  type SamplerOverrides,
  type SamplerSettings,
} from '@slicewise/models';
import { z } from 'zod';
import type { AuditRepository } from '../audit/audit.repository.ts';
import type { Keyset, TimeCursor } from '../common/keyset.ts';
import { notFound, ValidationFailed } from '../common/errors.ts';
import { auditActor, type RequestScope } from '../common/request-scope.ts';
import type { TransactionRunner, Tx } from '../common/transaction.repository.ts';
import { userError, validate } from '../common/validation.ts';
import type { DistributionService } from '../distributions/distribution.service.ts';
import type { ModelService } from '../models/model.service.ts';
import type { ProjectRepository } from '../projects/project.repository.ts';
import type { TeamRepository } from '../teams/team.repository.ts';
import type { CohortRepository, CohortRow, VolumeRow } from './cohort.repository.ts';
import type { EstimateService } from './estimate.service.ts';

export interface CohortLimits {
  /** Most subjects in one cohort. */
  maxCohortSize: number;
  /** Most subjects in a preview cohort (served ahead of bulk work). */
  maxPreviewSize: number;
  /** Most volumes one team may have queued or running at once. */
  maxOpenVolumesPerTeam: number;
  queuePolicy?: Partial<QueuePolicy>;
}

const SEED_MAX = 2 ** 31 - 1;

export class CohortService {
  constructor(
    private readonly repo: CohortRepository,
    private readonly projects: ProjectRepository,
    private readonly teams: TeamRepository,
    private readonly distributions: DistributionService,
    private readonly models: ModelService,
    private readonly audit: AuditRepository,
    private readonly tx: TransactionRunner,
    readonly limits: CohortLimits,
    private readonly estimates: EstimateService,
  ) {}

  private requestSchema(preview: boolean) {
    const max = preview ? this.limits.maxPreviewSize : this.limits.maxCohortSize;
    return z.object({
      projectId: z.string(),
      distributionVersionId: z.string(),
      modelId: z.string(),
      name: z.string().trim().max(100, 'at most 100 characters').optional(),
      size: z
        .number()
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .max(max, preview ? `a preview cohort has at most ${max} subjects` : `at most ${max} subjects per cohort (the documented quota)`),
      seed: z.number().int('must be a whole number').min(0, 'must be >= 0').max(SEED_MAX, `must be <= ${SEED_MAX}`).optional(),
      preview: z.boolean(),
    });
  }

  async estimate(scope: RequestScope, modelId: string, size: number, sampler: SamplerOverrides | null) {
    scope.access.requireActor();
    const settings = await this.resolveSettings(modelId, sampler);
    return this.estimates.estimate(modelId, size, settings);
  }

  /** The complete QC settings of a request (the model's declared QC + overrides); userErrors name `qc.<field>`. */
  private resolveQc(meta: ModelMetadata, overrides: QcOverrides | null | undefined): QcSettings {
    try {
      return resolveQcSettings(meta, overrides ?? {});
    } catch (e) {
      if (!(e instanceof QcSettingsError)) throw e;
      throw new ValidationFailed(e.issues.map((i) => ({ field: ['qc', ...i.field.split('.')], message: `qc.${i.field} = ${JSON.stringify(i.value)}: ${i.message}`, code: 'INVALID' })));
    }
  }

  /** The complete sampler settings of a request (the model's defaults + overrides); userErrors name `sampler.<field>`. */
  private async resolveSettings(modelId: string, overrides: SamplerOverrides | null | undefined): Promise<SamplerSettings> {
    const { row } = await this.models.get(modelId);
    try {
      return resolveSamplerSettings(row.metadata, overrides ?? {});
    } catch (e) {
      if (!(e instanceof SamplerSettingsError)) throw e;
      throw new ValidationFailed(e.issues.map((i) => ({ field: ['sampler', i.field], message: `sampler.${i.field} = ${JSON.stringify(i.value)}: ${i.message}`, code: 'INVALID' })));
    }
  }

  async request(
    scope: RequestScope,
    input: {
      projectId: string;
      distributionVersionId: string;
      modelId: string;
      size: number;
      name?: string | null;
      seed?: number | null;
      sampler?: SamplerOverrides | null;
      qc?: QcOverrides | null;
      preview?: boolean | null;
    },
  ): Promise<CohortRow> {
    const { sampler, qc, ...rest } = input;
    const clean = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null && v !== undefined));
    const data = validate(this.requestSchema(input.preview ?? false), { preview: false, ...clean });
    const project = await this.projects.findProject(data.projectId);
    if (!project) throw notFound('Project', data.projectId);
    await scope.access.require('cohort.request', project.teamId, { type: 'Project', id: project.id });
    const dv = await this.distributions.getVersion(scope, data.distributionVersionId);
    if (dv.distribution.projectId !== project.id) throw userError(['distributionVersionId'], 'distributionVersionId: this distribution belongs to another project', 'WRONG_PROJECT');
    const model = await this.models.get(data.modelId);
    // The version was valid for the model it was written against; check it against this one too.
    await this.distributions.checkSpec(dv.spec, data.modelId, 'distributionVersionId');
    // Resolved and validated in full now, stored complete: the worker runs exactly what the cohort shows.
    const samplerSettings = await this.resolveSettings(model.row.id, sampler);
    const qcSettings = this.resolveQc(model.row.metadata, qc);
    const seed = data.seed ?? randomInt(0, SEED_MAX);
    const team = await this.teams.findTeam(project.teamId);
    const needsApproval = !data.preview && team?.approvalThreshold != null && data.size > team.approvalThreshold;
    const est = await this.estimates.estimate(data.modelId, data.size, samplerSettings);
    return this.tx.run(async (tx) => {
      await this.checkQuota(tx, project.teamId, data.size);
      const actor = auditActor(scope);
      const cohort = await this.repo.create(tx, {
        teamId: project.teamId,
        projectId: project.id,
        distributionVersionId: dv.id,
        modelId: model.row.id,
        requestedById: actor.actorUserId,
        requestedByTokenId: actor.actorTokenId,
        name: data.name || `${data.preview ? 'Preview' : 'Cohort'} of ${data.size} (${dv.distribution.name} v${dv.version})`,
        size: data.size,
        seed: BigInt(seed),
        samplerSettings,
        qcSettings,
        isPreview: data.preview,
        status: needsApproval ? 'AWAITING_APPROVAL' : 'QUEUED',
        priority: 0,
        estimatedSeconds: est.seconds,
      });
      const volumes = await this.repo.createVolumes(tx, cohort.id, data.size, BigInt(seed));
      if (!needsApproval) await this.enqueue(tx, cohort, volumes);
      await this.audit.record(tx, {
        ...actor,
        teamId: project.teamId,
        action: 'cohort.request',
        targetType: 'Cohort',
        targetId: cohort.id,
        data: { size: data.size, seed, preview: data.preview, model: `${model.row.name}@${model.row.version}`, distributionVersionId: dv.id, awaitingApproval: needsApproval },
      });
      return cohort;
    });
  }

  /** The open-volumes quota, counted under the team's lock inside the request's transaction. */
  private async checkQuota(tx: Tx, teamId: string, size: number) {
    const open = await this.repo.openVolumesOfTeam(teamId, tx);
    if (open + size > this.limits.maxOpenVolumesPerTeam) {
      throw userError(['size'], `size = ${size}: the team already has ${open} volumes queued or running; at most ${this.limits.maxOpenVolumesPerTeam} at once`, 'QUOTA');
    }
  }

  private async enqueue(tx: Tx, cohort: CohortRow, volumes: { id: string; subjectIndex: number }[]) {
    await enqueueVolumeJobs(
      this.repo.queueSql(tx),
      volumes.map((v) => ({ volumeId: v.id, cohortId: cohort.id, teamId: cohort.teamId, subjectIndex: v.subjectIndex })),
      { preview: cohort.isPreview, priority: cohort.priority, ...(this.limits.queuePolicy ? { policy: this.limits.queuePolicy } : {}) },
    );
  }

  async get(scope: RequestScope, id: string): Promise<CohortRow> {
    const c = await this.repo.find(id);
    if (!c) throw notFound('Cohort', id);
    await scope.access.require('project.read', c.teamId, { type: 'Cohort', id });
    return c;
  }

  async cancel(scope: RequestScope, id: string): Promise<CohortRow> {
    const c = await this.get(scope, id);
    await scope.access.require('cohort.cancel', c.teamId, { type: 'Cohort', id });
    return this.tx.run(async (tx) => {
      const locked = (await this.repo.lockForUpdate(tx, id))!;
      if (isFinalCohort(locked.status)) throw userError(['cohortId'], `cohort is already ${locked.status}; nothing to cancel`, 'ALREADY_FINAL');
      const updated = await this.repo.update(tx, id, { status: 'CANCELLED', cancelledAt: new Date(), finishedAt: new Date() });
      const volumes = await this.repo.cancelOpenVolumes(tx, id);
      const jobs = await cancelCohortJobs(this.repo.queueSql(tx), id, { teamId: c.teamId });
      await this.audit.record(tx, { ...auditActor(scope), teamId: c.teamId, action: 'cohort.cancel', targetType: 'Cohort', targetId: id, data: { volumesCancelled: volumes, jobsCancelled: jobs } });
      return updated;
    });
  }

  /** Re-queues failed volumes (all of the cohort's, or one). */
  async retry(scope: RequestScope, cohortId: string, volumeId?: string): Promise<CohortRow> {
    const c = await this.get(scope, cohortId);
    await scope.access.require('cohort.retry', c.teamId, { type: 'Cohort', id: cohortId });
    return this.tx.run(async (tx) => {
      const locked = (await this.repo.lockForUpdate(tx, cohortId))!;
      if (!isRetryableCohort(locked.status)) {
        throw userError(['cohortId'], `cohort is ${locked.status}; only failed volumes of an approved, not cancelled cohort can be retried`, 'NOT_RETRYABLE');
      }
      const failed = (await this.repo.volumes(cohortId, { status: 'FAILED' }, tx)).filter((v) => !volumeId || v.id === volumeId);
      if (failed.length === 0) throw userError(volumeId ? ['volumeId'] : ['cohortId'], volumeId ? 'this volume has not failed' : 'the cohort has no failed volumes', 'NOTHING_TO_RETRY');
      const sql = this.repo.queueSql(tx);
      for (const v of failed) {
        await this.repo.resetVolume(tx, v.id);
        await retryVolumeJob(sql, { volumeId: v.id, cohortId, teamId: c.teamId, subjectIndex: v.subjectIndex }, { preview: c.isPreview, ...(this.limits.queuePolicy ? { policy: this.limits.queuePolicy } : {}) });
      }
      const updated = isFinalCohort(locked.status) ? await this.repo.update(tx, cohortId, { status: 'QUEUED', finishedAt: null }) : locked;
      await this.audit.record(tx, { ...auditActor(scope), teamId: c.teamId, action: 'cohort.retry', targetType: 'Cohort', targetId: cohortId, data: { volumes: failed.map((v) => v.subjectIndex) } });
      return updated;
    });
  }

  async decide(scope: RequestScope, id: string, approve: boolean, comment: string | null): Promise<CohortRow> {
    const c = await this.get(scope, id);
    await scope.access.require('cohort.approve', c.teamId, { type: 'Cohort', id });
    const note = validate(z.object({ comment: z.string().max(2000, 'at most 2000 characters').nullish() }), { comment }).comment ?? null;
    return this.tx.run(async (tx) => {
      const locked = (await this.repo.lockForUpdate(tx, id))!;
      if (locked.status !== 'AWAITING_APPROVAL') throw userError(['cohortId'], `cohort is ${locked.status}, not waiting for approval`, 'NOT_AWAITING_APPROVAL');
      const actor = auditActor(scope);
      const updated = await this.repo.update(tx, id, {
        status: approve ? 'QUEUED' : 'REJECTED',
        decidedById: actor.actorUserId,
        decidedAt: new Date(),
        decisionComment: note,
        ...(approve ? {} : { finishedAt: new Date() }),
      });
      if (approve) await this.enqueue(tx, updated, await this.repo.volumes(id, { status: 'PENDING' }, tx));
      else await this.repo.cancelOpenVolumes(tx, id);
      await this.audit.record(tx, { ...actor, teamId: c.teamId, action: approve ? 'cohort.approve' : 'cohort.reject', targetType: 'Cohort', targetId: id, data: { comment: note } });
      return updated;
    });
  }

  async getVolume(scope: RequestScope, id: string): Promise<VolumeRow & { cohort: CohortRow }> {
    const v = await this.repo.findVolume(id);
    if (!v) throw notFound('Volume', id);
    await scope.access.require('project.read', v.cohort.teamId, { type: 'Volume', id });
    return v;
  }

  async review(scope: RequestScope, volumeId: string, state: 'ACCEPTED' | 'REJECTED' | 'UNREVIEWED', comment: string | null): Promise<VolumeRow> {
    const v = await this.getVolume(scope, volumeId);
    await scope.access.require('volume.review', v.cohort.teamId, { type: 'Volume', id: volumeId });
    const note = validate(z.object({ comment: z.string().max(2000, 'at most 2000 characters').nullish() }), { comment }).comment ?? null;
    if (v.status !== 'SUCCEEDED') throw userError(['volumeId'], `volume is ${v.status}; only generated volumes can be reviewed`, 'NOT_GENERATED');
    return this.tx.run(async (tx) => {
      const actor = auditActor(scope);
      const updated = await this.repo.review(tx, volumeId, { reviewState: state, reviewedById: actor.actorUserId, reviewComment: note });
      await this.audit.record(tx, { ...actor, teamId: v.cohort.teamId, action: 'volume.review', targetType: 'Volume', targetId: volumeId, data: { state, comment: note, from: v.reviewState } });
      return updated;
    });
  }

  async awaitingApproval(scope: RequestScope, teamId: string, take: number) {
    await scope.access.require('project.read', teamId, { type: 'Team', id: teamId });
    return this.repo.listAwaitingApproval(teamId, take);
  }

  listForProjects(projectIds: readonly string[], k: Keyset<TimeCursor>) {
    return this.repo.listForProjects(projectIds, k);
  }
  listVolumes(cohortId: string, k: Keyset<number>, filter: Parameters<CohortRepository['listVolumes']>[2]) {
    return this.repo.listVolumes(cohortId, k, filter);
  }
  cohortsByIds(ids: readonly string[]) {
    return this.repo.findByIds(ids);
  }
  progressOf(ids: readonly string[]) {
    return this.repo.progressOf(ids);
  }
  /** Requested vs measured over the cohort's generated volumes (QC-failed ones included), by @slicewise/datasets computeAdherence. */
  async adherence(cohortId: string): Promise<Adherence> {
    return computeAdherence(await this.repo.adherenceInputs(cohortId));
  }
  attemptsOf(volumeIds: readonly string[]) {
    return this.repo.attemptsOf(volumeIds);
  }
  ratesOf(cohorts: Parameters<EstimateService['ratesOf']>[0]) {
    return this.estimates.ratesOf(cohorts);
  }
}
