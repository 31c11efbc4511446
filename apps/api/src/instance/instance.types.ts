import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'The demo account `npm start` seeds on a first run, while it exists with its documented password.' })
export class DemoAccount {
  @Field(() => String) email!: string;
  @Field(() => String) password!: string;
}

@ObjectType({ description: 'This deployment: what the web app needs before and around sign-in.' })
export class Instance {
  @Field(() => DemoAccount, { nullable: true, description: 'Offered on the sign-in page; null once the demo account is gone or its password changed.' })
  demoAccount!: DemoAccount | null;
  @Field(() => Int, { description: 'Most subjects in one cohort (MAX_COHORT_SIZE).' }) maxCohortSize!: number;
  @Field(() => Int, { description: 'Most subjects in a preview cohort (MAX_PREVIEW_SIZE).' }) maxPreviewSize!: number;
}
