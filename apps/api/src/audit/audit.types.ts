import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSONObject } from 'graphql-scalars';
import { ConnectionType, Node } from '../graphql/common.types.ts';

@ObjectType({ implements: Node })
export class AuditEvent extends Node {
  @Field(() => String, { description: 'e.g. project.create, member.changeRole' }) action!: string;
  @Field(() => String) targetType!: string;
  @Field(() => String, { nullable: true }) targetId!: string | null;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => String, { nullable: true, description: 'The API token used, if any (raw id).' }) actorTokenId!: string | null;
  @Field(() => GraphQLJSONObject) data!: Record<string, unknown>;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  actorUserId!: string | null;
  rawId!: string;
}

export const AuditEventConnection = ConnectionType(AuditEvent, 'AuditEvent');

@InputType()
export class AuditFilterInput {
  @Field(() => ID, { nullable: true, description: 'Global id of the acting user.' }) actorId?: string | null;
  @Field(() => String, { nullable: true }) action?: string | null;
  @Field(() => GraphQLDateTime, { nullable: true }) since?: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true }) until?: Date | null;
}
