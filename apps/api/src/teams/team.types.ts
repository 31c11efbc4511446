import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionType, Node, UserError } from '../graphql/common.types.ts';
import { User } from '../auth/auth.types.ts';
import { actionEnumName, PERMISSIONS, type Action } from '../auth/permissions.ts';

export enum RoleEnum {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  MEMBER = 'MEMBER',
  VIEWER = 'VIEWER',
}
registerEnumType(RoleEnum, { name: 'Role', description: 'Team roles, from most to least powerful; see the permission matrix in README.md' });

/** The permission matrix's actions as a GraphQL enum (values are the matrix's names, e.g. project.create). */
export const TeamActionEnum = Object.fromEntries((Object.keys(PERMISSIONS) as Action[]).map((a) => [actionEnumName(a), a])) as Record<string, Action>;
registerEnumType(TeamActionEnum, {
  name: 'TeamAction',
  description: 'An action of the permission matrix (auth/permissions.ts; README "Permission matrix").',
  valuesConfig: Object.fromEntries((Object.keys(PERMISSIONS) as Action[]).map((a) => [actionEnumName(a), { description: `${a}: ${PERMISSIONS[a].description}` }])),
});

@ObjectType({ implements: Node })
export class Team extends Node {
  @Field(() => String) slug!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { nullable: true, description: 'Cohorts larger than this wait for an admin\'s approval.' })
  approvalThreshold!: number | null;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  rawId!: string;
}

@ObjectType({ implements: Node })
export class Membership extends Node {
  @Field(() => RoleEnum) role!: RoleEnum;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  rawId!: string;
  teamId!: string;
  userId!: string;
}

export const TeamConnection = ConnectionType(Team, 'Team');
export const MembershipConnection = ConnectionType(Membership, 'Membership');

@InputType()
export class CreateTeamInput {
  @Field(() => String) name!: string;
}

@InputType()
export class UpdateTeamInput {
  @Field(() => ID) teamId!: string;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => Int, { nullable: true }) approvalThreshold?: number | null;
}

@InputType()
export class AddMemberInput {
  @Field(() => ID) teamId!: string;
  @Field(() => String, { description: 'Email of an existing Slicewise account.' }) email!: string;
  @Field(() => RoleEnum) role!: RoleEnum;
}

@ObjectType()
export class TeamPayload {
  @Field(() => Team, { nullable: true }) team?: Team | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class MembershipPayload {
  @Field(() => Membership, { nullable: true }) membership?: Membership | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

export { User };
