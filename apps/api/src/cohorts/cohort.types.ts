import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSON } from 'graphql-scalars';
import { ConnectionType, Node, UserError } from '../graphql/common.types.ts';
import { SamplerSettings, SamplerSettingsInput } from '../models/sampler.types.ts';
import { QcSettingsInput } from '../models/qc.types.ts';
import { ATTEMPT_OUTCOMES, COHORT_STATUSES, VOLUME_STATUSES, type AttemptOutcome, type CohortStatus, type VolumeStatus } from '@slicewise/lifecycle';

// GraphQL enums from the lifecycle module's states (one list for API, worker and database).
const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };
export const CohortStatusEnum = enumOf(COHORT_STATUSES);
registerEnumType(CohortStatusEnum, { name: 'CohortStatus' });
export const VolumeStatusEnum = enumOf(VOLUME_STATUSES);
registerEnumType(VolumeStatusEnum, { name: 'VolumeStatus' });
export enum ReviewStateEnum {
  UNREVIEWED = 'UNREVIEWED',
  ACCEPTED = 'ACCEPTED',
  REJECTED = 'REJECTED',
}
registerEnumType(ReviewStateEnum, { name: 'ReviewState' });

@ObjectType({ description: 'Live progress of a cohort, from its volumes.' })
export class CohortProgress {
  @Field(() => Int) total!: number;
  @Field(() => Int) done!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) running!: number;
  @Field(() => Int) pending!: number;
  @Field(() => Int) cancelled!: number;
  @Field(() => Int, { description: 'Generated, but every try failed quality control (QC_FAILED).' }) qcFailed!: number;
  @Field(() => Float, { description: 'Volumes finished per minute: this cohort\'s rate, exponentially weighted towards the last 2 minutes (0 before the first finish).' })
  volumesPerMinute!: number;
  @Field(() => Float, { nullable: true, description: 'Seconds left at that rate (before the first finish: the request-time estimate less the time running; null without either).' })
  etaSeconds!: number | null;
  @Field(() => String, { description: 'What the ETA is based on, e.g. "at 20 volumes/min (this cohort, weighted towards the last 2 min), 3 workers".' })
  etaBasis!: string;
  @Field(() => Int, { description: 'Workers that ran or finished one of its volumes in the last 5 minutes.' }) workers!: number;
}

@ObjectType({ implements: Node })
export class Cohort extends Node {
  @Field(() => String) name!: string;
  @Field(() => CohortStatusEnum) status!: CohortStatus;
  @Field(() => Int) size!: number;
  @Field(() => String, { description: 'The cohort seed (decimal string).' }) seed!: string;
  @Field(() => SamplerSettings, { description: 'The complete settings this cohort runs with (resolved when it was requested).' }) samplerSettings!: SamplerSettings;
  @Field(() => Boolean) isPreview!: boolean;
  @Field(() => Float, { nullable: true, description: 'Estimated seconds of generation when requested.' }) estimatedSeconds!: number | null;
  @Field(() => String, { nullable: true }) decisionComment!: string | null;
  @Field(() => GraphQLDateTime, { nullable: true }) decidedAt!: Date | null;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true }) startedAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true }) finishedAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true }) cancelledAt!: Date | null;
  rawId!: string;
  teamId!: string;
  projectId!: string;
  modelId!: string;
  distributionVersionId!: string;
  requestedById!: string | null;
  decidedById!: string | null;
}

