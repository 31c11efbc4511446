// GraphQL shape of the quality-control settings contract (@slicewise/models qc-settings.ts) and of a volume's
// QC record (@slicewise/provenance qc): what was checked, against which limit, on every try.
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { QcSettings as QcSettingsShape } from '@slicewise/models';

@ObjectType({ description: 'The largest accepted |measured - requested| of one feature (normalised units).' })
export class FeatureTolerance {
  @Field(() => String) feature!: string;
  @Field(() => Float) abs!: number;
}

@ObjectType()
export class BrainOutlineCheck {
  @Field(() => Float, { description: 'Image value above which a voxel counts as brain.' }) imageThreshold!: number;
  @Field(() => Float, { description: 'Least Dice against the model\'s brain mask.' }) minDice!: number;
}

@ObjectType()
export class IntensityCheck {
  @Field(() => [Float]) percentiles!: number[];
  @Field(() => [[Float]], { description: '[lo, hi] per percentile: the training range.' }) ranges!: [number, number][];
  @Field(() => Boolean, { description: 'True: percentiles of brain tissue only (the tumour mask left out).' }) excludeTumour!: boolean;
}

@ObjectType({ description: 'Quality-control settings: a model\'s declared defaults, or what a cohort runs (resolved when requested).' })
export class QcSettings {
  @Field(() => Boolean) enabled!: boolean;
  @Field(() => String, { nullable: true, description: 'Why QC does not run (the model declares none, or the request turned it off).' }) disabledReason!: string | null;
  @Field(() => Int, { description: 'Generations of one volume before it ends QC_FAILED.' }) maxTries!: number;
  @Field(() => Int) minTumourVoxels!: number;
  @Field(() => [FeatureTolerance]) tolerances!: FeatureTolerance[];
  @Field(() => BrainOutlineCheck, { nullable: true }) brainOutline!: BrainOutlineCheck | null;
  @Field(() => IntensityCheck, { nullable: true }) intensity!: IntensityCheck | null;
}

export const qcSettingsNode = (s: QcSettingsShape): QcSettings => ({
  ...s,
  intensity: s.intensity ? { ...s.intensity, excludeTumour: s.intensity.excludeTumour ?? false } : null,
  tolerances: Object.entries(s.tolerances).map(([feature, abs]) => ({ feature, abs })),
});

@InputType()
export class FeatureToleranceInput {
  @Field(() => String, { description: 'Feature name (Model.conditioning feature_names).' }) feature!: string;
  @Field(() => Float, { description: 'Largest accepted |measured - requested|, in [0, 10] (normalised units).' }) abs!: number;
}

@InputType({ description: 'Overrides of the model\'s quality control; unset fields keep the model\'s.' })
export class QcSettingsInput {
  @Field(() => Boolean, { nullable: true, description: 'false: generate without checking (recorded as not run).' }) enabled?: boolean | null;
  @Field(() => Int, { nullable: true, description: '1..10 generations per volume before QC_FAILED.' }) maxTries?: number | null;
  @Field(() => [FeatureToleranceInput], { nullable: true }) tolerances?: FeatureToleranceInput[] | null;
}

export enum QcStatusEnum {
  PASSED = 'passed',
  FAILED = 'failed',
  NOT_RUN = 'not-run',
}
registerEnumType(QcStatusEnum, { name: 'QcStatus' });

@ObjectType()
export class QcCheck {
  @Field(() => String) name!: string;
  @Field(() => Boolean) passed!: boolean;
  @Field(() => Float, { nullable: true }) measured!: number | null;
  @Field(() => String) limit!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
}

@ObjectType({ description: 'One generation of a volume: its derived noise, what was measured, the verdict.' })
export class QcTry {
  @Field(() => Int) index!: number;
  @Field(() => Int, { description: '0 = the volume\'s own noise; > 0 a derived stream.' }) noiseKey!: number;
  @Field(() => String) rng!: string;
  @Field(() => [Float], { nullable: true }) measured!: number[] | null;
  @Field(() => [QcCheck]) checks!: QcCheck[];
  @Field(() => Boolean) passed!: boolean;
}

@ObjectType({ description: 'The quality control of one volume (from its provenance record).' })
export class VolumeQc {
  @Field(() => QcStatusEnum) status!: QcStatusEnum;
  @Field(() => String, { nullable: true }) notRunReason!: string | null;
  @Field(() => [QcTry]) tries!: QcTry[];
  @Field(() => Int, { description: 'The try whose files were kept.' }) acceptedTry!: number;
  @Field(() => [String], { description: 'Why the kept try failed (empty when it passed).' }) reasons!: string[];
}
