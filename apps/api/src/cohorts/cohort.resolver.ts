import type { VolumeStatus } from '@slicewise/lifecycle';
import type { QcSettings as QcSettingsShape } from '@slicewise/models';
import { parseVolumeProvenance, qcOf } from '@slicewise/provenance';
import { QcSettings, QcStatusEnum, qcSettingsNode, VolumeQc } from '../models/qc.types.ts';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { User } from '../auth/auth.types.ts';
import { DistributionVersion } from '../distributions/distribution.types.ts';
import type { Context } from '../graphql/context.ts';
import { cohortNode, volumeNode } from './cohort.nodes.ts';
import { modelNode } from '../models/model.nodes.ts';
import { projectNode } from '../projects/project.nodes.ts';
import { userNode } from '../auth/auth.nodes.ts';
import { versionNode } from '../distributions/distribution.nodes.ts';
import { withUserErrors } from '../graphql/payload.ts';
import { encodeCursor, fromGlobalId, numberCursor, PageArgs, pageOf, timeCursor, toConnection } from '../graphql/relay.ts';
import { Model } from '../models/model.types.ts';
import { Project } from '../projects/project.types.ts';
import {
  Cohort,
  CohortConnection,
  CohortPayload,
  CohortProgress,
  RequestCohortInput,
  ReviewStateEnum,
  Volume,
  VolumeConnection,
  VolumePayload,
  VolumeAttempt,
  VolumeStatusEnum,
  VolumeThumbnail,
} from './cohort.types.ts';

@ArgsType()
class VolumePageArgs extends PageArgs {
  @Field(() => VolumeStatusEnum, { nullable: true }) status?: VolumeStatus | null;
  @Field(() => ReviewStateEnum, { nullable: true }) reviewState?: ReviewStateEnum | null;
}

@Resolver(() => Cohort)
export class CohortResolver {
  @Query(() => Cohort)
  async cohort(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return cohortNode(await ctx.services.cohorts.get(ctx, fromGlobalId(id, 'Cohort').id));
  }

  @Query(() => [Cohort], { description: 'Cohorts of a team waiting for an admin\'s approval, oldest first.' })
  async cohortsAwaitingApproval(@Arg('teamId', () => ID) teamId: string, @Ctx() ctx: Context) {
    return (await ctx.services.cohorts.awaitingApproval(ctx, fromGlobalId(teamId, 'Team').id, 100)).map(cohortNode);
  }

  @Mutation(() => CohortPayload, { description: 'Request a cohort: creates its volumes and queues one job per volume.' })
  requestCohort(@Arg('input', () => RequestCohortInput) input: RequestCohortInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({
      cohort: cohortNode(
        await ctx.services.cohorts.request(ctx, {
          ...input,
          projectId: fromGlobalId(input.projectId, 'Project').id,
          distributionVersionId: fromGlobalId(input.distributionVersionId, 'DistributionVersion').id,
          modelId: fromGlobalId(input.modelId, 'Model').id,
        }),
      ),
    }));
  }

  @Mutation(() => CohortPayload, { description: 'Cancel: queued volumes are dropped, the running one stops at its next denoising step.' })
  cancelCohort(@Arg('cohortId', () => ID) cohortId: string, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({ cohort: cohortNode(await ctx.services.cohorts.cancel(ctx, fromGlobalId(cohortId, 'Cohort').id)) }));
  }

  @Mutation(() => CohortPayload, { description: 'Re-queue the failed volumes of a cohort (or only `volumeId`).' })
  retryFailedVolumes(@Arg('cohortId', () => ID) cohortId: string, @Arg('volumeId', () => ID, { nullable: true }) volumeId: string | null, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({
      cohort: cohortNode(await ctx.services.cohorts.retry(ctx, fromGlobalId(cohortId, 'Cohort').id, volumeId ? fromGlobalId(volumeId, 'Volume').id : undefined)),
    }));
  }

  @Mutation(() => CohortPayload, { description: 'Approve a cohort waiting for approval (queues it). Audited.' })
  approveCohort(@Arg('cohortId', () => ID) cohortId: string, @Arg('comment', () => String, { nullable: true }) comment: string | null, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({ cohort: cohortNode(await ctx.services.cohorts.decide(ctx, fromGlobalId(cohortId, 'Cohort').id, true, comment)) }));
  }

  @Mutation(() => CohortPayload, { description: 'Reject a cohort waiting for approval. Audited.' })
  rejectCohort(@Arg('cohortId', () => ID) cohortId: string, @Arg('comment', () => String, { nullable: true }) comment: string | null, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({ cohort: cohortNode(await ctx.services.cohorts.decide(ctx, fromGlobalId(cohortId, 'Cohort').id, false, comment)) }));
  }

  @FieldResolver(() => QcSettings, { nullable: true, description: 'The quality control this cohort runs (resolved when requested; null for cohorts requested before QC existed).' })
  qcSettings(@Root() c: Cohort & { qcSettings?: QcSettingsShape | null }): QcSettings | null {
    return c.qcSettings ? qcSettingsNode(c.qcSettings) : null;
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description:
      'Requested vs measured conditions over the generated volumes (schema slicewise-adherence/1, @slicewise/datasets Adherence): per feature bias, median and p90 absolute error; tumour volume ratio overall and per size bin; centroid error (% of the field of view); QC pass rate and regenerations; a scatter of requested vs measured (volume, centroid x/y/z).',
  })
  async adherence(@Root() c: Cohort, @Ctx() ctx: Context) {
    return ctx.services.cohorts.adherence(c.rawId);
  }

  @FieldResolver(() => CohortProgress)
  async progress(@Root() c: Cohort, @Ctx() ctx: Context): Promise<CohortProgress> {
    const p = await ctx.loaders.cohortProgress.load(c.rawId);
    const remaining = p.pending + p.running;
    const rate = await ctx.loaders.cohortRate.load({ id: c.rawId, startedAt: c.startedAt, estimatedSeconds: c.estimatedSeconds, size: c.size, remaining });
    return {
      total: p.total,
      done: p.succeeded,
      failed: p.failed,
      running: p.running,
      pending: p.pending,
      cancelled: p.cancelled,
      qcFailed: p.qcFailed,
      volumesPerMinute: Math.round(rate.volumesPerMinute * 100) / 100,
      etaSeconds: rate.etaSeconds,
      etaBasis: rate.basis,
      workers: rate.workers,
    };
  }

  @FieldResolver(() => VolumeConnection)
  async volumes(@Root() c: Cohort, @Args(() => VolumePageArgs) page: VolumePageArgs, @Ctx() ctx: Context) {
    const p = pageOf(page, numberCursor);
    const rows = await ctx.services.cohorts.listVolumes(c.rawId, p.keyset, {
      ...(page.status ? { status: page.status } : {}),
      ...(page.reviewState ? { reviewState: page.reviewState } : {}),
    });
    return toConnection(rows, p, (r) => String(r.subjectIndex), volumeNode);
  }

  @FieldResolver(() => Project, { nullable: true, description: 'The project (and through it the team and your role).' })
  async project(@Root() c: Cohort, @Ctx() ctx: Context) {
    const p = await ctx.loaders.project.load(c.projectId);
    return p ? projectNode(p) : null;
  }

  @FieldResolver(() => Model, { nullable: true })
  async model(@Root() c: Cohort, @Ctx() ctx: Context) {
    const m = await ctx.loaders.model.load(c.modelId);
    return m ? modelNode(m) : null;
  }

  @FieldResolver(() => DistributionVersion, { nullable: true })
  async distributionVersion(@Root() c: Cohort, @Ctx() ctx: Context) {
    const v = await ctx.loaders.distributionVersion.load(c.distributionVersionId);
    return v ? versionNode(v) : null;
  }

  @FieldResolver(() => User, { nullable: true })
  async requestedBy(@Root() c: Cohort, @Ctx() ctx: Context) {
    if (!c.requestedById) return null;
    const u = await ctx.loaders.user.load(c.requestedById);
    return u ? userNode(u) : null;
  }
}

