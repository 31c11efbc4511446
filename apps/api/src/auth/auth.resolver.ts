import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../graphql/context.ts';
import { tokenNode, userNode } from './auth.nodes.ts';
import { withUserErrors } from '../graphql/payload.ts';
import { encodeCursor, fromGlobalId, PageArgs, pageOf, timeCursor, toConnection } from '../graphql/relay.ts';
import { ConnectionType } from '../graphql/common.types.ts';
import {
  ApiToken,
  AuthPayload,
  CreateApiTokenInput,
  CreateApiTokenPayload,
  RevokeApiTokenPayload,
  SignInInput,
  SignOutPayload,
  SignUpInput,
  User,
} from './auth.types.ts';

export const ApiTokenConnection = ConnectionType(ApiToken, 'ApiToken');

@Resolver()
export class AuthResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user (null when anonymous; the token\'s creator for API tokens).' })
  async viewer(@Ctx() ctx: Context): Promise<User | null> {
    const a = ctx.access.actor;
    if (!a) return null;
    const u = await ctx.loaders.user.load(a.kind === 'user' ? a.userId : a.createdById);
    return u ? userNode(u) : null;
  }

  @Mutation(() => AuthPayload, { description: 'Create an account and sign in (sets the session cookie).' })
  signUp(@Arg('input', () => SignUpInput) input: SignUpInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => {
      const r = await ctx.services.auth.signUp(ctx, input, ctx.userAgent);
      ctx.setSessionCookie(r.sessionSecret, r.expiresAt);
      return { user: userNode(r.user) };
    });
  }

  @Mutation(() => AuthPayload, { description: 'Sign in with email and password (sets the session cookie). Rate-limited.' })
  signIn(@Arg('input', () => SignInInput) input: SignInInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => {
      const r = await ctx.services.auth.signIn(ctx, input, ctx.ip, ctx.userAgent);
      ctx.setSessionCookie(r.sessionSecret, r.expiresAt);
      return { user: userNode(r.user) };
    });
  }

  @Mutation(() => SignOutPayload)
  signOut(@Ctx() ctx: Context) {
    return withUserErrors(async () => {
      await ctx.services.auth.signOut(ctx);
      ctx.setSessionCookie(null);
      return { ok: true };
    });
  }

  @Mutation(() => CreateApiTokenPayload, { description: 'Create an API token. The secret is returned once and stored only as a hash.' })
  createApiToken(@Arg('input', () => CreateApiTokenInput) input: CreateApiTokenInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => {
      const teamId = fromGlobalId(input.teamId, 'Team').id;
      const r = await ctx.services.auth.createToken(ctx, { ...input, teamId, scopes: input.scopes });
      return { token: tokenNode(r.token), secret: r.secret };
    });
  }

  @Mutation(() => RevokeApiTokenPayload)
  revokeApiToken(@Arg('tokenId', () => ID) tokenId: string, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({ token: tokenNode(await ctx.services.auth.revokeToken(ctx, fromGlobalId(tokenId, 'ApiToken').id)) }));
  }

  @Query(() => ApiTokenConnection, { description: 'The team\'s API tokens, newest first.' })
  async apiTokens(@Arg('teamId', () => ID) teamId: string, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: Context) {
    const p = pageOf(page, timeCursor);
    const rows = await ctx.services.auth.listTokens(ctx, fromGlobalId(teamId, 'Team').id, p.keyset);
    return toConnection(rows, p, encodeCursor, tokenNode);
  }
}

@Resolver(() => ApiToken)
export class ApiTokenFieldResolver {
  @FieldResolver(() => User, { nullable: true })
  async createdBy(@Root() t: ApiToken, @Ctx() ctx: Context) {
    const u = await ctx.loaders.user.load(t.createdById);
    return u ? userNode(u) : null;
  }
}
