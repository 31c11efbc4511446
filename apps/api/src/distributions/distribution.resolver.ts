import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { User } from '../auth/auth.types.ts';
import type { Context } from '../graphql/context.ts';
import { distributionNode, versionNode } from './distribution.nodes.ts';
import { userNode } from '../auth/auth.nodes.ts';
import { modelNode } from '../models/model.nodes.ts';
import { Model } from '../models/model.types.ts';
import { withUserErrors } from '../graphql/payload.ts';
import { encodeCursor, fromGlobalId, numberCursor, PageArgs, pageOf, timeCursor, toConnection, toGlobalId } from '../graphql/relay.ts';
import { Project } from '../projects/project.types.ts';
import { ValidationFailed } from '../common/errors.ts';
import {
  AddDistributionVersionInput,
  CreateEmpiricalDistributionInput,
  ReferenceFile,
  ConditionDistribution,
  ConditionDistributionConnection,
  CreateDistributionInput,
  DistributionPayload,
  DistributionPreview,
  DistributionVersion,
  DistributionVersionConnection,
} from './distribution.types.ts';

@Resolver(() => ConditionDistribution)
export class DistributionResolver {
  @Query(() => ConditionDistribution)
  async distribution(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return distributionNode(await ctx.services.distributions.get(ctx, fromGlobalId(id, 'ConditionDistribution').id));
  }

  @Query(() => DistributionPreview, { description: 'Sample a spec without saving it: vectors, histograms, rejections (cheap: call as you type).' })
  async previewDistribution(
    @Arg('modelId', () => ID) modelId: string,
    @Arg('spec', () => GraphQLJSONObject) spec: Record<string, unknown>,
    @Arg('n', () => Int, { defaultValue: 1000 }) n: number,
    @Arg('seed', () => Int, { defaultValue: 0 }) seed: number,
    @Ctx() ctx: Context,
  ): Promise<DistributionPreview> {
    try {
      const { preview, millis } = await ctx.services.distributions.preview(ctx, { modelId: fromGlobalId(modelId, 'Model').id, spec, n, seed });
      if (!preview.ok) return { n, seed, userErrors: preview.errors.map((e) => ({ field: ['spec', ...e.path.map(String)], message: e.message, code: e.code.toUpperCase() })) };
      return { n, seed, vectors: preview.vectors, histograms: preview.histograms, rejections: { ...preview.rejections, failed: preview.failed, strata: preview.strata }, millis, userErrors: [] };
    } catch (err) {
      if (err instanceof ValidationFailed) return { n, seed, userErrors: err.userErrors };
      throw err;
    }
  }

  @Mutation(() => DistributionPayload, { description: 'Create a distribution with its first version.' })
  createDistribution(@Arg('input', () => CreateDistributionInput) input: CreateDistributionInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => {
      const r = await ctx.services.distributions.create(ctx, {
        ...input,
        projectId: fromGlobalId(input.projectId, 'Project').id,
        modelId: fromGlobalId(input.modelId, 'Model').id,
      });
      return { distribution: distributionNode(r.distribution), version: versionNode(r.version) };
    });
  }

  @Mutation(() => DistributionPayload, { description: 'Edit a distribution: a new version (an unchanged spec returns the latest).' })
  addDistributionVersion(@Arg('input', () => AddDistributionVersionInput) input: AddDistributionVersionInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => {
      const r = await ctx.services.distributions.addVersion(ctx, {
        distributionId: fromGlobalId(input.distributionId, 'ConditionDistribution').id,
        modelId: fromGlobalId(input.modelId, 'Model').id,
        spec: input.spec,
      });
      return { distribution: distributionNode(r.distribution), version: versionNode(r.version) };
    });
  }

  @Mutation(() => DistributionPayload, { description: 'An empirical distribution fitted from uploaded reference masks (keeps their sha256).' })
  createEmpiricalDistribution(@Arg('input', () => CreateEmpiricalDistributionInput) input: CreateEmpiricalDistributionInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => {
      const r = await ctx.services.references.createEmpirical(ctx, {
        ...input,
        projectId: fromGlobalId(input.projectId, 'Project').id,
        modelId: fromGlobalId(input.modelId, 'Model').id,
        referenceFileIds: input.referenceFileIds.map((id) => fromGlobalId(id, 'ReferenceFile').id),
      });
      return { distribution: distributionNode(r.distribution), version: versionNode(r.version) };
    });
  }

  @FieldResolver(() => DistributionVersion, { nullable: true })
  async latestVersion(@Root() d: ConditionDistribution, @Ctx() ctx: Context) {
    const v = await ctx.services.distributions.latestVersion(d.rawId);
    return v ? versionNode(v) : null;
  }

  @FieldResolver(() => DistributionVersionConnection)
  async versions(@Root() d: ConditionDistribution, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: Context) {
    const p = pageOf(page, numberCursor);
    const rows = await ctx.services.distributions.listVersions(d.rawId, p.keyset);
    return toConnection(rows, p, (r) => String(r.version), versionNode);
  }
}

@Resolver(() => DistributionVersion)
export class DistributionVersionResolver {
  @FieldResolver(() => User, { nullable: true })
  async createdBy(@Root() v: DistributionVersion, @Ctx() ctx: Context) {
    if (!v.createdById) return null;
    const u = await ctx.loaders.user.load(v.createdById);
    return u ? userNode(u) : null;
  }

  @FieldResolver(() => Model, { nullable: true, description: 'The model the spec was validated against when this version was saved: the one its cohorts are offered first (null: saved before the model was kept).' })
  async model(@Root() v: DistributionVersion, @Ctx() ctx: Context) {
    if (!v.modelId) return null;
    const m = await ctx.loaders.model.load(v.modelId);
    return m ? modelNode(m) : null;
  }

  @FieldResolver(() => Int, { description: 'Cohorts generated from this version (it can never change).' })
  usedByCohorts(@Root() v: DistributionVersion, @Ctx() ctx: Context) {
    return ctx.services.distributions.cohortsUsing(v.rawId);
  }
}

export function referenceFileNode(r: { id: string; sha256: string; filename: string; bytes: number; features: unknown; createdAt: Date }): ReferenceFile {
  const f = r.features as { normalised?: number[]; physical?: unknown };
  return Object.assign(new ReferenceFile(), { id: toGlobalId('ReferenceFile', r.id), sha256: r.sha256, filename: r.filename, bytes: r.bytes, features: f.normalised ?? null, physical: f.physical ?? null, createdAt: r.createdAt });
}

@Resolver(() => Project)
export class ProjectDistributionsResolver {
  @FieldResolver(() => [ReferenceFile], { description: 'Uploaded reference masks, newest first (at most 500).' })
  async referenceFiles(@Root() p: Project, @Ctx() ctx: Context) {
    return (await ctx.services.references.list(ctx, p.rawId, 500)).map(referenceFileNode);
  }

  @FieldResolver(() => ConditionDistributionConnection)
  async distributions(@Root() p: Project, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: Context) {
    const pg = pageOf(page, timeCursor);
    const rows = await ctx.loaders.distributions(pg.keyset).load(p.rawId);
    return toConnection(rows, pg, encodeCursor, distributionNode);
  }
}
