// Row -> GraphQL object mappers (global IDs are made here, nowhere else).
import type { TokenRow, UserRow } from '../auth/auth.repository.ts';
import { ApiToken, TokenScopeEnum, User } from '../auth/auth.types.ts';
import type { AuditRow } from '../audit/audit.repository.ts';
import { AuditEvent } from '../audit/audit.types.ts';
import type { ProjectRow } from '../projects/project.repository.ts';
import { Project } from '../projects/project.types.ts';
import type { MembershipRow, TeamRow } from '../teams/team.repository.ts';
import { Membership, RoleEnum, Team } from '../teams/team.types.ts';
import { toGlobalId } from './relay.ts';

export const userNode = (r: UserRow): User => Object.assign(new User(), { id: toGlobalId('User', r.id), rawId: r.id, email: r.email, name: r.name, createdAt: r.createdAt });
export const teamNode = (r: TeamRow): Team =>
  Object.assign(new Team(), { id: toGlobalId('Team', r.id), rawId: r.id, slug: r.slug, name: r.name, approvalThreshold: r.approvalThreshold, createdAt: r.createdAt });
export const membershipNode = (r: MembershipRow): Membership =>
  Object.assign(new Membership(), { id: toGlobalId('Membership', r.id), rawId: r.id, role: r.role as RoleEnum, createdAt: r.createdAt, teamId: r.teamId, userId: r.userId });
export const projectNode = (r: ProjectRow): Project =>
  Object.assign(new Project(), {
    id: toGlobalId('Project', r.id),
    rawId: r.id,
    teamId: r.teamId,
    slug: r.slug,
    name: r.name,
    description: r.description,
    createdAt: r.createdAt,
    archivedAt: r.archivedAt,
  });
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
export const auditNode = (r: AuditRow): AuditEvent =>
  Object.assign(new AuditEvent(), {
    id: toGlobalId('AuditEvent', r.id.toString()),
    rawId: r.id.toString(),
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    requestId: r.requestId,
    actorTokenId: r.actorTokenId,
    actorUserId: r.actorUserId,
    data: r.data,
    createdAt: r.createdAt,
  });