@ObjectType({ implements: Node, description: 'One generated subject: image + mask NIfTI files and their provenance.' })
export class Volume extends Node {
  @Field(() => Int) subjectIndex!: number;
  @Field(() => VolumeStatusEnum) status!: VolumeStatus;
  @Field(() => Int, { description: 'Attempts so far, across retries (attemptHistory has each).' }) attempts!: number;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Requested condition (9 features, normalised + physical).' }) requestedCondition!: unknown;
  @Field(() => GraphQLJSON, { nullable: true, description: 'Features measured on the generated mask.' }) measuredCondition!: unknown;
  @Field(() => String, { nullable: true }) imageSha256!: string | null;
  @Field(() => String, { nullable: true }) maskSha256!: string | null;
  @Field(() => Float, { nullable: true }) imageBytes!: number | null;
  @Field(() => Float, { nullable: true }) maskBytes!: number | null;
  @Field(() => String, { nullable: true, description: 'Download URL of the image (.nii.gz), same origin as the API.' }) imageUrl!: string | null;
  @Field(() => String, { nullable: true }) maskUrl!: string | null;
  @Field(() => GraphQLJSON, { nullable: true, description: 'The full provenance record.' }) provenance!: unknown;
  @Field(() => ReviewStateEnum) reviewState!: ReviewStateEnum;
  @Field(() => String, { nullable: true }) reviewComment!: string | null;
  @Field(() => GraphQLDateTime, { nullable: true }) reviewedAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true }) startedAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true }) finishedAt!: Date | null;
  rawId!: string;
  cohortId!: string;
  reviewedById!: string | null;
  imageKey!: string | null;
  maskKey!: string | null;
}

@ObjectType({ description: 'An axial slice through the tumour (image in grey, the mask outlined in red), for thumbnail grids.' })
export class VolumeThumbnail {
  @Field(() => String, { description: 'data:image/png;base64,… (one pixel per voxel; anterior at the top, subject\'s right on the right).' }) dataUrl!: string;
  @Field(() => Int, { description: 'The axial slice (z index) shown: through the tumour\'s centroid, or the middle when the mask is empty.' }) sliceIndex!: number;
  @Field(() => Int, { description: 'Tumour voxels in the whole mask.' }) maskVoxels!: number;
  @Field(() => Int, { description: 'Tumour voxels in the shown slice.' }) sliceMaskVoxels!: number;
  @Field(() => Int) width!: number;
  @Field(() => Int) height!: number;
}

export const AttemptOutcomeEnum = enumOf(ATTEMPT_OUTCOMES);
registerEnumType(AttemptOutcomeEnum, {
  name: 'AttemptOutcome',
  description: 'How an attempt ended: FAILED uses the retry budget; INTERRUPTED (worker lost, killed or cut off, shutdown) does not; SUPERSEDED finished after its claim was taken over and recorded nothing.',
});

@ObjectType({ description: 'One claim of a volume by a worker. Kept across retries: the volume\'s attempt history.' })
export class VolumeAttempt {
  @Field(() => Int, { description: '1, 2, ... per volume, across retry rounds.' }) number!: number;
  @Field(() => Int, { description: 'Retry round (0 until the first manual retry).' }) round!: number;
  @Field(() => String) workerId!: string;
  @Field(() => String) host!: string;
  @Field(() => GraphQLDateTime) startedAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true }) endedAt!: Date | null;
  @Field(() => GraphQLDateTime, { description: 'Last heartbeat of the worker while it ran.' }) heartbeatAt!: Date;
  @Field(() => AttemptOutcomeEnum) outcome!: AttemptOutcome;
  @Field(() => String, { nullable: true }) reason!: string | null;
}

export const CohortConnection = ConnectionType(Cohort, 'Cohort');
export const VolumeConnection = ConnectionType(Volume, 'Volume');

@InputType()
export class RequestCohortInput {
  @Field(() => ID) projectId!: string;
  @Field(() => ID) distributionVersionId!: string;
  @Field(() => ID) modelId!: string;
  @Field(() => Int, { description: 'Number of subjects (quota: see README).' }) size!: number;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => Int, { nullable: true, description: '0..2^31-1; random when omitted (and shown on the cohort).' }) seed?: number | null;
  @Field(() => SamplerSettingsInput, { nullable: true, description: 'Overrides of the model\'s default sampler settings (Model.samplerDefaults, limits in Model.samplerLimits).' })
  sampler?: SamplerSettingsInput | null;
  @Field(() => QcSettingsInput, { nullable: true, description: 'Overrides of the model\'s quality control (Model.qcDefaults): tries per volume, tolerances, or off.' })
  qc?: QcSettingsInput | null;
  @Field(() => Boolean, { nullable: true, description: 'A preview: a handful of volumes served ahead of bulk work.' }) preview?: boolean | null;
}

@ObjectType()
export class CohortPayload {
  @Field(() => Cohort, { nullable: true }) cohort?: Cohort | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class VolumePayload {
  @Field(() => Volume, { nullable: true }) volume?: Volume | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}
