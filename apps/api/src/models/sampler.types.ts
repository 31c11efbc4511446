// GraphQL shape of the sampler-settings contract (@slicewise/models sampler-settings.ts): one name per
// setting, the same in a model's defaults, a cohort's stored settings and a request's overrides.
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { SAMPLERS, TIMESTEP_SPACINGS, type SamplerLimits as SamplerLimitsShape, type SamplerName, type SamplerSettings as SamplerSettingsShape, type TimestepSpacing } from '@slicewise/models';

// GraphQL enum names are upper case; their values are the contract's names.
export const SamplerEnum = Object.fromEntries(SAMPLERS.map((s) => [s.toUpperCase(), s])) as { [K in SamplerName as Uppercase<K>]: K };
registerEnumType(SamplerEnum, { name: 'Sampler', description: 'Diffusion sampler (the model declares its default).' });
export const TimestepSpacingEnum = Object.fromEntries(TIMESTEP_SPACINGS.map((s) => [s.toUpperCase(), s])) as { [K in TimestepSpacing as Uppercase<K>]: K };
registerEnumType(TimestepSpacingEnum, { name: 'TimestepSpacing', description: 'How inference timesteps are spaced over the training schedule (diffusers).' });

@ObjectType({ description: 'Complete sampler settings: a model\'s defaults, or what a cohort runs (resolved when it was requested).' })
export class SamplerSettings implements SamplerSettingsShape {
  @Field(() => SamplerEnum) sampler!: SamplerName;
  @Field(() => Int, { description: 'Denoising steps (denoiser calls).' }) numInferenceSteps!: number;
  @Field(() => Float, { description: 'DDIM eta: 0 = deterministic.' }) eta!: number;
  @Field(() => Float, { description: 'Classifier-free guidance scale (models trained with a null condition).' }) guidanceScale!: number;
  @Field(() => TimestepSpacingEnum) timestepSpacing!: TimestepSpacing;
  @Field(() => Int) stepsOffset!: number;
  @Field(() => Boolean, { description: 'DDIM: alpha_bar_prev = 1 after the last step.' }) setAlphaToOne!: boolean;
  @Field(() => [Int], { nullable: true, description: '[tLo, tHi]: classifier-free guidance only while tLo <= t <= tHi (training timesteps; the conditional rows alone elsewhere, half the denoiser work). Null: guidance at every step.' })
  guidanceInterval!: [number, number] | null;
}

@ObjectType({ description: 'The sampler settings a request may choose for this model, and their allowed values.' })
export class SamplerLimits implements SamplerLimitsShape {
  @Field(() => [SamplerEnum]) samplers!: SamplerName[];
  @Field(() => Int) minInferenceSteps!: number;
  @Field(() => Int, { description: 'The model\'s training schedule length.' }) maxInferenceSteps!: number;
  @Field(() => [Float], { description: '[min, max]' }) eta!: [number, number];
  @Field(() => [Float], { description: '[min, max]' }) guidanceScale!: [number, number];
  @Field(() => Boolean, { description: 'False when the model was trained without a null condition: guidanceScale cannot be chosen.' }) guidance!: boolean;
  @Field(() => [Int], { description: '[min, max]' }) stepsOffset!: [number, number];
  @Field(() => [Int], { description: '[0, T - 1]: the training timesteps a guidance interval may name (when guidance is true).' }) guidanceIntervalRange!: [number, number];
}

@InputType({ description: 'Overrides of the model\'s default sampler settings; unset fields keep the default.' })
export class SamplerSettingsInput {
  @Field(() => SamplerEnum, { nullable: true }) sampler?: SamplerName | null;
  @Field(() => Int, { nullable: true, description: '1..the model\'s training timesteps.' }) numInferenceSteps?: number | null;
  @Field(() => Float, { nullable: true, description: 'DDIM eta in [0, 1].' }) eta?: number | null;
  @Field(() => Float, { nullable: true, description: 'Guidance scale in [0, 20].' }) guidanceScale?: number | null;
  @Field(() => [Int], { nullable: true, description: 'Unset: the model\'s default; []: guidance at every step; [tLo, tHi]: guidance only while tLo <= t <= tHi (training timesteps, inclusive).' })
  guidanceInterval?: number[] | null;
}
