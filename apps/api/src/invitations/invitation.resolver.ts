import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { User } from '../auth/auth.types.ts';
import type { Context } from '../graphql/context.ts';
import { userNode } from '../auth/auth.nodes.ts';
import { membershipNode, teamNode } from '../teams/team.nodes.ts';
import { withUserErrors } from '../graphql/payload.ts';
import { fromGlobalId, nodeOf } from '../graphql/relay.ts';
import { RoleEnum, Team } from '../teams/team.types.ts';
import type { InvitationRow } from './invitation.repository.ts';
import { invitationState } from './invitation.service.ts';
import { AcceptInvitationPayload, CreateInvitationInput, CreateInvitationPayload, Invitation, InvitationPayload, InvitationPreview, InvitationStateEnum } from './invitation.types.ts';

// The token hash stays out of the node (nodeOf copies the whole row).
export const invitationNode = ({ tokenHash: _hash, ...r }: InvitationRow): Invitation =>
  nodeOf(Invitation, 'Invitation', r, { role: r.role as RoleEnum, state: invitationState(r) as InvitationStateEnum });

@Resolver(() => Invitation)
export class InvitationResolver {
  @Query(() => InvitationPreview, { nullable: true, description: 'The team and role an invitation link is for (null for an unknown link). Needs no sign-in.' })
  async invitationPreview(@Arg('secret', () => String) secret: string, @Ctx() ctx: Context) {
    const p = await ctx.services.invitations.preview(secret);
    return p ? Object.assign(new InvitationPreview(), { ...p, role: p.role as RoleEnum, state: p.state as InvitationStateEnum }) : null;
  }

  @Mutation(() => CreateInvitationPayload, { description: 'Create an invitation link for a role (owners and admins; only owners invite owners). Audited.' })
  createInvitation(@Arg('input', () => CreateInvitationInput) input: CreateInvitationInput, @Ctx() ctx: Context) {
    return withUserErrors(async () => {
      const r = await ctx.services.invitations.create(ctx, { ...input, teamId: fromGlobalId(input.teamId, 'Team').id });
      return { invitation: invitationNode(r.invitation), secret: r.secret };
    });
  }

  @Mutation(() => InvitationPayload, { description: 'Revoke an invitation that was not used yet. Audited.' })
  revokeInvitation(@Arg('invitationId', () => ID) invitationId: string, @Ctx() ctx: Context) {
    return withUserErrors(async () => ({ invitation: invitationNode(await ctx.services.invitations.revoke(ctx, fromGlobalId(invitationId, 'Invitation').id)) }));
  }

  @Mutation(() => AcceptInvitationPayload, { description: 'Join the team of an invitation link as the signed-in user (uses the link up). Audited.' })
  acceptInvitation(@Arg('secret', () => String) secret: string, @Ctx() ctx: Context) {
    return withUserErrors(async () => {
      const r = await ctx.services.invitations.accept(ctx, secret);
      return { membership: membershipNode(r.membership), team: teamNode(r.team) };
    });
  }

  @FieldResolver(() => User, { nullable: true })
  async createdBy(@Root() i: Invitation, @Ctx() ctx: Context) {
    const u = await ctx.loaders.user.load(i.createdById);
    return u ? userNode(u) : null;
  }

  @FieldResolver(() => User, { nullable: true })
  async acceptedBy(@Root() i: Invitation, @Ctx() ctx: Context) {
    if (!i.acceptedById) return null;
    const u = await ctx.loaders.user.load(i.acceptedById);
    return u ? userNode(u) : null;
  }
}

@Resolver(() => Team)
export class TeamInvitationsResolver {
  @FieldResolver(() => [Invitation], { description: 'The team\'s invitations, newest first (owners and admins). `open`: only those not used or revoked.' })
  async invitations(@Root() team: Team, @Arg('open', () => Boolean, { defaultValue: false }) open: boolean, @Ctx() ctx: Context) {
    return (await ctx.services.invitations.list(ctx, team.rawId, open)).map(invitationNode);
  }
}
