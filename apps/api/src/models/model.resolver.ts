import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context.ts';
import { modelNode } from './model.nodes.ts';
import { fromGlobalId } from '../graphql/relay.ts';
import { BrainProjection, CohortEstimate, FeatureUnit, Model } from './model.types.ts';
import { FEATURE_NAMES, physicalScale } from '@slicewise/conditioning';
import { SamplerSettingsInput } from './sampler.types.ts';
import { FieldResolver, Root } from 'type-graphql';
import { Float } from 'type-graphql';
import { anatomicalSpacingMm, declaredThroughput, type ModelMetadata, type ThroughputModel } from '@slicewise/models';

@Resolver(() => Model)
export class ModelResolver {
  @Query(() => [Model], { description: 'Models available for generation (any signed-in caller).' })
  async models(@Ctx() ctx: Context) {
    ctx.access.requireActor();
    return (await ctx.services.models.list()).map(modelNode);
  }

  @Query(() => CohortEstimate, { description: 'Estimated generation time for a cohort, from measured worker throughput.' })
  async cohortEstimate(
    @Arg('modelId', () => ID) modelId: string,
    @Arg('size', () => Int) size: number,
    @Arg('sampler', () => SamplerSettingsInput, { nullable: true, description: 'Overrides of the model\'s default sampler settings, as in requestCohort.' }) sampler: SamplerSettingsInput | null,
    @Ctx() ctx: Context,
  ) {
    return ctx.services.cohorts.estimate(ctx, fromGlobalId(modelId, 'Model').id, size, sampler);
  }

  @FieldResolver(() => [Float], {
    description: 'The anatomy one voxel covers, [x, y, z] mm: the model\'s declared volume.anatomical_spacing_mm, else spacingMm. Physical units (mL, mm) are shown with it.',
  })
  async anatomicalSpacingMm(@Root() m: Model, @Ctx() ctx: Context): Promise<number[]> {
    const { row } = await ctx.services.models.get(m.rawId);
    return anatomicalSpacingMm(row.metadata as unknown as ModelMetadata).spacingMm;
  }

  @FieldResolver(() => [FeatureUnit], { description: 'Physical units of the nine features, from the anatomy a voxel covers (anatomicalSpacingMm); empty without usable conditioning metadata.' })
  async physicalUnits(@Root() m: Model, @Ctx() ctx: Context): Promise<FeatureUnit[]> {
    const { conditioning } = await ctx.services.models.get(m.rawId);
    if (!conditioning) return [];
    return FEATURE_NAMES.map((feature) => {
      const p = physicalScale(conditioning, feature);
      return { feature, unit: p.unit, scale: p.scale, approximate: p.approximate };
    });
  }

  @FieldResolver(() => String, { description: 'The throughput the model declares, in words (or the fallback used when it declares none).' })
  async throughputBasis(@Root() m: Model, @Ctx() ctx: Context): Promise<string> {
    const { row } = await ctx.services.models.get(m.rawId);
    return declaredThroughput(row.metadata as unknown as ThroughputModel).basis;
  }

  @FieldResolver(() => BrainProjection, { nullable: true })
  async brainProjection(@Root() m: Model, @Ctx() ctx: Context) {
    const { conditioning } = await ctx.services.models.get(m.rawId);
    if (!conditioning) return null;
    const [D, H, W] = conditioning.brainMaskShapeDhw;
    const mask = conditioning.brainMask;
    const rows: string[] = [];
    for (let y = 0; y < H; y++) {
      let row = '';
      for (let x = 0; x < W; x++) {
        let any = 0;
        for (let z = 0; z < D && !any; z++) any = mask[(z * H + y) * W + x] ? 1 : 0;
        row += any;
      }
      rows.push(row);
    }
    return { width: W, height: H, rows };
  }
}
