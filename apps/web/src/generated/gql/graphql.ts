/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AddMemberInput = {
  /** Email of an existing Slicewise account. */
  email: string;
  role: Role;
  teamId: string | number;
};

export type AuditFilterInput = {
  action?: string | null | undefined;
  /** Global id of the acting user. */
  actorId?: string | number | null | undefined;
  since?: string | null | undefined;
  until?: string | null | undefined;
};

export type CreateApiTokenInput = {
  expiresAt?: string | null | undefined;
  name: string;
  scopes: Array<TokenScope>;
  teamId: string | number;
};

export type CreateProjectInput = {
  description?: string | null | undefined;
  name: string;
  teamId: string | number;
};

export type CreateTeamInput = {
  name: string;
};

/** Team roles, from most to least powerful; see the permission matrix in README.md */
export type Role =
  | 'ADMIN'
  | 'MEMBER'
  | 'OWNER'
  | 'VIEWER';

export type SignInInput = {
  email: string;
  password: string;
};

export type SignUpInput = {
  email: string;
  name: string;
  password: string;
};

/** API token scopes: READ < GENERATE < ADMIN (each includes the ones before) */
export type TokenScope =
  | 'ADMIN'
  | 'GENERATE'
  | 'READ';

export type UpdateProjectInput = {
  description?: string | null | undefined;
  name?: string | null | undefined;
  projectId: string | number;
};

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { id: string, name: string, email: string } | null, teams: { edges: Array<{ node: { id: string, name: string, slug: string, viewerRole: Role | null } }> } };

export type SignInMutationVariables = Exact<{
  input: SignInInput;
}>;


