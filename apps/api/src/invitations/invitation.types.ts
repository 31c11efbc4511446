import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { Node, UserError } from '../graphql/common.types.ts';
import { Membership, RoleEnum, Team } from '../teams/team.types.ts';

export enum InvitationStateEnum {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(InvitationStateEnum, { name: 'InvitationState', description: 'PENDING until used, revoked or past expiresAt.' });

@ObjectType({ implements: Node, description: 'A link to join a team with a role: single use, expiring, revocable (only its hash is stored).' })
export class Invitation extends Node {
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => String, { description: 'A note for the team\'s admins (never shown to the invitee).' }) note!: string;
  @Field(() => InvitationStateEnum) state!: InvitationStateEnum;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  @Field(() => GraphQLDateTime) expiresAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true }) revokedAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true }) acceptedAt!: Date | null;
  rawId!: string;
  teamId!: string;
  createdById!: string;
  acceptedById!: string | null;
}

@ObjectType({ description: 'What the holder of an invitation link sees before signing in.' })
export class InvitationPreview {
  @Field(() => String) teamName!: string;
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => String, { nullable: true }) invitedBy!: string | null;
  @Field(() => GraphQLDateTime) expiresAt!: Date;
  @Field(() => InvitationStateEnum) state!: InvitationStateEnum;
}

@InputType()
export class CreateInvitationInput {
  @Field(() => ID) teamId!: string;
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => Int, { nullable: true, description: 'Hours the link stays valid, 1..720 (default 168: a week).' }) expiresInHours?: number | null;
  @Field(() => String, { nullable: true, description: 'A note for admins, at most 200 characters.' }) note?: string | null;
}

@ObjectType()
export class CreateInvitationPayload {
  @Field(() => Invitation, { nullable: true }) invitation?: Invitation | null;
  @Field(() => String, { nullable: true, description: 'The link\'s secret (swi_…), returned once: the link is <web app>/invite/<secret>.' }) secret?: string | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class InvitationPayload {
  @Field(() => Invitation, { nullable: true }) invitation?: Invitation | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class AcceptInvitationPayload {
  @Field(() => Membership, { nullable: true }) membership?: Membership | null;
  @Field(() => Team, { nullable: true }) team?: Team | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}
