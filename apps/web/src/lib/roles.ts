// What the UI offers per role. The API decides (apps/api/src/auth/permissions.ts); these only hide
// buttons that would be refused, and must agree with that matrix.
import type { Role, TokenScope } from '@/generated/gql/graphql';

const RANK: Record<Role, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };

export const ROLE_ORDER: Role[] = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'];
export const roleAtLeast = (role: Role | null | undefined, min: Role): boolean => role != null && RANK[role] >= RANK[min];

export const can = {
  createProject: (r: Role | null | undefined) => roleAtLeast(r, 'MEMBER'),
  updateProject: (r: Role | null | undefined) => roleAtLeast(r, 'MEMBER'),
  manageMembers: (r: Role | null | undefined) => roleAtLeast(r, 'ADMIN'),
  useTokens: (r: Role | null | undefined) => roleAtLeast(r, 'MEMBER'),
  readAudit: (r: Role | null | undefined) => roleAtLeast(r, 'ADMIN'),
  /** team.update: rename the team, set the approval threshold. */
  updateTeam: (r: Role | null | undefined) => roleAtLeast(r, 'ADMIN'),
  /** webhook.manage: create, list and remove webhooks; read their delivery log. */
  manageWebhooks: (r: Role | null | undefined) => roleAtLeast(r, 'ADMIN'),
};

/** The highest scope a member of this role may give a token (READ < GENERATE < ADMIN). */
export function scopesForRole(role: Role | null | undefined): TokenScope[] {
  if (roleAtLeast(role, 'ADMIN')) return ['READ', 'GENERATE', 'ADMIN'];
  if (roleAtLeast(role, 'MEMBER')) return ['READ', 'GENERATE'];
  return ['READ'];
}

export const roleLabel = (r: Role) => r.charAt(0) + r.slice(1).toLowerCase();
