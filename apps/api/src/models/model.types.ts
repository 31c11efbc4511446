import { Field, Float, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSONObject } from 'graphql-scalars';
import { Node } from '../graphql/common.types.ts';
import { SamplerLimits, SamplerSettings } from './sampler.types.ts';

@ObjectType({ description: 'Axial projection of the model\'s brain mask (1 = brain in some slice), for plotting positions.' })
export class BrainProjection {
  @Field(() => Int) width!: number;
  @Field(() => Int) height!: number;
  @Field(() => [String], { description: 'One string of 0/1 per row (y), left to right (x).' }) rows!: string[];
}

@ObjectType({ implements: Node, description: 'A registered model folder (models/<name>/), hash-verified.' })
export class Model extends Node {
  @Field(() => String) name!: string;
  @Field(() => String) version!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => [Int], { description: 'Volume shape [D, H, W].' }) volumeShapeDhw!: number[];
  @Field(() => [Float], { description: 'Voxel spacing [x, y, z] in mm.' }) spacingMm!: number[];
  @Field(() => GraphQLJSONObject, { description: 'Feature names, normalisation constants, training ranges, guidance.' }) conditioning!: Record<string, unknown>;
  @Field(() => SamplerSettings, { description: 'The sampler settings a cohort gets unless it overrides them.' }) samplerDefaults!: SamplerSettings;
  @Field(() => SamplerLimits, { description: 'What a cohort request may choose, and the allowed values.' }) samplerLimits!: SamplerLimits;
  @Field(() => GraphQLJSONObject, { description: '{ file: sha256 } as verified at registration.' }) fileHashes!: Record<string, string>;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Measured metrics from the model card.' }) metrics!: Record<string, unknown> | null;
  @Field(() => GraphQLDateTime) registeredAt!: Date;
  rawId!: string;
}

@ObjectType()
export class CohortEstimate {
  @Field(() => Float) seconds!: number;
  @Field(() => Float) perVolumeSeconds!: number;
  @Field(() => String, { description: 'What the estimate is based on.' }) basis!: string;
}
