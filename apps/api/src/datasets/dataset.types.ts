import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { ConnectionType, Node, UserError } from '../graphql/common.types.ts';
import { PageInfo } from '../graphql/relay.ts';

@ObjectType({ implements: Node, description: 'An immutable, content-addressed set of generated volumes.' })
export class DatasetVersion extends Node {
  @Field(() => String, { description: 'Dataset name within the project (`<project>/<dataset>@<tag-or-hash>`).' }) dataset!: string;
  @Field(() => String, { description: 'sha256 of the canonical manifest: the version\'s identity.' }) manifestHash!: string;
  @Field(() => Int) volumeCount!: number;
  @Field(() => String) description!: string;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  @Field(() => String, { description: 'Path of the export archive (tar, HTTP Range supported), same origin as the API.' }) exportUrl!: string;
  @Field(() => String, { description: 'Path of the manifest JSON.' }) manifestUrl!: string;
  rawId!: string;
  projectId!: string;
  createdById!: string | null;
  manifest!: unknown;
}

export const DatasetVersionConnection = ConnectionType(DatasetVersion, 'DatasetVersion');

@InputType()
export class PublishDatasetVersionInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String, { nullable: true, description: 'Dataset name (default "main").' }) dataset?: string | null;
  @Field(() => [ID], { description: 'Completed cohorts to take volumes from.' }) cohortIds!: string[];
  @Field(() => Boolean, { nullable: true, description: 'Only volumes accepted in review.' }) onlyAccepted?: boolean | null;
  @Field(() => [ID], { nullable: true, description: 'Restrict to these volumes.' }) volumeIds?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Tags to point at the version (moved if they exist).' }) tags?: string[] | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Include volumes that failed quality control (left out by default), with the reason: recorded in the audit log, the manifest and the Croissant RAI fields.',
  })
  qcWaiver?: string | null;
}

@ObjectType()
export class PublishDatasetVersionPayload {
  @Field(() => DatasetVersion, { nullable: true }) datasetVersion?: DatasetVersion | null;
  @Field(() => Boolean, { nullable: true, description: 'false when identical content was already published (same version returned).' }) created?: boolean | null;
  @Field(() => Int, { nullable: true, description: 'Selected volumes left out because they failed quality control (include them with qcWaiver).' }) qcFailedLeftOut?: number | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class DatasetVersionPayload {
  @Field(() => DatasetVersion, { nullable: true }) datasetVersion?: DatasetVersion | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType({ implements: Node, description: 'A training run that used dataset versions (lineage).' })
export class TrainingRun extends Node {
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) url!: string | null;
  @Field(() => GraphQLJSONObject) metadata!: Record<string, unknown>;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  datasetVersionIds!: string[];
}

@InputType()
export class RegisterTrainingRunInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) metadata?: Record<string, unknown> | null;
  @Field(() => [ID]) datasetVersionIds!: string[];
}

@ObjectType()
export class TrainingRunPayload {
  @Field(() => TrainingRun, { nullable: true }) trainingRun?: TrainingRun | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class DatasetDiff {
  @Field(() => GraphQLJSON, { description: 'Volumes in b and not in a.' }) added!: unknown;
  @Field(() => GraphQLJSON, { description: 'Volumes in a and not in b.' }) removed!: unknown;
  @Field(() => Int) unchanged!: number;
  @Field(() => GraphQLJSON) reviewChanged!: unknown;
  @Field(() => GraphQLJSON, { description: 'Per feature: histograms side by side and a two-sample Kolmogorov-Smirnov statistic.' }) features!: unknown;
}

@ObjectType()
export class ExportLink {
  @Field(() => String, { description: 'Path (same origin as the API) of the signed export archive.' }) url!: string;
  @Field(() => GraphQLDateTime) expiresAt!: Date;
}

@ObjectType({ description: 'One file of a dataset version, from its manifest.' })
export class DatasetFile {
  @Field(() => String, { description: 'Path inside the version (images/…, masks/…).' }) path!: string;
  @Field(() => String, { description: 'image or mask' }) kind!: string;
  @Field(() => String) sha256!: string;
  @Field(() => Float) bytes!: number;
  @Field(() => Int) subjectIndex!: number;
  @Field(() => ID, { description: 'The generated volume (global id).' }) volumeId!: string;
}

@ObjectType()
export class DatasetFileEdge {
  @Field(() => String) cursor!: string;
  @Field(() => DatasetFile) node!: DatasetFile;
}

@ObjectType()
export class DatasetFileConnection {
  @Field(() => [DatasetFileEdge]) edges!: DatasetFileEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType({ description: 'Where a tag of the dataset points now.' })
export class DatasetTagInfo {
  @Field(() => String) name!: string;
  @Field(() => ID) datasetVersionId!: string;
  @Field(() => String) manifestHash!: string;
  @Field(() => GraphQLDateTime, { description: 'When it last moved.' }) updatedAt!: Date;
}

@ObjectType({ description: 'Lineage in: a cohort whose volumes a dataset version holds.' })
export class DatasetCohortSource {
  @Field(() => ID, { description: 'The cohort (global id).' }) cohortId!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { description: 'Volumes of this cohort in the version.' }) volumeCount!: number;
  @Field(() => String, { description: 'Model name and version.' }) model!: string;
  @Field(() => Int, { description: 'Distribution version number.' }) distributionVersion!: number;
}