@Resolver(() => Volume)
export class VolumeResolver {
  @Query(() => Volume)
  async volume(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return volumeNode(await ctx.services.cohorts.getVolume(ctx, fromGlobalId(id, 'Volume').id));
  }

  @Mutation(() => VolumePayload, { description: 'Accept or reject a generated volume, with a comment. Audited.' })
  reviewVolume(
    @Arg('volumeId', () => ID) volumeId: string,
    @Arg('state', () => ReviewStateEnum) state: ReviewStateEnum,
    @Arg('comment', () => String, { nullable: true }) comment: string | null,
    @Ctx() ctx: Context,
  ) {
    return withUserErrors(async () => ({ volume: volumeNode(await ctx.services.cohorts.review(ctx, fromGlobalId(volumeId, 'Volume').id, state, comment)) }));
  }

  @FieldResolver(() => VolumeThumbnail, { nullable: true, description: 'Null until the volume is generated (or when its files cannot be read as NIfTI). Made from its files on first request, then kept.' })
  async thumbnail(@Root() v: Volume, @Ctx() ctx: Context): Promise<VolumeThumbnail | null> {
    // A picture is not worth failing a whole grid for: an unreadable file shows as "no preview".
    const t = await ctx.services.thumbnails.ofVolume(v).catch((err: unknown) => {
      ctx.logger.warn({ err: String(err), volumeId: v.rawId }, 'thumbnail could not be made');
      return null;
    });
    if (!t) return null;
    const { pngBase64, ...rest } = t;
    return { ...rest, dataUrl: `data:image/png;base64,${pngBase64}` };
  }

  @FieldResolver(() => Cohort, { nullable: true })
  async cohort(@Root() v: Volume, @Ctx() ctx: Context) {
    const c = await ctx.loaders.cohort.load(v.cohortId);
    return c ? cohortNode(c) : null;
  }

  @FieldResolver(() => VolumeQc, { nullable: true, description: 'Quality control of the volume: every try, what was measured, why it failed (null before generation).' })
  qc(@Root() v: Volume): VolumeQc | null {
    if (!v.provenance) return null;
    const q = qcOf(parseVolumeProvenance(v.provenance));
    const kept = q.tries.find((t) => t.index === q.acceptedTry);
    return { ...q, status: q.status as QcStatusEnum, reasons: kept ? kept.checks.filter((c) => !c.passed).map((c) => c.reason ?? c.name) : [] };
  }

  @FieldResolver(() => [VolumeAttempt], { description: 'Every attempt at generating this volume, oldest first: worker, start, end, outcome, reason.' })
  async attemptHistory(@Root() v: Volume, @Ctx() ctx: Context) {
    return ctx.loaders.volumeAttempts.load(v.rawId);
  }

  @FieldResolver(() => User, { nullable: true })
  async reviewedBy(@Root() v: Volume, @Ctx() ctx: Context) {
    if (!v.reviewedById) return null;
    const u = await ctx.loaders.user.load(v.reviewedById);
    return u ? userNode(u) : null;
  }
}

@Resolver(() => Project)
export class ProjectCohortsResolver {
  @FieldResolver(() => CohortConnection)
  async cohorts(@Root() p: Project, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: Context) {
    const pg = pageOf(page, timeCursor);
    const rows = await ctx.loaders.cohorts(pg.keyset).load(p.rawId);
    return toConnection(rows, pg, encodeCursor, cohortNode);
  }
}
