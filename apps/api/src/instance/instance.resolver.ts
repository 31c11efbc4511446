import { Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../graphql/context.ts';
import { Instance } from './instance.types.ts';

@Resolver(() => Instance)
export class InstanceResolver {
  @Query(() => Instance, { description: 'This deployment: the demo account hint and the cohort size limits. Needs no sign-in.' })
  async instance(@Ctx() ctx: Context): Promise<Instance> {
    const s = ctx.services.instance;
    return Object.assign(new Instance(), { demoAccount: await s.demoAccount(), ...s.limits });
  }
}