export type SignInMutation = { signIn: { user: { id: string, name: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { signUp: { user: { id: string, name: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type SignOutMutationVariables = Exact<{ [key: string]: never; }>;


export type SignOutMutation = { signOut: { ok: boolean, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type CreateTeamMutationVariables = Exact<{
  input: CreateTeamInput;
}>;


export type CreateTeamMutation = { createTeam: { team: { id: string, name: string, slug: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type TeamProjectsQueryVariables = Exact<{
  teamId: string | number;
}>;


export type TeamProjectsQuery = { team: { id: string, name: string, slug: string, viewerRole: Role | null, projects: { edges: Array<{ node: { id: string, name: string, slug: string, description: string, createdAt: string } }>, pageInfo: { hasNextPage: boolean } } } };

export type CreateProjectMutationVariables = Exact<{
  input: CreateProjectInput;
}>;


export type CreateProjectMutation = { createProject: { project: { id: string, name: string, slug: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type ProjectQueryVariables = Exact<{
  id: string | number;
}>;


export type ProjectQuery = { project: { id: string, name: string, slug: string, description: string, createdAt: string, archivedAt: string | null, team: { id: string, name: string, viewerRole: Role | null } | null } };

export type UpdateProjectMutationVariables = Exact<{
  input: UpdateProjectInput;
}>;


export type UpdateProjectMutation = { updateProject: { project: { id: string, name: string, description: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type TeamMembersQueryVariables = Exact<{
  teamId: string | number;
}>;


export type TeamMembersQuery = { viewer: { id: string } | null, team: { id: string, name: string, viewerRole: Role | null, members: { edges: Array<{ node: { id: string, role: Role, createdAt: string, user: { id: string, name: string, email: string } | null } }>, pageInfo: { hasNextPage: boolean } } } };

export type AddMemberMutationVariables = Exact<{
  input: AddMemberInput;
}>;


export type AddMemberMutation = { addMember: { membership: { id: string, role: Role } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type ChangeMemberRoleMutationVariables = Exact<{
  membershipId: string | number;
  role: Role;
}>;


export type ChangeMemberRoleMutation = { changeMemberRole: { membership: { id: string, role: Role } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type RemoveMemberMutationVariables = Exact<{
  membershipId: string | number;
}>;


export type RemoveMemberMutation = { removeMember: { membership: { id: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type ApiTokensQueryVariables = Exact<{
  teamId: string | number;
}>;


export type ApiTokensQuery = { viewer: { id: string } | null, team: { id: string, name: string, viewerRole: Role | null }, apiTokens: { edges: Array<{ node: { id: string, name: string, prefix: string, scopes: Array<TokenScope>, createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null, createdBy: { id: string, name: string } | null } }>, pageInfo: { hasNextPage: boolean } } };

export type CreateApiTokenMutationVariables = Exact<{
  input: CreateApiTokenInput;
}>;


export type CreateApiTokenMutation = { createApiToken: { secret: string | null, token: { id: string, name: string, prefix: string, scopes: Array<TokenScope> } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type RevokeApiTokenMutationVariables = Exact<{
  tokenId: string | number;
}>;


export type RevokeApiTokenMutation = { revokeApiToken: { token: { id: string, revokedAt: string | null } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type AuditEventsQueryVariables = Exact<{
  teamId: string | number;
  filter?: AuditFilterInput | null | undefined;
  after?: string | null | undefined;
}>;


export type AuditEventsQuery = { team: { id: string, name: string, viewerRole: Role | null, members: { edges: Array<{ node: { id: string, user: { id: string, name: string, email: string } | null } }> } }, auditEvents: { edges: Array<{ node: { id: string, action: string, createdAt: string, targetType: string, targetId: string | null, requestId: string | null, data: Record<string, unknown>, actor: { id: string, name: string, email: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const ViewerDocument = new TypedDocumentString(`
    query Viewer {
  viewer {
    id
    name
    email
  }
  teams(first: 100) {
    edges {
      node {
        id
        name
        slug
        viewerRole
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ViewerQuery, ViewerQueryVariables>;
export const SignInDocument = new TypedDocumentString(`
    mutation SignIn($input: SignInInput!) {
  signIn(input: $input) {
    user {
      id
      name
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<SignInMutation, SignInMutationVariables>;
export const SignUpDocument = new TypedDocumentString(`
    mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    user {
      id
      name
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<SignUpMutation, SignUpMutationVariables>;
export const SignOutDocument = new TypedDocumentString(`
    mutation SignOut {
  signOut {
    ok
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<SignOutMutation, SignOutMutationVariables>;
export const CreateTeamDocument = new TypedDocumentString(`
    mutation CreateTeam($input: CreateTeamInput!) {
  createTeam(input: $input) {
    team {
      id
      name
      slug
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<CreateTeamMutation, CreateTeamMutationVariables>;
export const TeamProjectsDocument = new TypedDocumentString(`
    query TeamProjects($teamId: ID!) {
  team(id: $teamId) {
    id
    name
    slug
    viewerRole
    projects(first: 100) {
      edges {
        node {
          id
          name
          slug
          description
          createdAt
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
}
    `) as unknown as TypedDocumentString<TeamProjectsQuery, TeamProjectsQueryVariables>;
export const CreateProjectDocument = new TypedDocumentString(`
    mutation CreateProject($input: CreateProjectInput!) {
  createProject(input: $input) {
    project {
      id
      name
      slug
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<CreateProjectMutation, CreateProjectMutationVariables>;
export const ProjectDocument = new TypedDocumentString(`
    query Project($id: ID!) {
  project(id: $id) {
    id
    name
    slug
    description
    createdAt
    archivedAt
    team {
      id
      name
      viewerRole
    }
  }
}
    `) as unknown as TypedDocumentString<ProjectQuery, ProjectQueryVariables>;
export const UpdateProjectDocument = new TypedDocumentString(`
    mutation UpdateProject($input: UpdateProjectInput!) {
  updateProject(input: $input) {
    project {
      id
      name
      description
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<UpdateProjectMutation, UpdateProjectMutationVariables>;
export const TeamMembersDocument = new TypedDocumentString(`
    query TeamMembers($teamId: ID!) {
  viewer {
    id
  }
  team(id: $teamId) {
    id
    name
    viewerRole
    members(first: 100) {
      edges {
        node {
          id
          role
          createdAt
          user {
            id
            name
            email
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
}
    `) as unknown as TypedDocumentString<TeamMembersQuery, TeamMembersQueryVariables>;
export const AddMemberDocument = new TypedDocumentString(`
    mutation AddMember($input: AddMemberInput!) {
  addMember(input: $input) {
    membership {
      id
      role
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<AddMemberMutation, AddMemberMutationVariables>;
export const ChangeMemberRoleDocument = new TypedDocumentString(`
    mutation ChangeMemberRole($membershipId: ID!, $role: Role!) {
  changeMemberRole(membershipId: $membershipId, role: $role) {
    membership {
      id
      role
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<ChangeMemberRoleMutation, ChangeMemberRoleMutationVariables>;
export const RemoveMemberDocument = new TypedDocumentString(`
    mutation RemoveMember($membershipId: ID!) {
  removeMember(membershipId: $membershipId) {
    membership {
      id
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<RemoveMemberMutation, RemoveMemberMutationVariables>;
export const ApiTokensDocument = new TypedDocumentString(`
    query ApiTokens($teamId: ID!) {
  viewer {
    id
  }
  team(id: $teamId) {
    id
    name
    viewerRole
  }
  apiTokens(teamId: $teamId, first: 100) {
    edges {
      node {
        id
        name
        prefix
        scopes
        createdAt
        lastUsedAt
        expiresAt
        revokedAt
        createdBy {
          id
          name
        }
      }
    }
    pageInfo {
      hasNextPage
    }
  }
}
    `) as unknown as TypedDocumentString<ApiTokensQuery, ApiTokensQueryVariables>;
export const CreateApiTokenDocument = new TypedDocumentString(`
    mutation CreateApiToken($input: CreateApiTokenInput!) {
  createApiToken(input: $input) {
    secret
    token {
      id
      name
      prefix
      scopes
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<CreateApiTokenMutation, CreateApiTokenMutationVariables>;
export const RevokeApiTokenDocument = new TypedDocumentString(`
    mutation RevokeApiToken($tokenId: ID!) {
  revokeApiToken(tokenId: $tokenId) {
    token {
      id
      revokedAt
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<RevokeApiTokenMutation, RevokeApiTokenMutationVariables>;
export const AuditEventsDocument = new TypedDocumentString(`
    query AuditEvents($teamId: ID!, $filter: AuditFilterInput, $after: String) {
  team(id: $teamId) {
    id
    name
    viewerRole
    members(first: 100) {
      edges {
        node {
          id
          user {
            id
            name
            email
          }
        }
      }
    }
  }
  auditEvents(teamId: $teamId, filter: $filter, first: 50, after: $after) {
    edges {
      node {
        id
        action
        createdAt
        targetType
        targetId
        requestId
        data
        actor {
          id
          name
          email
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<AuditEventsQuery, AuditEventsQueryVariables>;