/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AddDistributionVersionInput = {
  distributionId: string | number;
  modelId: string | number;
  spec: Record<string, unknown>;
};

export type AddMemberInput = {
  /** Email of an existing Slicewise account. */
  email: string;
  role: Role;
  teamId: string | number;
};

/** How an attempt ended: FAILED uses the retry budget; INTERRUPTED (worker lost, killed or cut off, shutdown) does not; SUPERSEDED finished after its claim was taken over and recorded nothing. */
export const AttemptOutcome = {
  Cancelled: 'CANCELLED',
  Failed: 'FAILED',
  Interrupted: 'INTERRUPTED',
  Running: 'RUNNING',
  Succeeded: 'SUCCEEDED',
  Superseded: 'SUPERSEDED'
} as const;

export type AttemptOutcome = typeof AttemptOutcome[keyof typeof AttemptOutcome];
export type AuditFilterInput = {
  action?: string | null | undefined;
  /** Global id of the acting user. */
  actorId?: string | number | null | undefined;
  since?: string | null | undefined;
  until?: string | null | undefined;
};

export const CohortStatus = {
  AwaitingApproval: 'AWAITING_APPROVAL',
  Cancelled: 'CANCELLED',
  Completed: 'COMPLETED',
  Failed: 'FAILED',
  Queued: 'QUEUED',
  Rejected: 'REJECTED',
  Running: 'RUNNING'
} as const;

export type CohortStatus = typeof CohortStatus[keyof typeof CohortStatus];
export type CreateApiTokenInput = {
  expiresAt?: string | null | undefined;
  name: string;
  scopes: Array<TokenScope>;
  teamId: string | number;
};

export type CreateDistributionInput = {
  description?: string | null | undefined;
  /** The model whose conditioning the spec is validated against. */
  modelId: string | number;
  name: string;
  projectId: string | number;
  spec: Record<string, unknown>;
};

export type CreateEmpiricalDistributionInput = {
  /** Kernel jitter as a fraction of each parameter's spread (default 0.25). */
  bandwidth?: number | null | undefined;
  description?: string | null | undefined;
  modelId: string | number;
  name: string;
  projectId: string | number;
  /** Reference masks uploaded to POST /uploads/projects/:projectId/reference-masks. */
  referenceFileIds: Array<string | number>;
};

