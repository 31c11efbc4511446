// THE permission matrix: every team-scoped action, the least role a member needs, and the scope an
// API token needs. Services call `access.require(actor, action, teamId)`; nothing else decides.
// Documented in README.md ("Permission matrix"); graphql/operations.ts maps every GraphQL
// operation to one of these actions (a test fails when an operation has no entry).

export const ROLES = ['VIEWER', 'MEMBER', 'ADMIN', 'OWNER'] as const;
export type Role = (typeof ROLES)[number];
export const SCOPES = ['READ', 'GENERATE', 'ADMIN'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Rule {
  minRole: Role;
  /** Scope an API token needs; `null` means tokens may never do this (browser sessions only). */
  scope: Scope | null;
  description: string;
}

export const PERMISSIONS = {
  'team.read': { minRole: 'VIEWER', scope: 'READ', description: 'See the team, its members and projects' },
  'team.update': { minRole: 'ADMIN', scope: 'ADMIN', description: 'Rename the team, set the approval threshold' },
  'member.add': { minRole: 'ADMIN', scope: null, description: 'Add a member, or invite one with a link (expiring, single use, revocable)' },
  'member.changeRole': { minRole: 'ADMIN', scope: null, description: 'Change a member\'s role (owners only grant or remove OWNER)' },
  'member.remove': { minRole: 'ADMIN', scope: null, description: 'Remove a member (the last owner cannot be removed)' },
  'token.list': { minRole: 'MEMBER', scope: 'ADMIN', description: 'List the team\'s API tokens' },
  'token.create': { minRole: 'MEMBER', scope: null, description: 'Create an API token (scopes up to your own role)' },
  'token.revoke': { minRole: 'MEMBER', scope: 'ADMIN', description: 'Revoke a token (your own; admins: any)' },
  'project.read': { minRole: 'VIEWER', scope: 'READ', description: 'See projects and everything in them (distributions, cohorts, volumes, provenance) and download files' },
  'project.create': { minRole: 'MEMBER', scope: 'GENERATE', description: 'Create a project' },
  'project.update': { minRole: 'MEMBER', scope: 'GENERATE', description: 'Rename or describe a project' },
  'project.archive': { minRole: 'ADMIN', scope: 'ADMIN', description: 'Archive a project' },
  'distribution.write': { minRole: 'MEMBER', scope: 'GENERATE', description: 'Create condition distributions and new versions of them' },
  'cohort.request': { minRole: 'MEMBER', scope: 'GENERATE', description: 'Request a cohort (or a preview); large ones wait for approval' },
  'cohort.cancel': { minRole: 'MEMBER', scope: 'GENERATE', description: 'Cancel a cohort' },
  'cohort.retry': { minRole: 'MEMBER', scope: 'GENERATE', description: 'Retry failed volumes' },
  'cohort.approve': { minRole: 'ADMIN', scope: 'ADMIN', description: 'Approve or reject a cohort waiting for approval' },
  'volume.review': { minRole: 'MEMBER', scope: 'GENERATE', description: 'Accept or reject a generated volume' },
  'dataset.publish': { minRole: 'MEMBER', scope: 'GENERATE', description: 'Publish a dataset version from completed cohorts' },
  'dataset.tag': { minRole: 'MEMBER', scope: 'GENERATE', description: 'Move a dataset tag (v3, latest, approved) to a version' },
  'lineage.write': { minRole: 'MEMBER', scope: 'GENERATE', description: 'Register a training run that used dataset versions' },
  'webhook.manage': { minRole: 'ADMIN', scope: 'ADMIN', description: 'Create, list and remove webhooks; read their delivery log' },
  'audit.read': { minRole: 'ADMIN', scope: 'ADMIN', description: 'List and filter the audit log' },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof PERMISSIONS;

const RANK: Record<Role, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };
/** What a token scope implies: ADMIN covers GENERATE covers READ. */
const SCOPE_RANK: Record<Scope, number> = { READ: 0, GENERATE: 1, ADMIN: 2 };

export function roleAtLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}

export function scopesAllow(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.some((s) => SCOPE_RANK[s] >= SCOPE_RANK[needed]);
}

/** The highest scope a member of this role may put on a token. */
export function maxScopeForRole(role: Role): Scope {
  return role === 'VIEWER' ? 'READ' : role === 'MEMBER' ? 'GENERATE' : 'ADMIN';
}

export function scopeWithin(scope: Scope, max: Scope): boolean {
  return SCOPE_RANK[scope] <= SCOPE_RANK[max];
}

/** Every action a member with this role (or a token with these scopes) may do: what the UI offers. */
export function allowedActions(who: { role: Role } | { scopes: readonly Scope[] }): Action[] {
  return (Object.entries(PERMISSIONS) as [Action, Rule][])
    .filter(([, rule]) => ('role' in who ? roleAtLeast(who.role, rule.minRole) : rule.scope !== null && scopesAllow(who.scopes, rule.scope)))
    .map(([action]) => action);
}

/** The scopes a member with this role may put on a token. */
export function grantableScopes(role: Role): Scope[] {
  return SCOPES.filter((s) => scopeWithin(s, maxScopeForRole(role)));
}

/** GraphQL enum name of an action: "member.changeRole" -> "MEMBER_CHANGE_ROLE". */
export function actionEnumName(action: Action): string {
  return action.replace(/([a-z])([A-Z])/g, '$1_$2').replace('.', '_').toUpperCase();
}
