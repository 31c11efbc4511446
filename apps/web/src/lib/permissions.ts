// Which buttons to show: the API sends what the caller may do in a team (Team.viewerPermissions, the
// permission matrix of apps/api/src/auth/permissions.ts applied to your role), so the web keeps no copy
// of the matrix. The API still checks every operation.
import { Role, TeamAction } from '@/generated/gql/graphql';

export type Permissions = readonly TeamAction[] | null | undefined;

export const can = (permissions: Permissions, action: TeamAction): boolean => !!permissions?.includes(action);
export { TeamAction };

/** How roles are shown, most powerful first (the order only: what each may do comes from the API). */
const ROLE_DISPLAY: Record<Role, { label: string; rank: number }> = {
  OWNER: { label: 'Owner', rank: 0 },
  ADMIN: { label: 'Admin', rank: 1 },
  MEMBER: { label: 'Member', rank: 2 },
  VIEWER: { label: 'Viewer', rank: 3 },
};

/** Every role of the schema's Role enum, most powerful first. */
export const ROLES: Role[] = (Object.values(Role) as Role[]).sort((a, b) => ROLE_DISPLAY[a].rank - ROLE_DISPLAY[b].rank);
export const roleLabel = (r: Role): string => ROLE_DISPLAY[r].label;
export const roleOptions = ROLES.map((r) => ({ value: r, label: roleLabel(r) }));
