import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { ConnectionType, Node, UserError } from '../graphql/common.types.ts';

@ObjectType({ implements: Node, description: 'An immutable version of a distribution\'s spec.' })
export class DistributionVersion extends Node {
  @Field(() => Int) version!: number;
  @Field(() => GraphQLJSONObject, { description: 'The spec (packages/conditioning README, version 1).' }) spec!: Record<string, unknown>;
  @Field(() => String, { description: 'sha256 of the canonical spec JSON.' }) specHash!: string;
  @Field(() => GraphQLJSON, { description: 'Reference files an empirical spec was fitted from: [{ sha256, name }].' }) sourceFiles!: unknown;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  rawId!: string;
  distributionId!: string;
  createdById!: string | null;
  modelId!: string | null;
}

@ObjectType({ implements: Node, description: 'A named, versioned distribution over the nine tumour features.' })
export class ConditionDistribution extends Node {
  @Field(() => String) name!: string;
  @Field(() => String) description!: string;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  rawId!: string;
  projectId!: string;
  teamId!: string;
}

export const ConditionDistributionConnection = ConnectionType(ConditionDistribution, 'ConditionDistribution');
export const DistributionVersionConnection = ConnectionType(DistributionVersion, 'DistributionVersion');

@InputType()
export class CreateDistributionInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ID, { description: 'The model whose conditioning the spec is validated against.' }) modelId!: string;
  @Field(() => GraphQLJSONObject) spec!: Record<string, unknown>;
}

@InputType()
export class AddDistributionVersionInput {
  @Field(() => ID) distributionId!: string;
  @Field(() => ID) modelId!: string;
  @Field(() => GraphQLJSONObject) spec!: Record<string, unknown>;
}

@ObjectType()
export class DistributionPayload {
  @Field(() => ConditionDistribution, { nullable: true }) distribution?: ConditionDistribution | null;
  @Field(() => DistributionVersion, { nullable: true }) version?: DistributionVersion | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class DistributionPreview {
  @Field(() => Int) n!: number;
  @Field(() => Int) seed!: number;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Sampled 9-vectors (normalised), at most 1000 returned.' }) vectors?: unknown;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Histogram bins per feature, normalised and physical units.' }) histograms?: unknown;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Rejected draws by reason.' }) rejections?: unknown;
  @Field(() => Float, { nullable: true }) millis?: number | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@InputType()
export class CreateEmpiricalDistributionInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ID) modelId!: string;
  @Field(() => [ID], { description: 'Reference masks uploaded to POST /uploads/projects/:projectId/reference-masks.' }) referenceFileIds!: string[];
  @Field(() => Float, { nullable: true, description: 'Kernel jitter as a fraction of each parameter\'s spread (default 0.25).' }) bandwidth?: number | null;
}

@ObjectType({ implements: Node, description: 'An uploaded reference mask: only its hash, name and features are kept.' })
export class ReferenceFile extends Node {
  @Field(() => String) sha256!: string;
  @Field(() => String) filename!: string;
  @Field(() => Int) bytes!: number;
  @Field(() => GraphQLJSON, { description: 'Nine normalised features on the model grid.' }) features!: unknown;
  @Field(() => GraphQLJSON, { description: 'The same in physical units (mL, mm2, mm).' }) physical!: unknown;
  @Field(() => GraphQLDateTime) createdAt!: Date;
}
