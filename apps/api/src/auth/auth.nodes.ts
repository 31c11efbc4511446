// Row -> GraphQL object mappers of this feature (global IDs are made with graphql/relay.ts toGlobalId).
import type { TokenRow, UserRow } from './auth.repository.ts';
import { ApiToken, TokenScopeEnum, User } from './auth.types.ts';
import { toGlobalId } from '../graphql/relay.ts';

export const userNode = (r: UserRow): User => Object.assign(new User(), { id: toGlobalId('User', r.id), rawId: r.id, email: r.email, name: r.name, createdAt: r.createdAt });

export const tokenNode = (r: TokenRow): ApiToken =>
  Object.assign(new ApiToken(), {
    id: toGlobalId('ApiToken', r.id),
    rawId: r.id,
    teamId: r.teamId,
    createdById: r.createdById,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes as TokenScopeEnum[],
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
    lastUsedAt: r.lastUsedAt,
    createdAt: r.createdAt,
  });
