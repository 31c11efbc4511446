import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionType, Node, UserError } from '../graphql/common.types.ts';

@ObjectType({ implements: Node })
export class Project extends Node {
  @Field(() => String) slug!: string;
  @Field(() => String) name!: string;
  @Field(() => String) description!: string;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  @Field(() => GraphQLDateTime, { nullable: true }) archivedAt!: Date | null;
  rawId!: string;
  teamId!: string;
}

export const ProjectConnection = ConnectionType(Project, 'Project');

@InputType()
export class CreateProjectInput {
  @Field(() => ID) teamId!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType()
export class UpdateProjectInput {
  @Field(() => ID) projectId!: string;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@ObjectType()
export class ProjectPayload {
  @Field(() => Project, { nullable: true }) project?: Project | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}
