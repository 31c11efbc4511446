import { Arg, Args, Ctx, Field, FieldResolver, ID, Mutation, Query, Resolver, Root, ArgsType } from 'type-graphql';
import { User } from '../auth/auth.types.ts';
import type { Context } from '../graphql/context.ts';
import { membershipNode, teamNode } from './team.nodes.ts';
import { projectNode } from '../projects/project.nodes.ts';
import { userNode } from '../auth/auth.nodes.ts';
import { withUserErrors } from '../graphql/payload.ts';
import { encodeCursor, fromGlobalId, PageArgs, pageOf, timeCursor, toConnection } from '../graphql/relay.ts';
import { ProjectConnection } from '../projects/project.types.ts';
import { TokenScopeEnum } from '../auth/auth.types.ts';
import { allowedActions, grantableScopes, type Action } from '../auth/permissions.ts';
import {
  AddMemberInput,
  CreateTeamInput,
  Membership,
  MembershipConnection,
  MembershipPayload,
  RoleEnum,
  Team,
  TeamActionEnum,
  TeamConnection,
  TeamPayload,
  UpdateTeamInput,
} from './team.types.ts';

@ArgsType()
class ProjectPageArgs extends PageArgs {
  @Field(() => Boolean, { defaultValue: false }) includeArchived!: boolean;
}

@Resolver(() => Team)
export class TeamResolver {
  @Query(() => Team, { description: 'A team you belong to (NOT_FOUND otherwise).' })
  async team(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    return teamNode(await ctx.services.teams.getTeam(ctx, fromGlobalId(id, 'Team').id));
  }

  @Query(() => TeamConnection, { description: 'Teams the signed-in user belongs to (a token: its team).' })
  async teams(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: Context) {
    const p = pageOf(page, timeCursor);
    const rows = await ctx.services.teams.myTeams(ctx, p.keyset);
    return toConnection(rows, p, encodeCursor, (r) => teamNode(r.team));
  }

  @FieldResolver(() => RoleEnum, { nullable: true, description: 'Your role in this team (null for API tokens).' })
  async viewerRole(@Root() team: Team, @Ctx() ctx: Context) {
    return ctx.access.roleIn(team.rawId);
  }

  @FieldResolver(() => [TeamActionEnum], { description: 'What you may do in this team: the permission matrix for your role (or your token\'s scopes). The API still checks every operation.' })
  async viewerPermissions(@Root() team: Team, @Ctx() ctx: Context): Promise<Action[]> {
    const actor = ctx.access.requireActor();
    if (actor.kind === 'token') return actor.teamId === team.rawId ? allowedActions({ scopes: actor.scopes }) : [];
    const role = await ctx.access.roleIn(team.rawId);
    return role ? allowedActions({ role }) : [];
  }

  @FieldResolver(() => [TokenScopeEnum], { description: 'The scopes you may put on an API token of this team (none for API tokens).' })
  async viewerTokenScopes(@Root() team: Team, @Ctx() ctx: Context) {
    const role = await ctx.access.roleIn(team.rawId);
    return role ? grantableScopes(role) : [];
  }

  @FieldResolver(() => MembershipConnection)
  async members(@Root() team: Team, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: Context) {
    const p = pageOf(page, timeCursor);
    const rows = await ctx.loaders.members(p.keyset).load(team.rawId);
    return toConnection(rows, p, encodeCursor, membershipNode);
  }

  @FieldResolver(() => ProjectConnection)
  async projects(@Root() team: Team, @Args(() => ProjectPageArgs) page: ProjectPageArgs, @Ctx() ctx: Context) {
    const p = pageOf(page, timeCursor);
    const rows = await ctx.loaders.projects(p.keyset, page.includeArchived).load(team.rawId);
    return toConnection(rows, p, encodeCursor, projectNode);
  }

  @Mutation(() => TeamPayload, { description: 'Create a team; you become its owner.' })
  createTeam(@Arg('input', () => CreateTeamInput) input: CreateTeamInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({ team: teamNode(await ctx.services.teams.createTeam(ctx, input)) }));
  }

  @Mutation(() => TeamPayload)
  updateTeam(@Arg('input', () => UpdateTeamInput) input: UpdateTeamInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({
      team: teamNode(await ctx.services.teams.updateTeam(ctx, { ...input, teamId: fromGlobalId(input.teamId, 'Team').id })),
    }));
  }

  @Mutation(() => MembershipPayload, { description: 'Add an existing user to the team.' })
  addMember(@Arg('input', () => AddMemberInput) input: AddMemberInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({
      membership: membershipNode(await ctx.services.teams.addMember(ctx, { ...input, teamId: fromGlobalId(input.teamId, 'Team').id })),
    }));
  }

  @Mutation(() => MembershipPayload)
  changeMemberRole(@Arg('membershipId', () => ID) membershipId: string, @Arg('role', () => RoleEnum) role: RoleEnum, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({
      membership: membershipNode(await ctx.services.teams.changeRole(ctx, fromGlobalId(membershipId, 'Membership').id, role)),
    }));
  }

  @Mutation(() => MembershipPayload, { description: 'Remove a member, or leave (your own membership). The last owner cannot.' })
  removeMember(@Arg('membershipId', () => ID) membershipId: string, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({
      membership: membershipNode(await ctx.services.teams.removeMember(ctx, fromGlobalId(membershipId, 'Membership').id)),
    }));
  }
}

@Resolver(() => Membership)
export class MembershipFieldResolver {
  @FieldResolver(() => User, { nullable: true })
  async user(@Root() m: Membership, @Ctx() ctx: Context) {
    const u = await ctx.loaders.user.load(m.userId);
    return u ? userNode(u) : null;
  }

  @FieldResolver(() => Team, { nullable: true })
  async team(@Root() m: Membership, @Ctx() ctx: Context) {
    const t = await ctx.loaders.team.load(m.teamId);
    return t ? teamNode(t) : null;
  }
}