export type CreateInvitationInput = {
  /** Hours the link stays valid, 1..720 (default 168: a week). */
  expiresInHours?: number | null | undefined;
  /** A note for admins, at most 200 characters. */
  note?: string | null | undefined;
  role: Role;
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

export type CreateWebhookInput = {
  events: Array<string>;
  teamId: string | number;
  url: string;
};

export type FeatureToleranceInput = {
  /** Largest accepted |measured - requested|, in [0, 10] (normalised units). */
  abs: number;
  /** Feature name (Model.conditioning feature_names). */
  feature: string;
};

/** PENDING until used, revoked or past expiresAt. */
export const InvitationState = {
  Accepted: 'ACCEPTED',
  Expired: 'EXPIRED',
  Pending: 'PENDING',
  Revoked: 'REVOKED'
} as const;

export type InvitationState = typeof InvitationState[keyof typeof InvitationState];
/** production: offered first; demo: works, with known weaknesses; test-fixture: for tests, never offered in the web app. */
export const ModelPurpose = {
  Demo: 'DEMO',
  Production: 'PRODUCTION',
  TestFixture: 'TEST_FIXTURE'
} as const;

export type ModelPurpose = typeof ModelPurpose[keyof typeof ModelPurpose];
export type PublishDatasetVersionInput = {
  /** Completed cohorts to take volumes from. */
  cohortIds: Array<string | number>;
  /** Dataset name (default "main"). */
  dataset?: string | null | undefined;
  description?: string | null | undefined;
  /** Only volumes accepted in review. */
  onlyAccepted?: boolean | null | undefined;
  projectId: string | number;
  /** Include volumes that failed quality control (left out by default), with the reason: recorded in the audit log, the manifest and the Croissant RAI fields. */
  qcWaiver?: string | null | undefined;
  /** Tags to point at the version (moved if they exist). */
  tags?: Array<string> | null | undefined;
  /** Restrict to these volumes. */
  volumeIds?: Array<string | number> | null | undefined;
};

/** Overrides of the model's quality control; unset fields keep the model's. */
export type QcSettingsInput = {
  /** false: generate without checking (recorded as not run). */
  enabled?: boolean | null | undefined;
  /** 1..10 generations per volume before QC_FAILED. */
  maxTries?: number | null | undefined;
  tolerances?: Array<FeatureToleranceInput> | null | undefined;
};

export const QcStatus = {
  Failed: 'FAILED',
  NotRun: 'NOT_RUN',
  Passed: 'PASSED'
} as const;

export type QcStatus = typeof QcStatus[keyof typeof QcStatus];
export type RequestCohortInput = {
  distributionVersionId: string | number;
  modelId: string | number;
  name?: string | null | undefined;
  /** A preview: a handful of volumes served ahead of bulk work. */
  preview?: boolean | null | undefined;
  projectId: string | number;
  /** Overrides of the model's quality control (Model.qcDefaults): tries per volume, tolerances, or off. */
  qc?: QcSettingsInput | null | undefined;
  /** Overrides of the model's default sampler settings (Model.samplerDefaults, limits in Model.samplerLimits). */
  sampler?: SamplerSettingsInput | null | undefined;
  /** 0..2^31-1; random when omitted (and shown on the cohort). */
  seed?: number | null | undefined;
  /** Number of subjects (quota: see README). */
  size: number;
};

export const ReviewState = {
  Accepted: 'ACCEPTED',
  Rejected: 'REJECTED',
  Unreviewed: 'UNREVIEWED'
} as const;

export type ReviewState = typeof ReviewState[keyof typeof ReviewState];
/** Team roles, from most to least powerful; see the permission matrix in README.md */
export const Role = {
  Admin: 'ADMIN',
  Member: 'MEMBER',
  Owner: 'OWNER',
  Viewer: 'VIEWER'
} as const;

export type Role = typeof Role[keyof typeof Role];
/** Diffusion sampler (the model declares its default). */
export const Sampler = {
  Ddim: 'DDIM',
  Ddpm: 'DDPM',
  Dpmpp_2M: 'DPMPP_2M',
  Unipc: 'UNIPC'
} as const;

export type Sampler = typeof Sampler[keyof typeof Sampler];
/** Overrides of the model's default sampler settings; unset fields keep the default. */
export type SamplerSettingsInput = {
  /** DDIM eta in [0, 1]. */
  eta?: number | null | undefined;
  /** Unset: the model's default; []: guidance at every step; [tLo, tHi]: guidance only while tLo <= t <= tHi (training timesteps, inclusive). */
  guidanceInterval?: Array<number> | null | undefined;
  /** Guidance scale in [0, 20]. */
  guidanceScale?: number | null | undefined;
  /** 1..the model's training timesteps. */
  numInferenceSteps?: number | null | undefined;
  sampler?: Sampler | null | undefined;
};

export type SignInInput = {
  email: string;
  password: string;
};

export type SignUpInput = {
  email: string;
  name: string;
  password: string;
};

/** An action of the permission matrix (auth/permissions.ts; README "Permission matrix"). */
export const TeamAction = {
  /** audit.read: List and filter the audit log */
  AuditRead: 'AUDIT_READ',
  /** cohort.approve: Approve or reject a cohort waiting for approval */
  CohortApprove: 'COHORT_APPROVE',
  /** cohort.cancel: Cancel a cohort */
  CohortCancel: 'COHORT_CANCEL',
  /** cohort.request: Request a cohort (or a preview); large ones wait for approval */
  CohortRequest: 'COHORT_REQUEST',
  /** cohort.retry: Retry failed volumes */
  CohortRetry: 'COHORT_RETRY',
  /** dataset.publish: Publish a dataset version from completed cohorts */
  DatasetPublish: 'DATASET_PUBLISH',
  /** dataset.tag: Move a dataset tag (v3, latest, approved) to a version */
  DatasetTag: 'DATASET_TAG',
  /** distribution.write: Create condition distributions and new versions of them */
  DistributionWrite: 'DISTRIBUTION_WRITE',
  /** lineage.write: Register a training run that used dataset versions */
  LineageWrite: 'LINEAGE_WRITE',
  /** member.add: Add a member, or invite one with a link (expiring, single use, revocable) */
  MemberAdd: 'MEMBER_ADD',
  /** member.changeRole: Change a member's role (owners only grant or remove OWNER) */
  MemberChangeRole: 'MEMBER_CHANGE_ROLE',
  /** member.remove: Remove a member (the last owner cannot be removed) */
  MemberRemove: 'MEMBER_REMOVE',
  /** project.archive: Archive a project */
  ProjectArchive: 'PROJECT_ARCHIVE',
  /** project.create: Create a project */
  ProjectCreate: 'PROJECT_CREATE',
  /** project.read: See projects and everything in them (distributions, cohorts, volumes, provenance) and download files */
  ProjectRead: 'PROJECT_READ',
  /** project.update: Rename or describe a project */
  ProjectUpdate: 'PROJECT_UPDATE',
  /** team.read: See the team, its members and projects */
  TeamRead: 'TEAM_READ',
  /** team.update: Rename the team, set the approval threshold */
  TeamUpdate: 'TEAM_UPDATE',
  /** token.create: Create an API token (scopes up to your own role) */
  TokenCreate: 'TOKEN_CREATE',
  /** token.list: List the team's API tokens */
  TokenList: 'TOKEN_LIST',
  /** token.revoke: Revoke a token (your own; admins: any) */
  TokenRevoke: 'TOKEN_REVOKE',
  /** volume.review: Accept or reject a generated volume */
  VolumeReview: 'VOLUME_REVIEW',
  /** webhook.manage: Create, list and remove webhooks; read their delivery log */
  WebhookManage: 'WEBHOOK_MANAGE'
} as const;

export type TeamAction = typeof TeamAction[keyof typeof TeamAction];
/** How inference timesteps are spaced over the training schedule (diffusers). */
export const TimestepSpacing = {
  Leading: 'LEADING',
  Trailing: 'TRAILING'
} as const;

export type TimestepSpacing = typeof TimestepSpacing[keyof typeof TimestepSpacing];
/** API token scopes: READ < GENERATE < ADMIN (each includes the ones before) */
export const TokenScope = {
  Admin: 'ADMIN',
  Generate: 'GENERATE',
  Read: 'READ'
} as const;

export type TokenScope = typeof TokenScope[keyof typeof TokenScope];
export type UpdateProjectInput = {
  description?: string | null | undefined;
  name?: string | null | undefined;
  projectId: string | number;
};

export type UpdateTeamInput = {
  approvalThreshold?: number | null | undefined;
  name?: string | null | undefined;
  teamId: string | number;
};

export const VolumeStatus = {
  Cancelled: 'CANCELLED',
  Failed: 'FAILED',
  Pending: 'PENDING',
  QcFailed: 'QC_FAILED',
  Running: 'RUNNING',
  Succeeded: 'SUCCEEDED'
} as const;

export type VolumeStatus = typeof VolumeStatus[keyof typeof VolumeStatus];
export type TeamAccessFragment = { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction> };

export type ViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type ViewerQuery = { viewer: { id: string, name: string, email: string } | null, teams: { edges: Array<{ node: { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction> } }> } };

export type InstanceQueryVariables = Exact<{ [key: string]: never; }>;


export type InstanceQuery = { instance: { maxCohortSize: number, maxPreviewSize: number, demoAccount: { email: string, password: string } | null } };

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


export type TeamProjectsQuery = { team: { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction>, projects: { edges: Array<{ node: { id: string, name: string, slug: string, description: string, createdAt: string } }>, pageInfo: { hasNextPage: boolean } } } };

export type CreateProjectMutationVariables = Exact<{
  input: CreateProjectInput;
}>;


export type CreateProjectMutation = { createProject: { project: { id: string, name: string, slug: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type ProjectQueryVariables = Exact<{
  id: string | number;
}>;


export type ProjectQuery = { project: { id: string, name: string, slug: string, description: string, createdAt: string, archivedAt: string | null, team: { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction> } | null } };

export type UpdateProjectMutationVariables = Exact<{
  input: UpdateProjectInput;
}>;


export type UpdateProjectMutation = { updateProject: { project: { id: string, name: string, description: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type TeamMembersQueryVariables = Exact<{
  teamId: string | number;
}>;


export type TeamMembersQuery = { viewer: { id: string } | null, team: { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction>, members: { edges: Array<{ node: { id: string, role: Role, createdAt: string, user: { id: string, name: string, email: string } | null } }>, pageInfo: { hasNextPage: boolean } } } };

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

export type TeamInvitationsQueryVariables = Exact<{
  teamId: string | number;
}>;


export type TeamInvitationsQuery = { team: { id: string, invitations: Array<{ id: string, role: Role, note: string, state: InvitationState, createdAt: string, expiresAt: string, revokedAt: string | null, acceptedAt: string | null, createdBy: { id: string, name: string } | null, acceptedBy: { id: string, name: string, email: string } | null }> } };

export type CreateInvitationMutationVariables = Exact<{
  input: CreateInvitationInput;
}>;


export type CreateInvitationMutation = { createInvitation: { secret: string | null, invitation: { id: string, role: Role, state: InvitationState, expiresAt: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type RevokeInvitationMutationVariables = Exact<{
  invitationId: string | number;
}>;


export type RevokeInvitationMutation = { revokeInvitation: { invitation: { id: string, state: InvitationState, revokedAt: string | null } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type InvitationPreviewQueryVariables = Exact<{
  secret: string;
}>;


export type InvitationPreviewQuery = { viewer: { id: string, name: string, email: string } | null, invitationPreview: { teamName: string, role: Role, invitedBy: string | null, expiresAt: string, state: InvitationState } | null };

export type AcceptInvitationMutationVariables = Exact<{
  secret: string;
}>;


export type AcceptInvitationMutation = { acceptInvitation: { team: { id: string, name: string } | null, membership: { id: string, role: Role } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type ApiTokensQueryVariables = Exact<{
  teamId: string | number;
}>;


export type ApiTokensQuery = { viewer: { id: string } | null, team: { viewerTokenScopes: Array<TokenScope>, id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction> }, apiTokens: { edges: Array<{ node: { id: string, name: string, prefix: string, scopes: Array<TokenScope>, createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null, createdBy: { id: string, name: string } | null } }>, pageInfo: { hasNextPage: boolean } } };

export type CreateApiTokenMutationVariables = Exact<{
  input: CreateApiTokenInput;
}>;


export type CreateApiTokenMutation = { createApiToken: { secret: string | null, token: { id: string, name: string, prefix: string, scopes: Array<TokenScope> } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type RevokeApiTokenMutationVariables = Exact<{
  tokenId: string | number;
}>;


export type RevokeApiTokenMutation = { revokeApiToken: { token: { id: string, revokedAt: string | null } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type TeamSettingsQueryVariables = Exact<{
  teamId: string | number;
}>;


export type TeamSettingsQuery = { team: { approvalThreshold: number | null, createdAt: string, id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction> }, webhookEvents: Array<{ name: string, description: string }> };

export type UpdateTeamMutationVariables = Exact<{
  input: UpdateTeamInput;
}>;


export type UpdateTeamMutation = { updateTeam: { team: { id: string, name: string, approvalThreshold: number | null } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type WebhooksQueryVariables = Exact<{
  teamId: string | number;
  deliveries: number;
}>;


export type WebhooksQuery = { webhooks: Array<{ id: string, url: string, events: Array<string>, active: boolean, createdAt: string, deliveries: Array<{ id: string, event: string, status: string, attempts: number, responseCode: number | null, lastError: string | null, createdAt: string, deliveredAt: string | null }> }> };

export type CreateWebhookMutationVariables = Exact<{
  input: CreateWebhookInput;
}>;


export type CreateWebhookMutation = { createWebhook: { secret: string | null, webhook: { id: string, url: string, events: Array<string>, active: boolean } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type DeleteWebhookMutationVariables = Exact<{
  webhookId: string | number;
}>;


export type DeleteWebhookMutation = { deleteWebhook: { webhook: { id: string, active: boolean } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type AuditEventsQueryVariables = Exact<{
  teamId: string | number;
  filter?: AuditFilterInput | null | undefined;
  after?: string | null | undefined;
}>;


export type AuditEventsQuery = { team: { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction>, members: { edges: Array<{ node: { id: string, user: { id: string, name: string, email: string } | null } }> } }, auditEvents: { edges: Array<{ node: { id: string, action: string, createdAt: string, targetType: string, targetId: string | null, requestId: string | null, data: Record<string, unknown>, actor: { id: string, name: string, email: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ProjectOverviewQueryVariables = Exact<{
  id: string | number;
}>;


export type ProjectOverviewQuery = { project: { id: string, name: string, slug: string, description: string, createdAt: string, archivedAt: string | null, team: { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction> } | null, distributions: { edges: Array<{ node: { id: string, name: string, description: string, createdAt: string, latestVersion: { id: string, version: number, createdAt: string, usedByCohorts: number } | null } }>, pageInfo: { hasNextPage: boolean } }, cohorts: { edges: Array<{ node: { id: string, name: string, size: number, status: CohortStatus, createdAt: string, seed: string, isPreview: boolean, progress: { total: number, done: number, failed: number, qcFailed: number, running: number, pending: number, cancelled: number } } }>, pageInfo: { hasNextPage: boolean } } } };

export type ModelUnitsFragment = { id: string, name: string, version: string, volumeShapeDhw: Array<number>, anatomicalSpacingMm: Array<number>, physicalUnits: Array<{ feature: string, unit: string, scale: number, approximate: boolean }> };

export type ModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelsQuery = { models: Array<{ description: string | null, spacingMm: Array<number>, conditioning: Record<string, unknown>, throughputBasis: string, purpose: ModelPurpose, isDefault: boolean, metrics: Record<string, unknown> | null, id: string, name: string, version: string, volumeShapeDhw: Array<number>, anatomicalSpacingMm: Array<number>, samplerDefaults: { sampler: Sampler, numInferenceSteps: number, eta: number, guidanceScale: number, timestepSpacing: TimestepSpacing, stepsOffset: number, setAlphaToOne: boolean, guidanceInterval: Array<number> | null }, samplerLimits: { samplers: Array<Sampler>, minInferenceSteps: number, maxInferenceSteps: number, eta: Array<number>, guidanceScale: Array<number>, guidance: boolean, guidanceIntervalRange: Array<number> }, brainProjection: { width: number, height: number, rows: Array<string> } | null, qcDefaults: { enabled: boolean, disabledReason: string | null, maxTries: number, minTumourVoxels: number, tolerances: Array<{ feature: string, abs: number }>, brainOutline: { minDice: number, imageThreshold: number } | null, intensity: { percentiles: Array<number>, ranges: Array<Array<number>> } | null }, calibration: { version: number, method: string, features: Array<string>, fittedOn: Record<string, unknown>, effect: Record<string, unknown> | null } | null, physicalUnits: Array<{ feature: string, unit: string, scale: number, approximate: boolean }> }> };

export type QcSettingsFieldsFragment = { enabled: boolean, disabledReason: string | null, maxTries: number, minTumourVoxels: number, tolerances: Array<{ feature: string, abs: number }>, brainOutline: { minDice: number, imageThreshold: number } | null, intensity: { percentiles: Array<number>, ranges: Array<Array<number>> } | null };

export type VolumeQcFieldsFragment = { status: QcStatus, reasons: Array<string>, acceptedTry: number, notRunReason: string | null, tries: Array<{ index: number, noiseKey: number, rng: string, passed: boolean, measured: Array<number> | null, checks: Array<{ name: string, passed: boolean, measured: number | null, limit: string, reason: string | null }> }> };

export type PreviewDistributionQueryVariables = Exact<{
  modelId: string | number;
  spec: Record<string, unknown>;
  n: number;
  seed: number;
}>;


export type PreviewDistributionQuery = { previewDistribution: { n: number, seed: number, millis: number | null, histograms: unknown, rejections: unknown, vectors: unknown, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type CreateDistributionMutationVariables = Exact<{
  input: CreateDistributionInput;
}>;


export type CreateDistributionMutation = { createDistribution: { distribution: { id: string, name: string } | null, version: { id: string, version: number } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type AddDistributionVersionMutationVariables = Exact<{
  input: AddDistributionVersionInput;
}>;


export type AddDistributionVersionMutation = { addDistributionVersion: { distribution: { id: string } | null, version: { id: string, version: number } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type DistributionQueryVariables = Exact<{
  id: string | number;
}>;


export type DistributionQuery = { distribution: { id: string, name: string, description: string, createdAt: string, latestVersion: { id: string, version: number, spec: Record<string, unknown>, specHash: string, createdAt: string, model: { id: string, name: string, version: string } | null } | null, versions: { edges: Array<{ node: { id: string, version: number, specHash: string, createdAt: string, usedByCohorts: number, createdBy: { id: string, name: string } | null, model: { id: string, name: string, version: string } | null } }> } } };

export type DistributionVersionSpecQueryVariables = Exact<{
  id: string | number;
}>;


export type DistributionVersionSpecQuery = { node:
    | { id: string }
    | { id: string }
    | { id: string }
    | { id: string }
    | { id: string }
    | { version: number, spec: Record<string, unknown>, specHash: string, id: string }
    | { id: string }
    | { id: string }
    | { id: string }
    | { id: string }
    | { id: string }
    | { id: string }
    | { id: string }
    | { id: string }
    | { id: string }
    | { id: string }
   | null };

export type SamplerSettingsFieldsFragment = { sampler: Sampler, numInferenceSteps: number, eta: number, guidanceScale: number, timestepSpacing: TimestepSpacing, stepsOffset: number, setAlphaToOne: boolean, guidanceInterval: Array<number> | null };

export type CohortEstimateQueryVariables = Exact<{
  modelId: string | number;
  size: number;
  sampler?: SamplerSettingsInput | null | undefined;
}>;


export type CohortEstimateQuery = { cohortEstimate: { seconds: number, perVolumeSeconds: number, volumesPerMinute: number, workers: number, queuedAhead: number, waitSeconds: number, basis: string } };

export type RequestCohortMutationVariables = Exact<{
  input: RequestCohortInput;
}>;


export type RequestCohortMutation = { requestCohort: { cohort: { id: string, status: CohortStatus } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type CohortQueryVariables = Exact<{
  id: string | number;
  after?: string | null | undefined;
}>;


export type CohortQuery = { cohort: { id: string, name: string, size: number, status: CohortStatus, seed: string, isPreview: boolean, createdAt: string, startedAt: string | null, finishedAt: string | null, cancelledAt: string | null, estimatedSeconds: number | null, adherence: Record<string, unknown>, decidedAt: string | null, decisionComment: string | null, samplerSettings: { sampler: Sampler, numInferenceSteps: number, eta: number, guidanceScale: number, timestepSpacing: TimestepSpacing, stepsOffset: number, setAlphaToOne: boolean, guidanceInterval: Array<number> | null }, qcSettings: { enabled: boolean, disabledReason: string | null, maxTries: number, minTumourVoxels: number, tolerances: Array<{ feature: string, abs: number }>, brainOutline: { minDice: number, imageThreshold: number } | null, intensity: { percentiles: Array<number>, ranges: Array<Array<number>> } | null } | null, requestedBy: { id: string, name: string } | null, project: { id: string, name: string, slug: string, team: { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction> } | null } | null, model: { id: string, name: string, version: string, volumeShapeDhw: Array<number>, anatomicalSpacingMm: Array<number>, physicalUnits: Array<{ feature: string, unit: string, scale: number, approximate: boolean }> } | null, distributionVersion: { id: string, version: number, specHash: string } | null, progress: { total: number, done: number, failed: number, qcFailed: number, running: number, pending: number, cancelled: number, volumesPerMinute: number, etaSeconds: number | null, etaBasis: string, workers: number }, volumes: { edges: Array<{ node: { id: string, subjectIndex: number, status: VolumeStatus, attempts: number, error: string | null, reviewState: ReviewState, requestedCondition: unknown, measuredCondition: unknown, startedAt: string | null, finishedAt: string | null, qc: { status: QcStatus, reasons: Array<string>, acceptedTry: number, notRunReason: string | null, tries: Array<{ index: number }> } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } };

export type CohortThumbnailsQueryVariables = Exact<{
  id: string | number;
  after?: string | null | undefined;
}>;


export type CohortThumbnailsQuery = { cohort: { id: string, volumes: { edges: Array<{ node: { id: string, subjectIndex: number, status: VolumeStatus, reviewState: ReviewState, measuredCondition: unknown, qc: { status: QcStatus, reasons: Array<string>, notRunReason: string | null, tries: Array<{ index: number }> } | null, thumbnail: { dataUrl: string, sliceIndex: number, maskVoxels: number, sliceMaskVoxels: number, width: number, height: number } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } };

export type CancelCohortMutationVariables = Exact<{
  cohortId: string | number;
}>;


export type CancelCohortMutation = { cancelCohort: { cohort: { id: string, status: CohortStatus } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type RetryFailedVolumesMutationVariables = Exact<{
  cohortId: string | number;
  volumeId?: string | number | null | undefined;
}>;


export type RetryFailedVolumesMutation = { retryFailedVolumes: { cohort: { id: string, status: CohortStatus } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type ApproveCohortMutationVariables = Exact<{
  cohortId: string | number;
  comment?: string | null | undefined;
}>;


export type ApproveCohortMutation = { approveCohort: { cohort: { id: string, status: CohortStatus } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type RejectCohortMutationVariables = Exact<{
  cohortId: string | number;
  comment?: string | null | undefined;
}>;


export type RejectCohortMutation = { rejectCohort: { cohort: { id: string, status: CohortStatus } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type VolumeQueryVariables = Exact<{
  id: string | number;
}>;


export type VolumeQuery = { volume: { id: string, subjectIndex: number, status: VolumeStatus, attempts: number, error: string | null, startedAt: string | null, finishedAt: string | null, imageUrl: string | null, maskUrl: string | null, imageBytes: number | null, maskBytes: number | null, imageSha256: string | null, maskSha256: string | null, requestedCondition: unknown, measuredCondition: unknown, provenance: unknown, reviewState: ReviewState, reviewComment: string | null, reviewedAt: string | null, attemptHistory: Array<{ number: number, round: number, workerId: string, host: string, startedAt: string, endedAt: string | null, outcome: AttemptOutcome, reason: string | null }>, qc: { status: QcStatus, reasons: Array<string>, acceptedTry: number, notRunReason: string | null, tries: Array<{ index: number, noiseKey: number, rng: string, passed: boolean, measured: Array<number> | null, checks: Array<{ name: string, passed: boolean, measured: number | null, limit: string, reason: string | null }> }> } | null, reviewedBy: { id: string, name: string } | null, cohort: { id: string, name: string, project: { id: string, name: string, slug: string, team: { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction> } | null } | null, model: { id: string, name: string, version: string, volumeShapeDhw: Array<number>, anatomicalSpacingMm: Array<number>, physicalUnits: Array<{ feature: string, unit: string, scale: number, approximate: boolean }> } | null } | null } };

export type ReviewVolumeMutationVariables = Exact<{
  volumeId: string | number;
  state: ReviewState;
  comment?: string | null | undefined;
}>;


export type ReviewVolumeMutation = { reviewVolume: { volume: { id: string, reviewState: ReviewState, reviewComment: string | null, reviewedAt: string | null, reviewedBy: { id: string, name: string } | null } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type CohortsAwaitingApprovalQueryVariables = Exact<{
  teamId: string | number;
}>;


export type CohortsAwaitingApprovalQuery = { cohortsAwaitingApproval: Array<{ id: string, name: string, size: number, createdAt: string, estimatedSeconds: number | null, requestedBy: { id: string, name: string } | null }> };

export type ReviewQueueQueryVariables = Exact<{
  cohortId: string | number;
}>;


export type ReviewQueueQuery = { cohort: { id: string, name: string, size: number, project: { id: string, team: { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction> } | null } | null, model: { id: string, name: string, version: string, volumeShapeDhw: Array<number>, anatomicalSpacingMm: Array<number>, physicalUnits: Array<{ feature: string, unit: string, scale: number, approximate: boolean }> } | null, volumes: { edges: Array<{ node: { id: string, subjectIndex: number, imageUrl: string | null, maskUrl: string | null, requestedCondition: unknown, measuredCondition: unknown } }> }, reviewed: { edges: Array<{ node: { id: string, reviewState: ReviewState } }> } } };

export type ReferenceFilesQueryVariables = Exact<{
  projectId: string | number;
}>;


export type ReferenceFilesQuery = { project: { id: string, referenceFiles: Array<{ id: string, filename: string, sha256: string, bytes: number, createdAt: string, features: unknown, physical: unknown }> } };

export type CreateEmpiricalDistributionMutationVariables = Exact<{
  input: CreateEmpiricalDistributionInput;
}>;


export type CreateEmpiricalDistributionMutation = { createEmpiricalDistribution: { distribution: { id: string, name: string } | null, version: { id: string, version: number } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type ProjectDatasetsQueryVariables = Exact<{
  projectId: string | number;
  dataset?: string | null | undefined;
}>;


export type ProjectDatasetsQuery = { project: { id: string, slug: string, datasetVersions: { edges: Array<{ node: { id: string, dataset: string, description: string, tags: Array<string>, volumeCount: number, manifestHash: string, createdAt: string, exportUrl: string, manifestUrl: string, createdBy: { id: string, name: string } | null } }>, pageInfo: { hasNextPage: boolean } } } };

export type PublishDatasetVersionMutationVariables = Exact<{
  input: PublishDatasetVersionInput;
}>;


export type PublishDatasetVersionMutation = { publishDatasetVersion: { created: boolean | null, qcFailedLeftOut: number | null, datasetVersion: { id: string, dataset: string, tags: Array<string>, volumeCount: number, manifestHash: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

export type DatasetVersionPageQueryVariables = Exact<{
  id: string | number;
  filesAfter?: string | null | undefined;
}>;


export type DatasetVersionPageQuery = { datasetVersion: { id: string, dataset: string, description: string, tags: Array<string>, volumeCount: number, manifestHash: string, createdAt: string, exportUrl: string, manifestUrl: string, totalBytes: number, createdBy: { id: string, name: string } | null, project: { id: string, name: string, slug: string, team: { id: string, name: string, slug: string, viewerRole: Role | null, viewerPermissions: Array<TeamAction> } | null } | null, datasetTags: Array<{ name: string, datasetVersionId: string, manifestHash: string, updatedAt: string }>, cohorts: Array<{ cohortId: string, name: string, volumeCount: number, model: string, distributionVersion: number }>, trainingRuns: Array<{ id: string, name: string, url: string | null, createdAt: string }>, files: { totalCount: number, edges: Array<{ node: { path: string, kind: string, sha256: string, bytes: number, subjectIndex: number, volumeId: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } };

export type DiffDatasetVersionsQueryVariables = Exact<{
  a: string | number;
  b: string | number;
}>;


export type DiffDatasetVersionsQuery = { diffDatasetVersions: { added: unknown, removed: unknown, unchanged: number, reviewChanged: unknown, features: unknown } };

export type MoveDatasetTagMutationVariables = Exact<{
  datasetVersionId: string | number;
  name: string;
}>;


export type MoveDatasetTagMutation = { moveDatasetTag: { datasetVersion: { id: string, tags: Array<string> } | null, userErrors: Array<{ field: Array<string>, message: string, code: string }> } };

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
export const TeamAccessFragmentDoc = new TypedDocumentString(`
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}
    `, {"fragmentName":"TeamAccess"}) as unknown as TypedDocumentString<TeamAccessFragment, unknown>;
export const ModelUnitsFragmentDoc = new TypedDocumentString(`
    fragment ModelUnits on Model {
  id
  name
  version
  volumeShapeDhw
  anatomicalSpacingMm
  physicalUnits {
    feature
    unit
    scale
    approximate
  }
}
    `, {"fragmentName":"ModelUnits"}) as unknown as TypedDocumentString<ModelUnitsFragment, unknown>;
export const QcSettingsFieldsFragmentDoc = new TypedDocumentString(`
    fragment QcSettingsFields on QcSettings {
  enabled
  disabledReason
  maxTries
  minTumourVoxels
  tolerances {
    feature
    abs
  }
  brainOutline {
    minDice
    imageThreshold
  }
  intensity {
    percentiles
    ranges
  }
}
    `, {"fragmentName":"QcSettingsFields"}) as unknown as TypedDocumentString<QcSettingsFieldsFragment, unknown>;
export const VolumeQcFieldsFragmentDoc = new TypedDocumentString(`
    fragment VolumeQcFields on VolumeQc {
  status
  reasons
  acceptedTry
  notRunReason
  tries {
    index
    noiseKey
    rng
    passed
    measured
    checks {
      name
      passed
      measured
      limit
      reason
    }
  }
}
    `, {"fragmentName":"VolumeQcFields"}) as unknown as TypedDocumentString<VolumeQcFieldsFragment, unknown>;
export const SamplerSettingsFieldsFragmentDoc = new TypedDocumentString(`
    fragment SamplerSettingsFields on SamplerSettings {
  sampler
  numInferenceSteps
  eta
  guidanceScale
  timestepSpacing
  stepsOffset
  setAlphaToOne
  guidanceInterval
}
    `, {"fragmentName":"SamplerSettingsFields"}) as unknown as TypedDocumentString<SamplerSettingsFieldsFragment, unknown>;
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
        ...TeamAccess
      }
    }
  }
}
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}`) as unknown as TypedDocumentString<ViewerQuery, ViewerQueryVariables>;
export const InstanceDocument = new TypedDocumentString(`
    query Instance {
  instance {
    demoAccount {
      email
      password
    }
    maxCohortSize
    maxPreviewSize
  }
}
    `) as unknown as TypedDocumentString<InstanceQuery, InstanceQueryVariables>;
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
    ...TeamAccess
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
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}`) as unknown as TypedDocumentString<TeamProjectsQuery, TeamProjectsQueryVariables>;
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
      ...TeamAccess
    }
  }
}
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}`) as unknown as TypedDocumentString<ProjectQuery, ProjectQueryVariables>;
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
    ...TeamAccess
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
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}`) as unknown as TypedDocumentString<TeamMembersQuery, TeamMembersQueryVariables>;
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
export const TeamInvitationsDocument = new TypedDocumentString(`
    query TeamInvitations($teamId: ID!) {
  team(id: $teamId) {
    id
    invitations {
      id
      role
      note
      state
      createdAt
      expiresAt
      revokedAt
      acceptedAt
      createdBy {
        id
        name
      }
      acceptedBy {
        id
        name
        email
      }
    }
  }
}
    `) as unknown as TypedDocumentString<TeamInvitationsQuery, TeamInvitationsQueryVariables>;
export const CreateInvitationDocument = new TypedDocumentString(`
    mutation CreateInvitation($input: CreateInvitationInput!) {
  createInvitation(input: $input) {
    secret
    invitation {
      id
      role
      state
      expiresAt
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<CreateInvitationMutation, CreateInvitationMutationVariables>;
export const RevokeInvitationDocument = new TypedDocumentString(`
    mutation RevokeInvitation($invitationId: ID!) {
  revokeInvitation(invitationId: $invitationId) {
    invitation {
      id
      state
      revokedAt
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<RevokeInvitationMutation, RevokeInvitationMutationVariables>;
export const InvitationPreviewDocument = new TypedDocumentString(`
    query InvitationPreview($secret: String!) {
  viewer {
    id
    name
    email
  }
  invitationPreview(secret: $secret) {
    teamName
    role
    invitedBy
    expiresAt
    state
  }
}
    `) as unknown as TypedDocumentString<InvitationPreviewQuery, InvitationPreviewQueryVariables>;
export const AcceptInvitationDocument = new TypedDocumentString(`
    mutation AcceptInvitation($secret: String!) {
  acceptInvitation(secret: $secret) {
    team {
      id
      name
    }
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
    `) as unknown as TypedDocumentString<AcceptInvitationMutation, AcceptInvitationMutationVariables>;
export const ApiTokensDocument = new TypedDocumentString(`
    query ApiTokens($teamId: ID!) {
  viewer {
    id
  }
  team(id: $teamId) {
    ...TeamAccess
    viewerTokenScopes
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
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}`) as unknown as TypedDocumentString<ApiTokensQuery, ApiTokensQueryVariables>;
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
export const TeamSettingsDocument = new TypedDocumentString(`
    query TeamSettings($teamId: ID!) {
  team(id: $teamId) {
    ...TeamAccess
    approvalThreshold
    createdAt
  }
  webhookEvents {
    name
    description
  }
}
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}`) as unknown as TypedDocumentString<TeamSettingsQuery, TeamSettingsQueryVariables>;
export const UpdateTeamDocument = new TypedDocumentString(`
    mutation UpdateTeam($input: UpdateTeamInput!) {
  updateTeam(input: $input) {
    team {
      id
      name
      approvalThreshold
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<UpdateTeamMutation, UpdateTeamMutationVariables>;
export const WebhooksDocument = new TypedDocumentString(`
    query Webhooks($teamId: ID!, $deliveries: Int!) {
  webhooks(teamId: $teamId) {
    id
    url
    events
    active
    createdAt
    deliveries(limit: $deliveries) {
      id
      event
      status
      attempts
      responseCode
      lastError
      createdAt
      deliveredAt
    }
  }
}
    `) as unknown as TypedDocumentString<WebhooksQuery, WebhooksQueryVariables>;
export const CreateWebhookDocument = new TypedDocumentString(`
    mutation CreateWebhook($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    secret
    webhook {
      id
      url
      events
      active
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<CreateWebhookMutation, CreateWebhookMutationVariables>;
export const DeleteWebhookDocument = new TypedDocumentString(`
    mutation DeleteWebhook($webhookId: ID!) {
  deleteWebhook(webhookId: $webhookId) {
    webhook {
      id
      active
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<DeleteWebhookMutation, DeleteWebhookMutationVariables>;
export const AuditEventsDocument = new TypedDocumentString(`
    query AuditEvents($teamId: ID!, $filter: AuditFilterInput, $after: String) {
  team(id: $teamId) {
    ...TeamAccess
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
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}`) as unknown as TypedDocumentString<AuditEventsQuery, AuditEventsQueryVariables>;
export const ProjectOverviewDocument = new TypedDocumentString(`
    query ProjectOverview($id: ID!) {
  project(id: $id) {
    id
    name
    slug
    description
    createdAt
    archivedAt
    team {
      ...TeamAccess
    }
    distributions(first: 100) {
      edges {
        node {
          id
          name
          description
          createdAt
          latestVersion {
            id
            version
            createdAt
            usedByCohorts
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
    cohorts(first: 100) {
      edges {
        node {
          id
          name
          size
          status
          createdAt
          seed
          isPreview
          progress {
            total
            done
            failed
            qcFailed
            running
            pending
            cancelled
          }
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
}
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}`) as unknown as TypedDocumentString<ProjectOverviewQuery, ProjectOverviewQueryVariables>;
export const ModelsDocument = new TypedDocumentString(`
    query Models {
  models {
    ...ModelUnits
    description
    spacingMm
    conditioning
    throughputBasis
    samplerDefaults {
      ...SamplerSettingsFields
    }
    samplerLimits {
      samplers
      minInferenceSteps
      maxInferenceSteps
      eta
      guidanceScale
      guidance
      guidanceIntervalRange
    }
    brainProjection {
      width
      height
      rows
    }
    purpose
    isDefault
    metrics
    qcDefaults {
      ...QcSettingsFields
    }
    calibration {
      version
      method
      features
      fittedOn
      effect
    }
  }
}
    fragment ModelUnits on Model {
  id
  name
  version
  volumeShapeDhw
  anatomicalSpacingMm
  physicalUnits {
    feature
    unit
    scale
    approximate
  }
}
fragment QcSettingsFields on QcSettings {
  enabled
  disabledReason
  maxTries
  minTumourVoxels
  tolerances {
    feature
    abs
  }
  brainOutline {
    minDice
    imageThreshold
  }
  intensity {
    percentiles
    ranges
  }
}
fragment SamplerSettingsFields on SamplerSettings {
  sampler
  numInferenceSteps
  eta
  guidanceScale
  timestepSpacing
  stepsOffset
  setAlphaToOne
  guidanceInterval
}`) as unknown as TypedDocumentString<ModelsQuery, ModelsQueryVariables>;
export const PreviewDistributionDocument = new TypedDocumentString(`
    query PreviewDistribution($modelId: ID!, $spec: JSONObject!, $n: Int!, $seed: Int!) {
  previewDistribution(modelId: $modelId, spec: $spec, n: $n, seed: $seed) {
    n
    seed
    millis
    histograms
    rejections
    vectors
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<PreviewDistributionQuery, PreviewDistributionQueryVariables>;
export const CreateDistributionDocument = new TypedDocumentString(`
    mutation CreateDistribution($input: CreateDistributionInput!) {
  createDistribution(input: $input) {
    distribution {
      id
      name
    }
    version {
      id
      version
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<CreateDistributionMutation, CreateDistributionMutationVariables>;
export const AddDistributionVersionDocument = new TypedDocumentString(`
    mutation AddDistributionVersion($input: AddDistributionVersionInput!) {
  addDistributionVersion(input: $input) {
    distribution {
      id
    }
    version {
      id
      version
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<AddDistributionVersionMutation, AddDistributionVersionMutationVariables>;
export const DistributionDocument = new TypedDocumentString(`
    query Distribution($id: ID!) {
  distribution(id: $id) {
    id
    name
    description
    createdAt
    latestVersion {
      id
      version
      spec
      specHash
      createdAt
      model {
        id
        name
        version
      }
    }
    versions(first: 100) {
      edges {
        node {
          id
          version
          specHash
          createdAt
          usedByCohorts
          createdBy {
            id
            name
          }
          model {
            id
            name
            version
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DistributionQuery, DistributionQueryVariables>;
export const DistributionVersionSpecDocument = new TypedDocumentString(`
    query DistributionVersionSpec($id: ID!) {
  node(id: $id) {
    id
    ... on DistributionVersion {
      version
      spec
      specHash
    }
  }
}
    `) as unknown as TypedDocumentString<DistributionVersionSpecQuery, DistributionVersionSpecQueryVariables>;
export const CohortEstimateDocument = new TypedDocumentString(`
    query CohortEstimate($modelId: ID!, $size: Int!, $sampler: SamplerSettingsInput) {
  cohortEstimate(modelId: $modelId, size: $size, sampler: $sampler) {
    seconds
    perVolumeSeconds
    volumesPerMinute
    workers
    queuedAhead
    waitSeconds
    basis
  }
}
    `) as unknown as TypedDocumentString<CohortEstimateQuery, CohortEstimateQueryVariables>;
export const RequestCohortDocument = new TypedDocumentString(`
    mutation RequestCohort($input: RequestCohortInput!) {
  requestCohort(input: $input) {
    cohort {
      id
      status
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<RequestCohortMutation, RequestCohortMutationVariables>;
export const CohortDocument = new TypedDocumentString(`
    query Cohort($id: ID!, $after: String) {
  cohort(id: $id) {
    id
    name
    size
    status
    seed
    isPreview
    createdAt
    startedAt
    finishedAt
    cancelledAt
    estimatedSeconds
    samplerSettings {
      ...SamplerSettingsFields
    }
    qcSettings {
      ...QcSettingsFields
    }
    adherence
    decidedAt
    decisionComment
    requestedBy {
      id
      name
    }
    project {
      id
      name
      slug
      team {
        ...TeamAccess
      }
    }
    model {
      ...ModelUnits
    }
    distributionVersion {
      id
      version
      specHash
    }
    progress {
      total
      done
      failed
      qcFailed
      running
      pending
      cancelled
      volumesPerMinute
      etaSeconds
      etaBasis
      workers
    }
    volumes(first: 100, after: $after) {
      edges {
        node {
          id
          subjectIndex
          status
          attempts
          error
          reviewState
          requestedCondition
          measuredCondition
          startedAt
          finishedAt
          qc {
            status
            reasons
            acceptedTry
            notRunReason
            tries {
              index
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}
fragment ModelUnits on Model {
  id
  name
  version
  volumeShapeDhw
  anatomicalSpacingMm
  physicalUnits {
    feature
    unit
    scale
    approximate
  }
}
fragment QcSettingsFields on QcSettings {
  enabled
  disabledReason
  maxTries
  minTumourVoxels
  tolerances {
    feature
    abs
  }
  brainOutline {
    minDice
    imageThreshold
  }
  intensity {
    percentiles
    ranges
  }
}
fragment SamplerSettingsFields on SamplerSettings {
  sampler
  numInferenceSteps
  eta
  guidanceScale
  timestepSpacing
  stepsOffset
  setAlphaToOne
  guidanceInterval
}`) as unknown as TypedDocumentString<CohortQuery, CohortQueryVariables>;
export const CohortThumbnailsDocument = new TypedDocumentString(`
    query CohortThumbnails($id: ID!, $after: String) {
  cohort(id: $id) {
    id
    volumes(first: 48, after: $after) {
      edges {
        node {
          id
          subjectIndex
          status
          reviewState
          measuredCondition
          qc {
            status
            reasons
            notRunReason
            tries {
              index
            }
          }
          thumbnail {
            dataUrl
            sliceIndex
            maskVoxels
            sliceMaskVoxels
            width
            height
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CohortThumbnailsQuery, CohortThumbnailsQueryVariables>;
export const CancelCohortDocument = new TypedDocumentString(`
    mutation CancelCohort($cohortId: ID!) {
  cancelCohort(cohortId: $cohortId) {
    cohort {
      id
      status
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<CancelCohortMutation, CancelCohortMutationVariables>;
export const RetryFailedVolumesDocument = new TypedDocumentString(`
    mutation RetryFailedVolumes($cohortId: ID!, $volumeId: ID) {
  retryFailedVolumes(cohortId: $cohortId, volumeId: $volumeId) {
    cohort {
      id
      status
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<RetryFailedVolumesMutation, RetryFailedVolumesMutationVariables>;
export const ApproveCohortDocument = new TypedDocumentString(`
    mutation ApproveCohort($cohortId: ID!, $comment: String) {
  approveCohort(cohortId: $cohortId, comment: $comment) {
    cohort {
      id
      status
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<ApproveCohortMutation, ApproveCohortMutationVariables>;
export const RejectCohortDocument = new TypedDocumentString(`
    mutation RejectCohort($cohortId: ID!, $comment: String) {
  rejectCohort(cohortId: $cohortId, comment: $comment) {
    cohort {
      id
      status
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<RejectCohortMutation, RejectCohortMutationVariables>;
export const VolumeDocument = new TypedDocumentString(`
    query Volume($id: ID!) {
  volume(id: $id) {
    id
    subjectIndex
    status
    attempts
    error
    startedAt
    finishedAt
    attemptHistory {
      number
      round
      workerId
      host
      startedAt
      endedAt
      outcome
      reason
    }
    imageUrl
    maskUrl
    imageBytes
    maskBytes
    imageSha256
    maskSha256
    requestedCondition
    measuredCondition
    provenance
    qc {
      ...VolumeQcFields
    }
    reviewState
    reviewComment
    reviewedAt
    reviewedBy {
      id
      name
    }
    cohort {
      id
      name
      project {
        id
        name
        slug
        team {
          ...TeamAccess
        }
      }
      model {
        ...ModelUnits
      }
    }
  }
}
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}
fragment ModelUnits on Model {
  id
  name
  version
  volumeShapeDhw
  anatomicalSpacingMm
  physicalUnits {
    feature
    unit
    scale
    approximate
  }
}
fragment VolumeQcFields on VolumeQc {
  status
  reasons
  acceptedTry
  notRunReason
  tries {
    index
    noiseKey
    rng
    passed
    measured
    checks {
      name
      passed
      measured
      limit
      reason
    }
  }
}`) as unknown as TypedDocumentString<VolumeQuery, VolumeQueryVariables>;
export const ReviewVolumeDocument = new TypedDocumentString(`
    mutation ReviewVolume($volumeId: ID!, $state: ReviewState!, $comment: String) {
  reviewVolume(volumeId: $volumeId, state: $state, comment: $comment) {
    volume {
      id
      reviewState
      reviewComment
      reviewedAt
      reviewedBy {
        id
        name
      }
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<ReviewVolumeMutation, ReviewVolumeMutationVariables>;
export const CohortsAwaitingApprovalDocument = new TypedDocumentString(`
    query CohortsAwaitingApproval($teamId: ID!) {
  cohortsAwaitingApproval(teamId: $teamId) {
    id
    name
    size
    createdAt
    estimatedSeconds
    requestedBy {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<CohortsAwaitingApprovalQuery, CohortsAwaitingApprovalQueryVariables>;
export const ReviewQueueDocument = new TypedDocumentString(`
    query ReviewQueue($cohortId: ID!) {
  cohort(id: $cohortId) {
    id
    name
    size
    project {
      id
      team {
        ...TeamAccess
      }
    }
    model {
      ...ModelUnits
    }
    volumes(first: 1, status: SUCCEEDED, reviewState: UNREVIEWED) {
      edges {
        node {
          id
          subjectIndex
          imageUrl
          maskUrl
          requestedCondition
          measuredCondition
        }
      }
    }
    reviewed: volumes(first: 100, status: SUCCEEDED) {
      edges {
        node {
          id
          reviewState
        }
      }
    }
  }
}
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}
fragment ModelUnits on Model {
  id
  name
  version
  volumeShapeDhw
  anatomicalSpacingMm
  physicalUnits {
    feature
    unit
    scale
    approximate
  }
}`) as unknown as TypedDocumentString<ReviewQueueQuery, ReviewQueueQueryVariables>;
export const ReferenceFilesDocument = new TypedDocumentString(`
    query ReferenceFiles($projectId: ID!) {
  project(id: $projectId) {
    id
    referenceFiles {
      id
      filename
      sha256
      bytes
      createdAt
      features
      physical
    }
  }
}
    `) as unknown as TypedDocumentString<ReferenceFilesQuery, ReferenceFilesQueryVariables>;
export const CreateEmpiricalDistributionDocument = new TypedDocumentString(`
    mutation CreateEmpiricalDistribution($input: CreateEmpiricalDistributionInput!) {
  createEmpiricalDistribution(input: $input) {
    distribution {
      id
      name
    }
    version {
      id
      version
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<CreateEmpiricalDistributionMutation, CreateEmpiricalDistributionMutationVariables>;
export const ProjectDatasetsDocument = new TypedDocumentString(`
    query ProjectDatasets($projectId: ID!, $dataset: String) {
  project(id: $projectId) {
    id
    slug
    datasetVersions(first: 50, dataset: $dataset) {
      edges {
        node {
          id
          dataset
          description
          tags
          volumeCount
          manifestHash
          createdAt
          exportUrl
          manifestUrl
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
}
    `) as unknown as TypedDocumentString<ProjectDatasetsQuery, ProjectDatasetsQueryVariables>;
export const PublishDatasetVersionDocument = new TypedDocumentString(`
    mutation PublishDatasetVersion($input: PublishDatasetVersionInput!) {
  publishDatasetVersion(input: $input) {
    created
    qcFailedLeftOut
    datasetVersion {
      id
      dataset
      tags
      volumeCount
      manifestHash
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<PublishDatasetVersionMutation, PublishDatasetVersionMutationVariables>;
export const DatasetVersionPageDocument = new TypedDocumentString(`
    query DatasetVersionPage($id: ID!, $filesAfter: String) {
  datasetVersion(id: $id) {
    id
    dataset
    description
    tags
    volumeCount
    manifestHash
    createdAt
    exportUrl
    manifestUrl
    totalBytes
    createdBy {
      id
      name
    }
    project {
      id
      name
      slug
      team {
        ...TeamAccess
      }
    }
    datasetTags {
      name
      datasetVersionId
      manifestHash
      updatedAt
    }
    cohorts {
      cohortId
      name
      volumeCount
      model
      distributionVersion
    }
    trainingRuns {
      id
      name
      url
      createdAt
    }
    files(first: 100, after: $filesAfter) {
      totalCount
      edges {
        node {
          path
          kind
          sha256
          bytes
          subjectIndex
          volumeId
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
    fragment TeamAccess on Team {
  id
  name
  slug
  viewerRole
  viewerPermissions
}`) as unknown as TypedDocumentString<DatasetVersionPageQuery, DatasetVersionPageQueryVariables>;
export const DiffDatasetVersionsDocument = new TypedDocumentString(`
    query DiffDatasetVersions($a: ID!, $b: ID!) {
  diffDatasetVersions(a: $a, b: $b) {
    added
    removed
    unchanged
    reviewChanged
    features
  }
}
    `) as unknown as TypedDocumentString<DiffDatasetVersionsQuery, DiffDatasetVersionsQueryVariables>;
export const MoveDatasetTagDocument = new TypedDocumentString(`
    mutation MoveDatasetTag($datasetVersionId: ID!, $name: String!) {
  moveDatasetTag(datasetVersionId: $datasetVersionId, name: $name) {
    datasetVersion {
      id
      tags
    }
    userErrors {
      field
      message
      code
    }
  }
}
    `) as unknown as TypedDocumentString<MoveDatasetTagMutation, MoveDatasetTagMutationVariables>;