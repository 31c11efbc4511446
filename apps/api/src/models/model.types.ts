import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSONObject } from 'graphql-scalars';
import { Node } from '../graphql/common.types.ts';
import { SamplerLimits, SamplerSettings } from './sampler.types.ts';
import { MODEL_PURPOSES, type ModelPurpose } from '@slicewise/models';
import { QcSettings } from './qc.types.ts';

export const ModelPurposeEnum = Object.fromEntries(MODEL_PURPOSES.map((p) => [p.toUpperCase().replace('-', '_'), p])) as Record<string, ModelPurpose>;
registerEnumType(ModelPurposeEnum, { name: 'ModelPurpose', description: 'production: offered first; demo: works, with known weaknesses; test-fixture: for tests, never offered in the web app.' });

@ObjectType({ description: 'The condition calibration a model declares: requested -> fed maps fitted on training-split conditions.' })
export class ModelCalibration {
  @Field(() => Int) version!: number;
  @Field(() => String) method!: string;
  @Field(() => [String], { description: 'Features mapped or derived.' }) features!: string[];
  @Field(() => GraphQLJSONObject, { description: 'Where and how it was fitted (split, conditions, sampler).' }) fittedOn!: Record<string, unknown>;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Its measured effect on held-out conditions (before / after).' }) effect!: Record<string, unknown> | null;
}

@ObjectType({ description: 'Axial projection of the model\'s brain mask (1 = brain in some slice), for plotting positions.' })
export class BrainProjection {
  @Field(() => Int) width!: number;
  @Field(() => Int) height!: number;
  @Field(() => [String], { description: 'One string of 0/1 per row (y), left to right (x).' }) rows!: string[];
}

@ObjectType({ description: 'How one normalised feature converts to a physical unit for this model: physical = normalised * scale.' })
export class FeatureUnit {
  @Field(() => String, { description: 'voxel_volume, surface_area, sphericity, x, y, z, w, h, d' }) feature!: string;
  @Field(() => String, { description: 'mL, mm2, mm, or 1 (unitless)' }) unit!: string;
  @Field(() => Float) scale!: number;
  @Field(() => Boolean, { description: 'True where the conversion is approximate (surface area with anisotropic voxels).' }) approximate!: boolean;
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
  @Field(() => ModelPurposeEnum, { description: 'Declared in metadata.json (models without a declaration count as demo).' }) purpose!: ModelPurpose;
  @Field(() => Boolean, { description: 'The model offered first: declared `default` in metadata, chosen by measured metrics.' }) isDefault!: boolean;
  @Field(() => QcSettings, { description: 'The quality control a cohort gets unless it overrides it.' }) qcDefaults!: QcSettings;
  @Field(() => ModelCalibration, { nullable: true, description: 'null: the model declares no calibration (requested values are fed as they are).' }) calibration!: ModelCalibration | null;
  @Field(() => GraphQLDateTime) registeredAt!: Date;
  rawId!: string;
}

@ObjectType({ description: 'How long a cohort will take on this deployment: the model\'s declared throughput, corrected by what this deployment\'s workers measured.' })
export class CohortEstimate {
  @Field(() => Float, { description: 'Seconds of generation once the cohort\'s volumes start.' }) seconds!: number;
  @Field(() => Float, { description: 'Seconds per volume on one worker slot.' }) perVolumeSeconds!: number;
  @Field(() => Float) volumesPerMinute!: number;
  @Field(() => Int, { description: 'Worker slots the estimate divides the work among (at least 1).' }) workers!: number;
  @Field(() => Int, { description: 'Volumes of other cohorts queued or running ahead of a new request.' }) queuedAhead!: number;
  @Field(() => Float, { description: 'Seconds until those are done (the wait before this cohort starts, if it queues behind them).' }) waitSeconds!: number;
  @Field(() => String, { description: 'What the estimate is based on, in words ("~3 min at 20 volumes/min, 3 workers: declared by the model ...").' }) basis!: string;
}
