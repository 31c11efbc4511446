import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { Node, UserError } from '../graphql/common.types.ts';
import { SCOPES } from './permissions.ts';

export enum TokenScopeEnum {
  READ = 'READ',
  GENERATE = 'GENERATE',
  ADMIN = 'ADMIN',
}
registerEnumType(TokenScopeEnum, { name: 'TokenScope', description: `API token scopes: ${SCOPES.join(' < ')} (each includes the ones before)` });

@ObjectType({ implements: Node })
export class User extends Node {
  @Field(() => String) email!: string;
  @Field(() => String) name!: string;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  rawId!: string;
}

@InputType()
export class SignUpInput {
  @Field(() => String) email!: string;
  @Field(() => String) password!: string;
  @Field(() => String) name!: string;
}

@InputType()
export class SignInInput {
  @Field(() => String) email!: string;
  @Field(() => String) password!: string;
}

@ObjectType()
export class AuthPayload {
  @Field(() => User, { nullable: true }) user?: User | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class SignOutPayload {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType({ implements: Node })
export class ApiToken extends Node {
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'The first characters of the secret, to tell tokens apart.' }) prefix!: string;
  @Field(() => [TokenScopeEnum]) scopes!: TokenScopeEnum[];
  @Field(() => GraphQLDateTime, { nullable: true }) expiresAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true }) revokedAt!: Date | null;
  @Field(() => GraphQLDateTime, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => GraphQLDateTime) createdAt!: Date;
  rawId!: string;
  createdById!: string;
  teamId!: string;
}

@InputType()
export class CreateApiTokenInput {
  @Field(() => ID) teamId!: string;
  @Field(() => String) name!: string;
  @Field(() => [TokenScopeEnum]) scopes!: TokenScopeEnum[];
  @Field(() => GraphQLDateTime, { nullable: true }) expiresAt?: Date | null;
}

@ObjectType()
export class CreateApiTokenPayload {
  @Field(() => ApiToken, { nullable: true }) token?: ApiToken | null;
  @Field(() => String, { nullable: true, description: 'The secret, shown once: send it as "Authorization: Bearer <secret>".' })
  secret?: string | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType()
export class RevokeApiTokenPayload {
  @Field(() => ApiToken, { nullable: true }) token?: ApiToken | null;
  @Field(() => [UserError]) userErrors!: UserError[];
}
